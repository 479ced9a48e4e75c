"""The YAML files editors write (feeds.yml, plan.yml): safe loading, and each problem as one line
``<file>:<line>: <reason>`` (a ``ConfigError``, exit 2), the same for every such file.

Front matter has its own line (``core/markup.front_matter_problem``: its line numbers count from
the opening ``---``); the taxonomy's loader (``tagging/tag.py``) is not this one yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.core.errors import ConfigError

#: libyaml's safe loader when PyYAML was built with it (~20× faster, same result), else Python's.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _CheckingLoader(yaml.SafeLoader):
    """SafeLoader that notes duplicate keys (PyYAML silently keeps the last one)."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                if key in seen:
                    self.duplicates.append((key_node.start_mark.line + 1, str(key)))
                seen.add(key)
            except TypeError:                         # unhashable key: PyYAML reports it
                pass
        return super().construct_mapping(node, deep=deep)


def problem_line(exc: yaml.YAMLError, filename: str) -> str:
    """One line for a YAML error: ``feeds.yml:4: expected ',' or ']', but got ':'``."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        why = exc.problem or exc.context or "not valid YAML"
        if "'\\t'" in why:
            why += " (indent with spaces, not tabs)"
        return f"{filename}{line}: {why}"
    return f"{filename}: not valid YAML ({' '.join(str(exc).split())})"


def read_yaml(text: str, filename: str, *, check_duplicates: bool = True) -> tuple[Any, list[str]]:
    """The data of a YAML text and its duplicate keys (one line each; none looked for without
    ``check_duplicates``, which loads with the fast loader). ``ConfigError`` when it does not
    parse."""
    if not check_duplicates:
        try:
            return yaml.load(text, Loader=FAST_LOADER), []
        except yaml.YAMLError as exc:
            raise ConfigError(problem_line(exc, filename)) from None
    loader = _CheckingLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ConfigError(problem_line(exc, filename)) from None
    finally:
        loader.dispose()
    dups = [f"{filename}:{line}: duplicate key {key!r}" for line, key in loader.duplicates]
    return data, dups


def read_yaml_file(path: Path, filename: str, *,
                   check_duplicates: bool = True) -> tuple[Any, list[str]]:
    """:func:`read_yaml` of a file; a file that is not UTF-8 or cannot be read is one line too."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{filename}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{filename}: cannot be read ({exc.strerror})") from None
    return read_yaml(text, filename, check_duplicates=check_duplicates)

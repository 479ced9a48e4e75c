"""Review of harvested documents (register entries with ``review: pending``), shared by
``cds review docs|approve-doc|reject-doc`` and the desk's "Văn bản chờ duyệt" page.

Approving removes the ``review`` line (the entry goes on the site); rejecting writes
``review: rejected`` and, when given, ``reject_reason``: the entry stays in the register folder
so a re-harvest (same normalised number and issuer) finds it and changes nothing, and it is never
shown. Each action is ONE git commit of the touched entries, authored by the editor, under the
root's write lock (``gitlog``), like the article review. Only the two keys' lines change; every
other line of the entry stays byte for byte (``docharvest.update_keys``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipeline.core import docrefs
from pipeline.core.errors import ConfigError
from pipeline.core.models import Config
from pipeline.core.text import nfc
from pipeline.desk import gitlog
from pipeline.desk.gitlog import Author
from pipeline.desk.review import Outcome
from pipeline.harvest.docharvest import update_keys
from pipeline.store import register

VERBS = {"approve": "duyệt", "reject": "từ chối"}


def message(verb: str, numbers: list[str]) -> str:
    """``duyệt văn bản: 96/KH-UBND``; ``duyệt 2 văn bản: 96/KH-UBND, 12/KH-UBND``."""
    if len(numbers) == 1:
        return f"{verb} văn bản: {numbers[0]}"
    return f"{verb} {len(numbers)} văn bản: " + ", ".join(numbers)


def docs(config: Config) -> list[register.Doc]:
    return register.load_docs(config.content_dir)


def pending(config: Config) -> list[register.Doc]:
    """Entries waiting for an editor, newest harvested first."""
    rows = [d for d in docs(config) if d.pending]
    rows.sort(key=lambda d: (d.first_seen.isoformat() if d.first_seen else "",
                             d.issued.isoformat() if d.issued else "", d.number), reverse=True)
    return rows


def normalise(number: str) -> str:
    """A document number as the register stores it (``Số: 96 /KH-UBND`` → ``96/KH-UBND``)."""
    found = docrefs.normalize(number or "")
    if not found:
        raise ConfigError(f"{number!r}: not a document number (such as {register.EXAMPLES})")
    return found


def decide(config: Config, verb: str, numbers: Iterable[str], author: Author,
           reason: str = "") -> Outcome[str]:
    """Approve (``verb="approve"``) or reject pending entries; one commit for all changed."""
    if verb not in VERBS:
        raise ConfigError(f"{verb}: not one of {', '.join(VERBS)}")
    wanted = list(dict.fromkeys(normalise(n) for n in numbers))
    reason = nfc(" ".join(reason.split()))
    out: Outcome[str] = Outcome(VERBS[verb])
    root = Path(config.root)
    docs_dir = config.content_dir / register.DOCS_DIR
    with gitlog.write_lock(root):
        by_number = {d.number: d for d in docs(config)}
        paths = []
        for number in wanted:
            d = by_number.get(number)
            if d is None or d.path is None:
                out.missing.append(number)
                continue
            if not d.pending:
                out.unchanged.append(number)
                continue
            if verb == "approve":
                values = {"review": "", "reject_reason": ""}
            else:
                values = {"review": register.REVIEW_REJECTED, "reject_reason": reason}
            update_keys(docs_dir / d.path.name, values)
            out.changed.append(number)
            paths.append((docs_dir / d.path.name).relative_to(root).as_posix())
        if paths:
            out.commit = gitlog.commit(root, paths, message(out.verb, out.changed), author)
    return out

"""The command line as a user meets it: exit codes, one line per problem, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import make_root

ROOT = Path(__file__).resolve().parent.parent


def cds(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=120)


def test_help_lists_every_contract_command():
    out = cds("--help").stdout
    for command in ("harvest", "tag", "publish", "build", "serve", "run", "schedule", "status",
                    "check", "docs", "demo", "init"):
        assert command in out


def test_bad_usage_is_one_line_and_exit_2():
    res = cds("harvest", "--no-such-flag")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1


def test_bad_feeds_yml_lists_every_problem_and_exits_2(tmp_path):
    root = make_root(tmp_path / "root", """\
site: {title: T, url: https://example.gov.vn/}
sources:
  - {id: a, name: A, kind: feed, url: "ftp://x"}
  - {id: a, name: B, kind: rss, url: "https://example.vn/feed"}
""")
    res = cds("--root", str(root), "harvest")
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    lines = [x for x in res.stderr.splitlines() if x.startswith("error:")]
    assert "error: feeds.yml: sources[0].url: not an http(s) address" in lines
    assert any("sources[1].id" in x and "duplicate" in x for x in lines)
    assert any("sources[1].kind" in x for x in lines)


def test_missing_root_is_exit_2(tmp_path):
    res = cds("--root", str(tmp_path / "nowhere"), "harvest")
    assert res.returncode == 2
    assert "feeds.yml" in res.stderr and "Traceback" not in res.stderr


def test_unknown_source_is_exit_2(tmp_path):
    root = make_root(tmp_path / "root", """\
site: {title: T, url: https://example.gov.vn/}
sources:
  - {id: a, name: A, kind: feed, url: "https://example.vn/feed", enabled: false}
""")
    res = cds("--root", str(root), "harvest", "--source", "zzz")
    assert res.returncode == 2
    assert "error: --source zzz: no such source in feeds.yml" in res.stderr


def test_init_makes_a_root_that_checks_clean(tmp_path):
    dest = tmp_path / "tinh-moi"
    res = cds("init", str(dest))
    assert res.returncode == 0, res.stderr
    assert (dest / "feeds.yml").exists() and (dest / "mkdocs.yml").exists()
    assert sorted(p.name for p in (dest / "templates").iterdir()) == ["README.md"]  # overrides go here
    res = cds("--root", str(dest), "check")
    assert res.returncode == 0, res.stderr
    again = cds("init", str(dest))
    assert again.returncode == 2 and "already exists" in again.stderr


def test_readme_documents_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in ("harvest", "tag", "publish", "build", "serve", "run", "schedule", "status",
                    "check", "docs add", "demo", "init"):
        assert f"`{command}" in readme, command

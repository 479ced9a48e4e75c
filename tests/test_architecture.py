"""The import rules of pyproject.toml ([tool.importlinter]) hold: `make test` fails on an import
that goes the wrong way between stages (see docs/architecture.md)."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    res = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "broken" in res.stdout and "0 broken" in res.stdout


def _lint_copy_with(tmp_path, module: str, line: str) -> subprocess.CompletedProcess:
    """lint-imports over a copy of the package where ``module`` (a path under pipeline/) also
    has ``line``."""
    pkg = tmp_path / "pipeline"
    shutil.copytree(ROOT / "pipeline", pkg, ignore=shutil.ignore_patterns(
        "__pycache__", "data", "templates", "starter", "search_assets", "static"))
    with (pkg / module).open("a", encoding="utf-8") as f:
        f.write(f"\n{line}  # noqa: E402,F401\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    return subprocess.run([exe, "--no-cache"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})


def test_a_wrong_import_is_caught(tmp_path):
    """The contracts can fail: a copy of the package where core imports a stage is refused."""
    res = _lint_copy_with(tmp_path, "core/text.py", "from pipeline.site import publish")
    assert res.returncode != 0
    assert "pipeline.core.text -> pipeline.site.publish" in res.stdout


def test_harvest_and_site_have_no_declared_exception_left(tmp_path):
    """site/ reads pictures' addresses from store/media and jobs makes the documents' feeds:
    a site module importing harvest/media (the old exception) is now refused."""
    res = _lint_copy_with(tmp_path, "site/zalo.py", "from pipeline.harvest import media as _m")
    assert res.returncode != 0
    assert "pipeline.site.zalo -> pipeline.harvest.media" in res.stdout

"""``sync_tree`` makes a folder hold exactly the files given: stale files removed, folders left
empty pruned (children first), folders still holding a file kept or put left alone — without
trying to remove every folder (issue 18: a failed ``rmdir`` a folder was ~6,000 system calls
a build at 5,000 articles)."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.site.pages import tree


def listing(folder: Path) -> tuple[set[str], set[str]]:
    files, folders = set(), set()
    for dirpath, dirnames, filenames in os.walk(folder):
        rel = Path(dirpath).relative_to(folder).as_posix()
        prefix = "" if rel == "." else rel + "/"
        folders.update(prefix + d for d in dirnames)
        files.update(prefix + f for f in filenames)
    return files, folders


def test_stale_files_go_and_only_empty_folders_are_pruned(tmp_path: Path):
    out = tmp_path / "out"
    first = {"a/b/c/index.md": b"1", "a/b/d/index.md": b"2", "a/e/index.md": b"3",
             "x/y/z/index.md": b"4", "keep/me/index.md": b"5", "m/media/p.png": b"6",
             "top.md": b"7"}
    tree.sync_tree(out, first)
    # a/b/c goes, x/y/z goes (the whole x/ chain), keep/me is kept as it is, m/media/ is
    # another stage's folder, a/b/d is rewritten, a/new is new
    written, removed, unchanged = tree.sync_tree(
        out, {"a/b/d/index.md": b"2b", "a/e/index.md": b"3", "a/new/index.md": b"8",
              "top.md": b"7"},
        keep=["keep/me/index.md"], keep_dirs=("m/media/",))
    files, folders = listing(out)
    assert files == {"a/b/d/index.md", "a/e/index.md", "a/new/index.md", "keep/me/index.md",
                     "m/media/p.png", "top.md"}
    assert folders == {"a", "a/b", "a/b/d", "a/e", "a/new", "keep", "keep/me", "m", "m/media"}
    assert (written, removed, unchanged) == (2, 2, 3)
    assert (out / "a/b/d/index.md").read_bytes() == b"2b"


def test_a_folder_emptied_by_hand_and_one_holding_only_a_stale_file_are_pruned(tmp_path: Path):
    out = tmp_path / "out"
    tree.sync_tree(out, {"p/q/index.md": b"1", "r/index.md": b"2"})
    (out / "empty" / "deeper").mkdir(parents=True)         # no file in it at all
    (out / "p" / "q" / "stray.txt").write_bytes(b"x")      # not publish's: removed
    tree.sync_tree(out, {"r/index.md": b"2"})
    assert listing(out) == ({"r/index.md"}, {"r"})

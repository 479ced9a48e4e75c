"""The plugin's folder-cached realpath gives exactly ``os.path.realpath``, symbolic links included."""

import os
import random

from pipeline.site.build.plugin import _RealPaths


def test_cached_realpath_equals_os_realpath(tmp_path):
    d = str(tmp_path)
    os.makedirs(f"{d}/a/b/c")
    os.makedirs(f"{d}/x/y")
    os.symlink(f"{d}/x", f"{d}/a/lnk")                  # a linked folder
    (tmp_path / "x" / "y" / "f").write_text("")
    (tmp_path / "a" / "b" / "c" / "g").write_text("")
    os.symlink(f"{d}/x/y/f", f"{d}/a/b/flink")          # a linked file
    os.symlink("../..", f"{d}/a/b/up")                  # a relative link upwards
    paths = [f"{d}/a/b/c/g", f"{d}/a/lnk/y/f", f"{d}/a/b/flink", f"{d}/a/lnk/y/none",
             f"{d}/a/b/up/x/y/f", f"{d}/nope/q", "/", f"{d}/a/b/up/a/lnk/y", f"{d}/a/./b//c/g",
             f"{d}/a/lnk/../b", f"{d}/a/lnk/y/../../a", f"{d}/a/b/c/../g"]
    real = _RealPaths()
    rng = random.Random(7)
    for _ in range(3):
        rng.shuffle(paths)
        for path in paths:
            assert real(path) == os.path.realpath(path), path
    assert real(f"{d}/a/lnk/y/f") != f"{d}/a/lnk/y/f"   # the link was resolved

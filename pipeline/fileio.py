"""Atomic file writes, the one way cds replaces a file: a temporary file in the same folder,
then a rename, so a crash leaves either the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path | str, data: bytes | str, *, durable: bool = False,
                 mode: int = 0o644, make_parents: bool = True) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8 with ``\\n`` line ends).

    The temporary file is ``.<name>.<random>.tmp`` beside the target: scans of the store and of
    ``site_src/`` skip dot files. ``durable`` also fsyncs the file and its folder, for what must
    survive a power cut (the store, the harvest state); generated output need not pay for it.
    ``mode`` is applied to the new file (``mkstemp`` would leave it 0600, unreadable by a web
    server)."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        with contextlib.suppress(OSError):           # make the rename itself durable
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

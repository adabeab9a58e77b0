"""Writing files so that nothing a user owns is half-written or destroyed (no torch import here).

``atomic_writer(path)`` is the one way the package writes a file: a regular file (or a missing one) is
written through a temporary file in the same directory, flushed to disk and renamed over the path only on
success; on failure the temporary file is removed and the old file is untouched. A symbolic link is
followed: its target is replaced and the link stays. A path that exists but is not a regular file (a
device such as /dev/null, a FIFO) is written to directly and never replaced. Missing parent directories
are an error (``FileNotFoundError``), never created silently.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def atomic_writer(path: str | Path, *, binary: bool = False) -> Iterator[IO]:
    """A file object for ``path`` (text: UTF-8 with "\\n" line ends; ``binary=True``: bytes) whose content
    replaces the file only when the block ends without an exception."""
    path = Path(path)
    if path.is_symlink():
        path = path.resolve()
    mode = "wb" if binary else "w"
    encoding = {} if binary else {"encoding": "utf-8", "newline": "\n"}
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory", str(path))
        with open(path, mode, **encoding) as fh:  # a device or FIFO: written in place, never replaced
            yield fh
        return
    if not path.parent.is_dir():
        raise FileNotFoundError(2, "No such directory", str(path.parent))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, mode, **encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` through :func:`atomic_writer`."""
    with atomic_writer(path, binary=isinstance(data, bytes)) as fh:
        fh.write(data)

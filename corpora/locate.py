"""Where corpora live: the data directory, the download cache, and file look-up with clear errors.

Order: an explicit ``data_dir`` (else ``$ACTSEG_DATA``), then the cache directory (``$ACTSEG_CACHE``, else
``$XDG_CACHE_HOME/act-segment``, else ``~/.cache/act-segment``). Inside, each corpus has its own folder
named as in the shared corpora (``brent/``, ``ud-en-ewt/``, ``gutenberg/``, ``ud-zh-gsd/``, ``icwb2-pku/``).
"""

from __future__ import annotations

import os
from pathlib import Path

from segment.errors import CorpusError


def cache_dir() -> Path:
    """The download cache (created on demand by the downloader, not here)."""
    if os.environ.get("ACTSEG_CACHE"):
        return Path(os.environ["ACTSEG_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "act-segment"


def search_dirs(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """The directories searched for corpus folders, in order: ``data_dir`` (else ``$ACTSEG_DATA``), then
    the cache, where downloaded corpora live."""
    if data_dir is not None:
        first = [Path(data_dir).expanduser()]
    else:
        first = [Path(os.environ["ACTSEG_DATA"]).expanduser()] if os.environ.get("ACTSEG_DATA") else []
    return [*first, cache_dir()]


def find_folder(folder: str, required: tuple[str, ...], data_dir=None) -> Path | None:
    """The first ``DIR/folder`` holding every required file, or None."""
    for base in search_dirs(data_dir):
        if all((base / folder / name).is_file() for name in required):
            return base / folder
    return None


def missing_error(folder: str, required: tuple[str, ...], data_dir=None) -> CorpusError:
    """The error for corpus files found nowhere, naming every place looked at."""
    looked = ", ".join(str(base / folder / required[0]) for base in search_dirs(data_dir))
    return CorpusError(f"corpus files not found (looked for {looked}); pass --data-dir or set ACTSEG_DATA")


def read_utf8(path: Path) -> str:
    """A whole file as UTF-8 text (universal newlines, a leading byte-order mark removed)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise CorpusError(f"{path}: {err.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CorpusError(f"{path}: invalid UTF-8 at byte {err.start}") from None
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")

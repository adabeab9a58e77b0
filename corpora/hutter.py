"""text8 and enwik8, the Hutter-prize Wikipedia data (downloaded and verified, see ``download``).

Splits are the usual byte ranges [0, 90M) train, [90M, 95M) dev, [95M, 100M) test, each inner cut moved
forward to the next space (text8) or newline (enwik8) so that no word or line is cut in two (and no
UTF-8 character either). text8 has no sentences: its words are chunked into units of ``TEXT8_UNIT``
words. enwik8 units are its non-blank lines (raw XML and wiki markup), words their whitespace tokens;
bytes that are not valid UTF-8 become U+FFFD.
"""

from __future__ import annotations

from pathlib import Path

from segment.corpora.download import Checksum, RemoteArchive
from segment.corpora.text import line_units
from segment.corpora.types import Unit
from segment.errors import CorpusError

TEXT8_UNIT = 100
BYTE_SPLITS = {"all": (0.0, 1.0), "train": (0.0, 0.9), "dev": (0.9, 0.95), "test": (0.95, 1.0)}
MB = 1_000_000

TEXT8 = RemoteArchive(
    url="http://mattmahoney.net/dc/text8.zip",
    archive=Checksum(31_344_016, sha1="6c70299b93b7e1f927b42cd8f6ac1a31547c7a2e"),
    member="text8",
    content=Checksum(100 * MB, sha1="0dc3edebc970dcc96137e7deda4d9995af9d93de"))
ENWIK8 = RemoteArchive(
    url="http://mattmahoney.net/dc/enwik8.zip",
    archive=Checksum(36_445_475),
    member="enwik8",
    content=Checksum(100 * MB, sha1="57b8363b814821dc9d47aa4d41f58733519076b2",
                     md5="a1fa5ffddb56f4953e226637dabbb36a"))


def byte_split(data: bytes, split: str, delimiter: bytes) -> bytes:
    """The bytes of ``split``, its cuts moved forward to the next ``delimiter``."""
    def cut(fraction: float) -> int:
        at = round(fraction * len(data))
        if at in (0, len(data)):
            return at
        found = data.find(delimiter, at)
        return len(data) if found < 0 else found

    start, stop = BYTE_SPLITS[split]
    return data[cut(start):cut(stop)]


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise CorpusError(f"{path}: {err.strerror}") from None


def read_text8(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    words = byte_split(_read_bytes(files[0]), split, b" ").decode("utf-8", errors="replace").split()
    return [[Unit(tuple(words[i:i + TEXT8_UNIT])) for i in range(0, len(words), TEXT8_UNIT)]]


def read_enwik8(files: tuple[Path, ...], split: str) -> list[list[Unit]]:
    text = byte_split(_read_bytes(files[0]), split, b"\n").decode("utf-8", errors="replace")
    return [line_units(text)]

"""Download a zip archive from its canonical URL into the cache, verify it, extract and verify its member.

Every byte is checked against pinned sizes and digests (SHA-1 and/or MD5, the values the sources
publish). A mismatch deletes the partial file and raises ChecksumError; nothing unverified is kept.
"""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

from segment.errors import ChecksumError, CorpusError

CHUNK = 1 << 20


@dataclass(frozen=True)
class Checksum:
    """A pinned size in bytes and the published hex digests."""

    size: int
    sha1: str | None = None
    md5: str | None = None


@dataclass(frozen=True)
class RemoteArchive:
    """A zip at ``url`` holding one file ``member``, both pinned."""

    url: str
    archive: Checksum
    member: str
    content: Checksum

    @property
    def archive_name(self) -> str:
        return self.url.rsplit("/", 1)[-1]


def _copy_verified(src: BinaryIO, dest: Path, expected: Checksum, what: str) -> Path:
    """Stream ``src`` to ``dest`` (through a .part file), hashing as it goes; verify before renaming."""
    part = dest.with_name(dest.name + ".part")
    digests = {"sha1": hashlib.sha1(), "md5": hashlib.md5()}
    size = 0
    try:
        with open(part, "wb") as out, tqdm(total=expected.size, unit="B", unit_scale=True, desc=what,
                                           disable=None, leave=False) as bar:
            while chunk := src.read(CHUNK):
                out.write(chunk)
                for digest in digests.values():
                    digest.update(chunk)
                size += len(chunk)
                bar.update(len(chunk))
        problems = [] if size == expected.size else [f"size {size} != {expected.size}"]
        for name, digest in digests.items():
            want = getattr(expected, name)
            if want is not None and digest.hexdigest() != want.lower():
                problems.append(f"{name.upper()} {digest.hexdigest()} != {want}")
        if problems:
            raise ChecksumError(f"{what}: checksum mismatch ({'; '.join(problems)}); partial file deleted")
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    part.replace(dest)
    return dest


def download(url: str, dest: Path, expected: Checksum) -> Path:
    """Fetch ``url`` (http, https or file) to ``dest`` and verify it."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return _copy_verified(response, dest, expected, url)
    except (urllib.error.URLError, OSError) as err:
        if isinstance(err, ChecksumError):
            raise
        raise CorpusError(f"cannot download {url}: {getattr(err, 'reason', err)}") from None


def check_size(path: Path, expected: Checksum) -> Path:
    """A cheap check for files already in place: the pinned size (digests were checked on extraction)."""
    size = path.stat().st_size
    if size != expected.size:
        raise ChecksumError(f"{path}: {size} bytes, expected {expected.size}; delete it to download again")
    return path


def ensure(remote: RemoteArchive, folder: Path) -> Path:
    """The verified member in ``folder``, downloading and extracting the archive when it is missing."""
    target = folder / remote.member
    if target.is_file():
        return check_size(target, remote.content)
    archive = download(remote.url, folder / remote.archive_name, remote.archive)
    try:
        with zipfile.ZipFile(archive) as zf, zf.open(remote.member) as src:
            _copy_verified(src, target, remote.content, f"{remote.archive_name}:{remote.member}")
    except (zipfile.BadZipFile, KeyError) as err:
        raise CorpusError(f"{archive}: not a zip holding {remote.member!r} ({err})") from None
    finally:
        archive.unlink(missing_ok=True)
    return target


"""Options and I/O shared by the subcommands: input units from args/files/stdin, output to -o or stdout."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Directory holding the corpora (default: $ACTSEG_DATA, then the download cache).")
output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Write here instead of stdout (written atomically: an existing file is replaced only on success).")
errors_option = click.option(
    "--errors", type=click.Choice(["strict", "replace"]), default="strict", show_default=True,
    help="What to do with input that is not valid UTF-8.")


def decode(data: bytes, source: str, errors: str = "strict") -> str:
    """Decode UTF-8 input, failing with a one-line message that names the source."""
    try:
        return data.decode("utf-8", errors=errors)
    except UnicodeDecodeError as err:
        raise click.ClickException(
            f"{source}: invalid UTF-8 at byte {err.start} (use --errors replace to substitute)") from None


def read_text(path: str, errors: str = "strict") -> str:
    """Read a whole file (or stdin for '-') as UTF-8."""
    if path == "-":
        return decode(sys.stdin.buffer.read(), "<stdin>", errors)
    try:
        return decode(Path(path).read_bytes(), path, errors)
    except OSError as err:
        raise click.ClickException(f"{path}: {err.strerror}") from None


def read_units(texts: tuple[str, ...], files: tuple[str, ...] = (), errors: str = "strict") -> list[str]:
    """Units (one per line) from literal texts, files and stdin ('-', also the default with no input)."""
    units: list[str] = list(texts)
    sources = list(files) or (["-"] if not texts else [])
    for source in sources:
        units.extend(read_text(source, errors).splitlines())
    return units


class Output:
    """A text sink on stdout, or a file written atomically (temp file + rename) so nothing is half-written."""

    def __init__(self, path: Path | None):
        self.path = path
        self._tmp = None

    def __enter__(self):
        if self.path is None:
            return sys.stdout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        self._fh = open(self._tmp, "w", encoding="utf-8", newline="\n")
        return self._fh

    def __exit__(self, exc_type, exc, tb):
        if self.path is None:
            sys.stdout.flush()
            return False
        self._fh.close()
        if exc_type is None:
            os.replace(self._tmp, self.path)
        else:
            self._tmp.unlink(missing_ok=True)
        return False

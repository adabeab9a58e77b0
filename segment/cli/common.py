"""What the subcommands share: their common options, input units from args/files/stdin, output to -o or
stdout, and the model segmenter behind `actseg segment`, `ponder` and `plot` (no torch import here)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from click.core import ParameterSource

from segment.shipped import LANGUAGES, SHIPPED_MODELS, shipped_name
from segment.errors import ActSegError
from segment.files import atomic_writer
from segment.peaks import THRESHOLD_MODES
from segment.ponder import MODEL_PEAK_DEFAULTS, SIGNAL_CHOICES, ModelSignalSegmenter, tuned_settings

data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Directory holding the corpora (default: $ACTSEG_DATA, then the download cache).")

output_option = click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Write here instead of stdout (written atomically: an existing file is replaced only on success).")

files_option = click.option(
    "-f", "--file", "files", multiple=True, type=str,
    help="Read units from this file ('-' for stdin), one per line; repeatable. Default: stdin.")

errors_option = click.option(
    "--errors", type=click.Choice(["strict", "replace"]), default="strict", show_default=True,
    help="What to do with input that is not valid UTF-8.")


def model_options(command):
    """--model and the inference options."""
    for option in reversed([
        click.option("--model", "model_path", multiple=True,
                     help=f"A shipped model's name ({', '.join(f'{k}: {v}' for k, v in LANGUAGES.items())}) or a model "
                          "directory (save_pretrained or an `actseg train` run; write ./en for a directory named "
                          "like a shipped model) [default: en]. Its segmenter.json (the settings tuned for the "
                          "model) supplies the defaults of --signal and the peak options; options given here "
                          "override them. Repeat it to read an ensemble (e.g. seeds of one setting, `actseg train "
                          "--seed`): every signal is then the per-symbol mean over the models, the first model's "
                          "segmenter.json gives the defaults, and no learned readout is used."),
        click.option("--batch-size", type=click.IntRange(min=1), default=512, show_default=True,
                     help="Chunks run together."),
        click.option("--chunk-len", type=click.IntRange(min=1), default=256, show_default=True,
                     help="Symbols kept per chunk of a long unit."),
        click.option("--context", type=click.IntRange(min=0), default=64, show_default=True,
                     help="Symbols of left context re-read before each chunk."),
        click.option("--device", default="cpu", show_default=True, help="auto, cpu, cuda or cuda:N."),
    ]):
        command = option(command)
    return command


def shipped_settings() -> dict:
    """The shipped model's tuned segmenter settings (its segmenter.json), {} when absent or unreadable."""
    try:
        return tuned_settings(SHIPPED_MODELS["en"])
    except ActSegError:
        return {}


class TunedOption(click.Option):
    """A signal or peak option whose default a model's segmenter.json replaces: the help says so and
    names the shipped model's tuned value (read only when help is shown)."""

    def get_help_extra(self, ctx: click.Context) -> dict:
        extra = super().get_help_extra(ctx)
        shipped = shipped_settings().get(self.name)
        default = extra.get("default", "none")
        extra["default"] = (f"from the model's segmenter.json, else {default}"
                            + ("" if shipped is None else f" (shipped model: {shipped})"))
        return extra


def tuned_option(*decls, **kw):
    """click.option for a setting that a model's segmenter.json may tune (see TunedOption)."""
    return click.option(*decls, cls=TunedOption, show_default=True, **kw)


def peak_options(command):
    """--signal and the peak-picking options (scipy.signal.find_peaks names)."""
    for option in reversed([
        tuned_option("--signal", "signal_name", type=click.Choice(SIGNAL_CHOICES), default="ponder",
                     help="Per-symbol model signal whose peaks become cuts (the shipped model's tuned signal "
                          "is used unless --signal is given)."),
        tuned_option("--offset", type=click.IntRange(0, 1), default=MODEL_PEAK_DEFAULTS["offset"],
                     help="0: a peak at symbol t cuts before t; 1: after t."),
        tuned_option("--threshold", type=click.Choice(THRESHOLD_MODES), default=MODEL_PEAK_DEFAULTS["threshold"],
                     help="How --height/--sentence-height are read: signal value, quantile, or robust z-score."),
        tuned_option("--height", type=float, default=None, help="Minimum peak height for a word cut."),
        tuned_option("--sentence-height", type=float, default=MODEL_PEAK_DEFAULTS["sentence_height"],
                     help="Minimum peak height for a sentence cut."),
        tuned_option("--prominence", type=float, default=None, help="Minimum peak prominence (signal units)."),
        tuned_option("--distance", type=click.IntRange(min=1), default=None, help="Minimum symbols between cuts."),
        tuned_option("--width", type=float, default=None, help="Minimum peak width (symbols)."),
    ]):
        command = option(command)
    return command


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


def argument_text(text: str, errors: str = "strict") -> str:
    """A command-line argument as text: bytes that were not UTF-8 (which Python keeps as lone surrogates)
    fail or are replaced, as in files."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            data = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            data = text.encode("utf-8", "surrogatepass")
        return decode(data, "argument", errors)
    return text


def read_units(texts: tuple[str, ...], files: tuple[str, ...] = (), errors: str = "strict") -> list[str]:
    """Units (one per line) from literal texts, files and stdin ('-', also the default with no input)."""
    units: list[str] = [argument_text(text, errors) for text in texts]
    sources = list(files) or (["-"] if not texts else [])
    for source in sources:
        units.extend(read_text(source, errors).splitlines())
    return units


class Output:
    """A text sink: stdout, or the file ``path`` written through ``segment.files.atomic_writer`` (replaced
    only on success). A path that cannot be written is a one-line error."""

    def __init__(self, path: Path | None):
        self.path = path

    def __enter__(self):
        if self.path is None:
            return sys.stdout
        self._writer = atomic_writer(self.path)
        try:
            return self._writer.__enter__()
        except OSError as err:
            raise self._error(err) from None

    def __exit__(self, exc_type, exc, tb):
        if self.path is None:
            sys.stdout.flush()
            return False
        try:
            return self._writer.__exit__(exc_type, exc, tb)
        except OSError as err:
            raise self._error(err) from None

    def _error(self, err: OSError) -> click.ClickException:
        return click.ClickException(f"cannot write {self.path}: {err.strerror}")


def tsv_field(text: str) -> str:
    """Text safe for a TSV cell (tabs and other control characters escaped)."""
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


@contextmanager
def warnings_to_stderr() -> Iterator[None]:
    """Show the library's warnings (e.g. unseen symbols read as <unk>) on stderr while a command runs, each
    message once (a right-to-left twin reports the same unseen symbols as its model)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    handler.setLevel(logging.WARNING)
    shown: set[str] = set()

    def first_time(record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message in shown:
            return False
        shown.add(message)
        return True

    handler.addFilter(first_time)
    logger = logging.getLogger("segment")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def model_location(model: str | None) -> Path:
    """The directory --model names: a shipped model (its name, or none given: en), else a path; a one-line
    error when a shipped model is not installed."""
    name = shipped_name(model)
    if name is None:
        return Path(model)
    if not SHIPPED_MODELS[name].exists():
        raise click.ClickException(f"the shipped model {name!r} is not installed in this package: pass --model PATH "
                                   "(a model directory or an `actseg train` run directory)")
    return SHIPPED_MODELS[name]


def load_segmenter(models: tuple[str, ...], **params) -> ModelSignalSegmenter:
    """The segmenter over the model(s) --model names (see :func:`model_location`; none: the shipped en model;
    several: their ensemble). Options left at their defaults give way to the settings tuned for the (first)
    model (its segmenter.json)."""
    context = click.get_current_context(silent=True)
    if context is not None:
        params = {name: value for name, value in params.items()
                  if context.get_parameter_source(name) is not ParameterSource.DEFAULT}
    located = [model_location(model) for model in models] if len(models) > 1 else model_location(
        models[0] if models else None)
    segmenter = ModelSignalSegmenter.from_pretrained(located, **params)
    from segment.models.device import resolve_device  # torch: the models are loaded already

    try:  # before any input is read
        resolve_device(segmenter.device)
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    return segmenter

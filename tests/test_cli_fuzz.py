"""Fuzz every ``actseg`` subcommand: random bytes on stdin, in files and as arguments, empty and huge input,
malformed model directories and bad option values. Whatever comes in, no traceback: success, or one last
``Error: ...`` line on stderr and a non-zero exit code. No example trains a model for more than one step."""

import os
import shutil
import tempfile
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segment.cli import COMMANDS, main

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SAMPLE = ["--corpus", "sample-brent-phono", "--split", "test", "--bootstrap", "0"]
TINY_TRAIN = ["--hidden", "8", "--iterations", "1", "--batch-size", "2", "--seq-len", "8"]

payloads = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(str.encode),
    st.sampled_from([b"", b"\n\n\n", b" \t \n", b"\xff\xfe\x00", b"a\r\nb\rc\x0bd\x1ce\x85f", b"\xef\xbb\xbfabc"]),
)
#: Line breaks, which click's own messages quote raw (see test_known_tracebacks), and NUL, which no argv holds.
NOT_IN_ARGUMENTS = dict.fromkeys(map(ord, "\x00\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"))
#: Arguments as a POSIX argv may hold them: any text, bytes that were not UTF-8 kept as surrogate escapes.
arguments = st.one_of(st.text(max_size=60), st.binary(max_size=60).map(lambda b: b.decode("utf-8", "surrogateescape")),
                      ).map(lambda text: text.translate(NOT_IN_ARGUMENTS))


# -- running and judging ---------------------------------------------------------------------------------
def invoke(args, input=None):
    """Run ``actseg ARGS`` in a fresh working directory (files written to relative paths land there)."""
    previous = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            return CliRunner().invoke(main, [str(a) for a in args], input=input)
        finally:
            os.chdir(previous)


def assert_clean(result) -> None:
    """No traceback; an error is a single last ``Error: ...`` line on stderr with a non-zero exit code."""
    detail = "".join(traceback.format_exception(*result.exc_info)) if result.exc_info else ""
    assert result.exception is None or isinstance(result.exception, SystemExit), detail
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("Error")]
    if result.exit_code == 2 and not errors and lines[:1] == ["Usage: main corpus [OPTIONS] COMMAND [ARGS]..."]:
        assert "Commands:" in result.stderr  # a group without its subcommand shows its help
    elif result.exit_code:
        assert lines and lines[-1].startswith("Error: ") and errors == [lines[-1]], result.stderr
    else:
        assert not errors, result.stderr


def run_clean(args, input=None):
    result = invoke(args, input)
    assert_clean(result)
    return result


# -- fixtures --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """An untrained 8-unit model over lowercase letters: loads and runs in milliseconds."""
    from segment.models.act_lstm import ACTLanguageModel
    from segment.models.config import ACTConfig
    from segment.models.vocab import Vocab

    vocab = Vocab.build(["abcdefghijklmnopqrstuvwxyz "])
    path = tmp_path_factory.mktemp("tiny") / "model"
    ACTLanguageModel(ACTConfig(vocab_size=len(vocab), hidden=8), vocab).save_pretrained(path)
    return path


def reading_commands(model: Path, tmp: Path) -> dict[str, list]:
    """Commands that read units from arguments, -f files or stdin (before the input is appended)."""
    return {"segment": ["segment", "--model", model, "--level", "both"],
            "segment-shipped": ["segment"],
            "segment-baseline": ["segment", "--segmenter", "nvbe", "--split-punctuation"],
            "ponder": ["ponder", "--model", model, "--format", "json"],
            "plot": ["plot", "--model", model, "-o", tmp / "trace.png"]}


def test_every_subcommand_is_fuzzed():
    fuzzed = {"segment", "ponder", "plot", "score", "evaluate", "compare", "corpus", "train", "experiments", "readout"}
    assert set(COMMANDS) == fuzzed


# -- input -----------------------------------------------------------------------------------------------
@FUZZ
@given(command=st.sampled_from(["segment", "segment-shipped", "segment-baseline", "ponder", "plot"]), data=payloads,
       how=st.sampled_from(["stdin", "file", "argument"]), replace=st.booleans())
def test_reading_commands_take_any_bytes(tiny_model, tmp_path, command, data, how, replace):
    args = reading_commands(tiny_model, tmp_path)[command] + (["--errors", "replace"] if replace else [])
    if how == "file":
        (tmp_path / "input.txt").write_bytes(data)
        args += ["-f", tmp_path / "input.txt"]
    elif how == "argument":
        args += ["--", data.decode("utf-8", "surrogateescape").translate(NOT_IN_ARGUMENTS)]
    run_clean(args, input=data if how == "stdin" else None)


@FUZZ
@given(gold=payloads, hyp=payloads, fmt=st.sampled_from(["tsv", "json"]), tolerance=st.sampled_from([[], ["--tolerance", "2"]]))
def test_score_takes_any_bytes(tmp_path, gold, hyp, fmt, tolerance):
    (tmp_path / "gold.txt").write_bytes(gold)
    run_clean(["score", tmp_path / "gold.txt", "-", "--format", fmt, *tolerance], input=hyp)
    run_clean(["score", tmp_path / "gold.txt", "-"], input=gold)  # the same text: scores, or nothing to score


@FUZZ
@given(data=payloads, command=st.sampled_from(["evaluate", "corpus"]))
def test_plain_corpus_files_take_any_bytes(tmp_path, data, command):
    (tmp_path / "corpus.txt").write_bytes(data)
    corpus = f"plain:{tmp_path / 'corpus.txt'}"
    if command == "evaluate":
        run_clean(["evaluate", "--corpus", corpus, "--segmenter", "tp-forward-relative", "--bootstrap", "0"])
    else:
        run_clean(["corpus", "info", corpus])


@settings(FUZZ, max_examples=8)
@given(data=payloads)
def test_train_on_any_bytes_one_step(tmp_path, data):
    (tmp_path / "corpus.txt").write_bytes(data)
    shutil.rmtree(tmp_path / "run", ignore_errors=True)
    run_clean(["train", "--corpus", f"plain:{tmp_path / 'corpus.txt'}", *TINY_TRAIN, "--out", tmp_path / "run"])


@settings(FUZZ, max_examples=10)
@given(data=payloads)
def test_readout_fit_on_any_bytes(tiny_model, tmp_path, data):
    (tmp_path / "corpus.txt").write_bytes(data)
    run_clean(["readout", "fit", "--model", tiny_model, "--corpus", f"plain:{tmp_path / 'corpus.txt'}", "--split",
               "all", "--units", "50"])
    (tiny_model / "readout-word.json").unlink(missing_ok=True)


@pytest.mark.parametrize("command", ["segment", "ponder", "plot"])
@pytest.mark.parametrize("data", [b"", b"\n", b"\n\n\n"], ids=["empty", "newline", "blank-lines"])
def test_empty_input(tiny_model, tmp_path, command, data):
    result = run_clean(reading_commands(tiny_model, tmp_path)[command], input=data)
    if command == "plot":  # no image to write: an error, and no file
        assert result.exit_code == 1 and "nothing to plot" in result.stderr
        assert not (tmp_path / "trace.png").exists()
    else:
        assert result.exit_code == 0


def test_empty_score_files_are_nothing_to_score(tmp_path):
    (tmp_path / "gold.txt").write_bytes(b"")
    result = run_clean(["score", tmp_path / "gold.txt", "-"], input=b"\n")
    assert result.exit_code == 1 and "nothing to score" in result.stderr


@pytest.mark.parametrize("command", ["segment", "ponder", "plot", "score", "evaluate"])
def test_a_huge_line(tiny_model, tmp_path, command):
    line = ("thecatsatonthemat" * 6000)[:100_000]
    (tmp_path / "huge.txt").write_text(line + "\n")
    if command == "score":
        result = run_clean(["score", tmp_path / "huge.txt", "-"], input=line)
    elif command == "evaluate":
        result = run_clean(["evaluate", "--corpus", f"plain:{tmp_path / 'huge.txt'}", "--segmenter",
                            "tp-forward-relative", "--bootstrap", "0"])
    else:
        per_row = ["--per-row", "10"] if command == "plot" else []  # 40 rows at most: 400 symbols
        result = run_clean([*reading_commands(tiny_model, tmp_path)[command], *per_row, "-f", tmp_path / "huge.txt"])
    assert result.exit_code == 0
    if command == "plot":
        assert "plotting the first 400 of 100000 symbols" in result.stderr


# -- malformed model directories -------------------------------------------------------------------------
def _truncate(name: str):
    return lambda d, data: (d / name).write_bytes((d / name).read_bytes()[:len(data)])


CORRUPTIONS = {
    "missing directory": lambda d, data: shutil.rmtree(d),
    "a file": lambda d, data: (shutil.rmtree(d), d.write_bytes(data)),
    "empty directory": lambda d, data: [p.unlink() for p in d.iterdir()],
    "no config.json": lambda d, data: (d / "config.json").unlink(),
    "no model.safetensors": lambda d, data: (d / "model.safetensors").unlink(),
    "garbage config.json": lambda d, data: (d / "config.json").write_bytes(data),
    "garbage vocab.json": lambda d, data: (d / "vocab.json").write_bytes(data),
    "garbage segmenter.json": lambda d, data: (d / "segmenter.json").write_bytes(data),
    "garbage readout-word.json": lambda d, data: (d / "readout-word.json").write_bytes(data),
    "garbage model.safetensors": lambda d, data: (d / "model.safetensors").write_bytes(data),
    "truncated model.safetensors": _truncate("model.safetensors"),
    "truncated config.json": _truncate("config.json"),
}
json_payloads = st.one_of(payloads, st.sampled_from([
    b"{}", b"[]", b"null", b"1e999", b'{"hidden": -1}', b'{"vocab_size": "x"}', b'{"offset": 7}',
    b'{"signal_name": "nope"}', b'{"height": "high", "bogus": 1}', b'{"threshold": null}', b'["<unk>", "<sep>"]',
    b'{"symbols": [1, 2]}', b'{"vocab_size": 3, "hidden": 1e300}']))


def model_commands(model, tmp: Path) -> list[list]:
    return [["segment", "--model", model, "abc"], ["ponder", "--model", model, "abc"],
            ["plot", "--model", model, "abc", "-o", tmp / "trace.png"],
            ["evaluate", *SAMPLE, "--segmenter", "act-ponder", "--model", model],
            ["compare", *SAMPLE, "--segmenters", "act-entropy,tp-forward-relative", "--model", model]]


@pytest.mark.parametrize("corruption", [
    *CORRUPTIONS,
    "no vocab.json",
])
@settings(FUZZ, max_examples=12)
@given(data=json_payloads, command=st.integers(0, 4))
def test_malformed_model_directories(tiny_model, tmp_path, corruption, data, command):
    model = tmp_path / "model"
    shutil.rmtree(model, ignore_errors=True)
    model.unlink(missing_ok=True)
    shutil.copytree(tiny_model, model)
    if corruption == "no vocab.json":
        (model / "vocab.json").unlink()
    else:
        CORRUPTIONS[corruption](model, data)
    run_clean(model_commands(model, tmp_path)[command])


# -- bad options -----------------------------------------------------------------------------------------
PEAK_BAD = [("--height", "nan"), ("--height", "inf"), ("--height", "-inf"), ("--sentence-height", "nan"),
            ("--prominence", "-1"), ("--prominence", "nan"), ("--width", "nan"), ("--width", "-2"),
            ("--distance", "0"), ("--offset", "2"), ("--signal", "nope"), ("--threshold", "nope"),
            ("--threshold", "quantile"), ("--threshold", "fixed")]
MODEL_BAD = [("--batch-size", "0"), ("--batch-size", "99999999999999999999"), ("--chunk-len", "0"),
             ("--chunk-len", "1"), ("--context", "-1"), ("--context", "0"), ("--device", "bogus"),
             ("--device", ""), ("--device", "cuda:x"), ("--model", ""), ("--errors", "ignore")]
OUTPUT_BAD = [("-o", "."), ("-o", "no/such/dir/out"), ("-o", ""), ("-f", "."), ("-f", "no-such-file"), ("-f", "")]
EVAL_BAD = [("--corpus", "nope"), ("--corpus", "plain:"), ("--corpus", "plain:."), ("--split", "nope"),
            ("--level", "nope"), ("--level", "sentence"), ("--format", "xml"), ("--bootstrap", "-1"),
            ("--seed", "x"), ("--seed", "-1"), ("--data-dir", "no-such-dir"), ("--train", None),
            ("--model", "no-such-model"), ("-o", "."), ("--fit-text", "nope"), ("--fit-text", ","),
            ("--fit-text", "sample-en:nope"), ("--fit-text", "plain:no-such-file")]
BAD_OPTIONS = {
    "segment": PEAK_BAD + MODEL_BAD + OUTPUT_BAD + [("--level", "nope"), ("--format", "nope"), ("--segmenter", "nope"),
                                                    ("--segmenter", ""), ("--fit-text", "no-such-file"),
                                                    ("--split-punctuation", None)],
    "ponder": MODEL_BAD + OUTPUT_BAD + [("--format", "nope")],
    "plot": PEAK_BAD + MODEL_BAD + [("--unit", "0"), ("--unit", "5"), ("--per-row", "0"), ("--per-row", "1"),
                                    ("--gold", "x y"), ("--gold", ""), ("-o", "t.nope"), ("-o", "."),
                                    ("-f", "no-such-file")],
    "score": [("--tolerance", "0"), ("--tolerance", "99999999999999999999"), ("--format", "nope"),
              ("--errors", "nope"), ("-o", ".")],
    "evaluate": EVAL_BAD + [("--segmenter", "nope"), ("--segmenter", "")],
    "compare": EVAL_BAD + [("--segmenters", "nope"), ("--segmenters", ",,"), ("--segmenters", "tp-mi-relative,x")],
    "train": [("--corpus", "nope"), ("--split", "nope"), ("--dev-split", "test"), ("--dev-split", "nope"),
              ("--hidden", "0"), ("--layers", "0"), ("--tau", "-1"), ("--max-steps", "0"), ("--dropout", "1"),
              ("--ponder-target", "2"), ("--halt-init", "nope"), ("--halt-lr-scale", "0"), ("--lm-freeze", "-1"), ("--fixed-steps", "0"),
              ("--iterations", "0"), ("--seq-len", "0"), ("--lr", "0"), ("--device", "bogus"), ("--resume", None),
              ("--out", "."), ("--eval-every", "0")],
}


def base_invocation(command: str, model: Path, tmp: Path) -> list:
    (tmp / "gold.txt").write_text("ab cd\n")
    return {"segment": ["segment", "--model", model, "abc def"], "ponder": ["ponder", "--model", model, "abc"],
            "plot": ["plot", "--model", model, "abcd", "-o", tmp / "t.png"],
            "score": ["score", tmp / "gold.txt", tmp / "gold.txt"],
            "evaluate": ["evaluate", *SAMPLE, "--segmenter", "tp-forward-relative"],
            "compare": ["compare", *SAMPLE, "--segmenters", "tp-forward-relative"],
            "train": ["train", "--corpus", "sample-brent-phono", *TINY_TRAIN, "--out", tmp / "run"]}[command]


@FUZZ
@given(command=st.sampled_from(sorted(BAD_OPTIONS)), data=st.data())
def test_bad_option_values(tiny_model, tmp_path, command, data):
    pairs = data.draw(st.lists(st.sampled_from(BAD_OPTIONS[command]), min_size=1, max_size=2))
    value = data.draw(arguments)
    option = data.draw(st.sampled_from([name for name, _ in BAD_OPTIONS[command]]))
    extra = [token for name, bad in pairs for token in ([name] if bad is None else [name, bad])]
    shutil.rmtree(tmp_path / "run", ignore_errors=True)
    run_clean(base_invocation(command, tiny_model, tmp_path) + extra)
    if command != "train":  # a random value may be a valid one: train would then train a step
        run_clean(base_invocation(command, tiny_model, tmp_path) + [option, value])


EXPERIMENTS_BAD = [("--scale", "nope"), ("--scale", ""), ("--jobs", "0"), ("--device", "bogus"), ("--device", ""),
                   ("--device", "cuda:x"), ("--cap-seconds", "-1"), ("--cap-hidden", "0"), ("--cap-units", "0"),
                   ("--phase", "nope")]


@FUZZ
@given(pairs=st.lists(st.sampled_from(EXPERIMENTS_BAD), min_size=1, max_size=3),
       scale=st.sampled_from(["smoke", "cpu", "gpu"]), phase=st.sampled_from(["all", "train", "evaluate"]))
def test_experiments_fail_before_any_work(tmp_path, pairs, scale, phase):
    """Every drawn option is bad, so nothing trains; the one-line error comes before any phase starts."""
    extra = [token for pair in pairs for token in pair]
    result = run_clean(["experiments", "--scale", scale, "--phase", phase, "--runs-dir", tmp_path / "runs",
                        "--results-dir", tmp_path / "results", *extra])
    assert result.exit_code != 0 and not (tmp_path / "runs").exists()


# -- random arguments ------------------------------------------------------------------------------------
OPTION_NAMES = {
    "segment": ["-f", "--level", "--format", "--model", "--device", "--signal", "--height", "-o", "--errors"],
    "ponder": ["-f", "--format", "--model", "--chunk-len", "--context", "-o", "--errors"],
    "plot": ["-f", "--unit", "-o", "--gold", "--per-row", "--model", "--signal", "--distance"],
    "score": ["--format", "--tolerance", "--errors", "-o", "-"],
    "evaluate": ["--segmenter", "--corpus", "--split", "--model", "--level", "--format", "--seed", "-o"],
    "compare": ["--segmenters", "--corpus", "--split", "--level", "--format", "--data-dir"],
    "corpus": ["info", "--data-dir", "--sizes", "--no-sizes"],
}


@FUZZ
@given(command=st.sampled_from(sorted(OPTION_NAMES)), data=st.data())
def test_random_arguments(tiny_model, command, data):
    tokens = data.draw(st.lists(st.one_of(st.sampled_from(OPTION_NAMES[command]), arguments), max_size=6))
    model = ["--model", tiny_model] if command in ("segment", "ponder", "plot") else []
    run_clean([command, *model, *tokens], input=b"abc\n")


@FUZZ
@given(tokens=st.lists(st.one_of(st.sampled_from(["--split", "--hidden", "--tau", "--no-act", "--resume",
                                                   "--halt-init", "--out"]), arguments), max_size=6))
def test_random_train_arguments_with_an_unknown_corpus(tmp_path, tokens):
    run_clean(["train", "--out", tmp_path / "run", *tokens, "--corpus", "no-such-corpus"])


@FUZZ
@given(name=arguments, tokens=st.lists(arguments, max_size=3))
def test_unknown_subcommands_and_corpus_names(name, tokens):
    run_clean([name, *tokens])
    run_clean(["corpus", "info", name])
    run_clean(["corpus", "list", "--no-sizes", "--data-dir", name or "."])


# -- found by fuzzing and fixed: unusable devices, a line break in an argument, a report before any results --
@pytest.mark.parametrize("args", [
    ["segment", "--device", "meta", "abc"],
    ["ponder", "--device", "mps", "abc"],
    ["train", "--corpus", "sample-brent-phono", "--device", "meta", *TINY_TRAIN, "--out", "run"],
    ["train", "--corpus", "nope", "--out", "run", "a\nb"],
    ["experiments", "--scale", "smoke", "--phase", "report", "--runs-dir", "runs", "--results-dir", "r"],
])
def test_found_by_fuzzing(tiny_model, args):
    if args[0] in ("segment", "ponder"):
        args = [args[0], "--model", tiny_model, *args[1:]]
    run_clean(args)

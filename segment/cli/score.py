"""``actseg score GOLD HYP``: score a spaced segmentation against a gold one, as the field's scorers do."""

from __future__ import annotations

import json

import click

from segment.boundaries import from_spaced
from segment.cli.common import Output, errors_option, output_option, read_text


def aligned_units(gold_lines: list[str], hyp_lines: list[str], gold_name: str, hyp_name: str):
    """(sequences, gold cuts, hypothesis cuts); a one-line error names the first mismatching line."""
    sequences, reference, hypothesis = [], [], []
    for number, (gold, hyp) in enumerate(zip(gold_lines, hyp_lines), start=1):
        (gold_seq, gold_cuts), (hyp_seq, hyp_cuts) = from_spaced(gold), from_spaced(hyp)
        if gold_seq != hyp_seq:
            raise click.ClickException(f"line {number}: {gold_name} and {hyp_name} hold different text "
                                       f"once spaces are removed ({gold_seq[:40]!r} != {hyp_seq[:40]!r})")
        sequences.append(gold_seq)
        reference.append(gold_cuts)
        hypothesis.append(hyp_cuts)
    if len(gold_lines) != len(hyp_lines):
        longer, shorter = (gold_name, hyp_name) if len(gold_lines) > len(hyp_lines) else (hyp_name, gold_name)
        raise click.ClickException(f"line {min(len(gold_lines), len(hyp_lines)) + 1}: in {longer} but not in "
                                   f"{shorter} ({len(gold_lines)} gold lines, {len(hyp_lines)} hypothesis lines)")
    return sequences, reference, hypothesis


def _source_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


def _lines(text: str) -> list[str]:
    """The lines of a file, without the blank lines that trail it."""
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


@click.command()
@click.argument("gold", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("hyp", type=click.Path(dir_okay=False, allow_dash=True), default="-")
@click.option("--format", "fmt", type=click.Choice(["tsv", "json"]), default="tsv", show_default=True,
              help="tsv: one 'metric<TAB>value' line each (4 decimals); json: one object.")
@click.option("--tolerance", type=click.IntRange(min=1), default=None,
              help="Also score unit-internal boundaries within +-K symbols (inclusive, one-to-one).")
@click.option("--words", "words_file", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Training word list (one word per line): adds the SIGHAN bakeoff's oov_rate, oov_recall and "
                   "iv_recall.")
@errors_option
@output_option
def score(gold, hyp, fmt, tolerance, words_file, errors, output):
    """Score HYP (default stdin) against GOLD: spaced text, one unit per line, same unspaced text per line.

    Prints token, type, boundary_all and boundary_noedge P/R/F and over/under/mis-segmentation counts
    (gold words) over all units (token P/R/F are the SIGHAN bakeoff's word precision, recall and F); a
    blank line is an empty unit (trailing blank lines are ignored). Files without any word are an error:
    there is nothing to score. --words adds the bakeoff's out-of-vocabulary figures.
    """
    from segment.eval.word_metrics import oov_scores, tolerance_scores, word_scores

    if gold == hyp == "-":
        raise click.UsageError("GOLD and HYP cannot both be stdin: give one of them as a file")
    gold_name, hyp_name = (_source_name(path) for path in (gold, hyp))
    units = aligned_units(_lines(read_text(gold, errors)), _lines(read_text(hyp, errors)), gold_name, hyp_name)
    if not any(units[0]):
        raise click.ClickException(f"nothing to score: {gold_name} and {hyp_name} hold no words")
    kw = dict(zip(("sequences", "reference", "hypothesis"), units))
    scores = word_scores(**kw)
    if tolerance:
        window = min(tolerance, max(map(len, kw["sequences"])))  # a wider window finds nothing more
        scores.update({f"{k}_tol{tolerance}": v for k, v in tolerance_scores(**kw, k=window).items()})
    if words_file:
        dictionary = {line.strip() for line in read_text(words_file, errors).splitlines() if line.strip()}
        scores.update(oov_scores(**kw, dictionary=dictionary))
    with Output(output) as out:
        if fmt == "json":
            out.write(json.dumps(scores, indent=2) + "\n")
        else:
            out.write("".join(f"{k}\t{v:.4f}\n" if isinstance(v, float) else f"{k}\t{'' if v is None else v}\n"
                              for k, v in scores.items()))

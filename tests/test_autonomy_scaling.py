"""The raw-text scaling measurement of the branching-autonomy segmenter (segment.eval.autonomy_scaling)."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from segment.eval.autonomy_scaling import draws, main, measure, subsample, trend, trends


def test_subsample_draws_the_fraction_without_replacement_in_text_order():
    units = [f"u{i}" for i in range(40)]
    half = subsample(units, 0.5, seed=3)
    assert len(half) == 20 and len(set(half)) == 20
    assert half == sorted(half, key=units.index)
    assert half == subsample(units, 0.5, seed=3) and half != subsample(units, 0.5, seed=4)
    assert subsample(units, 0, seed=0) == [] and subsample(units, 1, seed=0) == units
    with pytest.raises(ValueError, match="within"):
        subsample(units, 1.5, seed=0)


def test_the_empty_and_full_fractions_are_drawn_once():
    assert draws([0, 0.25, 1], 3) == [(0, 0), (0.25, 0), (0.25, 1), (0.25, 2), (1, 0)]


def test_trend_recovers_a_log_linear_gain_and_where_it_reaches_the_target():
    rows = [{"fit_symbols": size, "token_f": 0.5 + 0.02 * np.log2(size / 1000)} for size in (1000, 2000, 8000)]
    line = trend(rows, target=0.6)
    assert line["gain_per_doubling"] == pytest.approx(0.02, abs=1e-4)
    assert line["gain_se"] == pytest.approx(0, abs=1e-4)
    assert line["symbols_at_target"] == pytest.approx(1000 * 2 ** 5, rel=1e-3)
    falling = [{**row, "token_f": 1 - row["token_f"]} for row in rows]
    assert trend(falling, target=0.6)["symbols_at_target"] is None
    assert trend(rows)["symbols_at_target"] is None
    with pytest.raises(ValueError, match="two fitted sizes"):
        trend(rows[:1] * 3, target=0.6)


def _spaced(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"plain:{path}"


def test_more_raw_text_is_fitted_on_as_the_fraction_grows(tmp_path):
    words = ["我们", "今天", "北京", "学习", "中国", "人民", "发展", "经济"]
    rng = np.random.default_rng(0)
    lines = [" ".join(rng.choice(words, 6)) for _ in range(60)]
    evaluated = _spaced(tmp_path / "eval.txt", lines[:20])
    pool = _spaced(tmp_path / "pool.txt", lines[20:])
    rows = measure([evaluated], [evaluated, pool], [0, 0.5, 1], seeds=2)
    assert [(r["fraction"], r["seed"], r["setting"]) for r in rows][:2] == [(0, 0, "as is"), (0, 0, "split at punctuation")]
    assert len(rows) == 2 * 4
    sizes = {r["fraction"]: r["fit_symbols"] for r in rows}
    own = sum(len(line.replace(" ", "")) for line in lines[:20])
    assert sizes[0] == own and sizes[0] < sizes[0.5] < sizes[1]
    assert sizes[1] == sum(len(line.replace(" ", "")) for line in lines)
    assert all(0 <= r["token_f"] <= 1 and 0 <= r["boundary_f"] <= 1 for r in rows)
    assert {(t["corpus"], t["setting"]) for t in trends(rows)} == {(evaluated, "as is"), (evaluated, "split at punctuation")}


def test_the_command_writes_results_figure_and_report(tmp_path):
    pytest.importorskip("matplotlib")
    words = ["我们", "今天", "北京", "学习", "中国", "人民"]
    rng = np.random.default_rng(1)
    lines = [" ".join(rng.choice(words, 5)) + "。" for _ in range(40)]
    evaluated = _spaced(tmp_path / "eval.txt", lines[:10])
    pool = _spaced(tmp_path / "pool.txt", lines[10:])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["--corpora", evaluated, "--pool", pool, "--fractions", "0,1", "--seeds", "1",
                                       "--results-dir", str(out)])
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "results" / "autonomy-scaling-zh.json").read_text())
    assert saved["pool"] == [pool] and len(saved["rows"]) == 4 and len(saved["trends"]) == 2
    assert (out / "figures" / "zh-raw-text-scaling.png").stat().st_size > 0
    assert "| plain:" in (out / "ZH_RAW_TEXT.md").read_text()


@pytest.mark.parametrize("args, message", [
    (["--fractions", "0,x"], "comma-separated list of numbers"),
    (["--fractions", "0.5"], "at least two distinct fractions"),
    (["--fractions", "0,2"], "at least two distinct fractions"),
    (["--corpora", ","], "at least one corpus"),
    (["--seeds", "0"], "0"),
])
def test_bad_options_are_refused_in_one_line(tmp_path, args, message):
    result = CliRunner().invoke(main, [*args, "--results-dir", str(tmp_path)])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "results").exists()


def test_an_unknown_corpus_is_a_one_line_error(tmp_path):
    result = CliRunner().invoke(main, ["--corpora", "no-such-corpus:test", "--pool", "no-such-corpus:test",
                                       "--fractions", "0,1", "--results-dir", str(tmp_path)])
    assert result.exit_code == 1 and "no-such-corpus" in result.output and "Traceback" not in result.output

"""Plots: valid PNG files from the Figure API (no pyplot), and the precision-recall sweep by hand."""

import subprocess
import sys

import numpy as np
import pytest

from segment.eval.plots import (TRACE_MAX_WIDTH, image_format, plot_ensemble_f, plot_pr_curves, plot_trace,
                                plot_training_curves, pr_curve)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def symbols(ax) -> list[str]:
    """The symbols written under a row's bars (monospace texts)."""
    return [t.get_text() for t in ax.texts if t.get_fontfamily() == ["monospace"]]


def positions(ax) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_fontfamily() != ["monospace"]]


def bars(ax) -> int:
    return len(ax.collections[0].get_paths())


def assert_png(path):
    data = path.read_bytes()
    assert len(data) > 1000 and data.startswith(PNG_SIGNATURE)


def test_plot_trace_writes_a_wrapped_png(tmp_path):
    text = "thedogsawthecatandthecatsawthedog"
    signal = np.sin(np.arange(len(text)))
    path = tmp_path / "trace.png"
    figure = plot_trace(text, signal, gold=[3, 6, 9, 12], predicted=[3, 7], title="ponder", path=path, width=12)
    assert_png(path)
    axes = figure.get_axes()
    assert len(axes) == 3  # 33 symbols in rows of 12
    assert symbols(axes[0]) == list(text[:12]) and symbols(axes[2]) == list(text[24:])
    assert positions(axes[0]) == ["0", "10"] and positions(axes[2]) == ["30"]
    assert axes[0].get_title() == "ponder"
    assert bars(axes[0]) == 12 and bars(axes[2]) == 9


def test_plot_trace_accepts_per_offset_scores_and_symbol_tuples(tmp_path):
    seq = ("dh", "ax", "k", "ae", "t")
    figure = plot_trace(seq, [0.1, 0.9, 0.2, 0.3], gold=[2], path=tmp_path / "t.png")
    assert symbols(figure.get_axes()[0]) == list(seq)
    assert bars(figure.get_axes()[0]) == 4
    assert_png(tmp_path / "t.png")
    with pytest.raises(ValueError, match="give n or n-1"):
        plot_trace(seq, [1.0, 2.0])


def legend_labels(figure):
    return [t.get_text() for t in figure.legends[0].get_texts()]


def test_plot_trace_width_grows_with_the_text_then_wraps_into_even_rows():
    short = plot_trace("abc", [1, 2, 3])
    medium = plot_trace("a" * 60, np.ones(60))
    assert short.get_size_inches()[0] < medium.get_size_inches()[0] < TRACE_MAX_WIDTH
    long = plot_trace("a" * 300, np.ones(300))
    assert long.get_size_inches()[0] <= TRACE_MAX_WIDTH
    rows = long.get_axes()
    assert len(rows) == 3 and [bars(ax) for ax in rows] == [100, 100, 100]
    assert positions(rows[1]) == [str(i) for i in range(100, 200, 10)]


def test_plot_trace_legend_labels_and_marks(tmp_path):
    figure = plot_trace("the cat", [1, 2, 3, 4, 5, 6, 7], gold=[3, 4], predicted=[3], ylabel="entropy (bits)",
                        title="entropy of model m")
    (ax,) = figure.get_axes()
    assert legend_labels(figure) == ["entropy (bits)", "gold boundary", "predicted cut"]
    assert ax.get_ylabel() == "entropy (bits)" and ax.get_xlabel().startswith("symbol")
    assert symbols(ax) == list("the␣cat")
    (gold_lines,) = [c for c in ax.collections if c.get_linestyle()[0][1] is not None]
    assert sorted(segment[0, 0] for segment in gold_lines.get_segments()) == [2.5, 3.5]
    (marks,) = [line for line in ax.lines if line.get_marker() == "v"]
    assert marks.get_xdata().tolist() == [2.5]
    assert legend_labels(plot_trace("ab", [1, 2])) == ["signal"]


def test_plot_trace_format_from_the_suffix(tmp_path):
    plot_trace("ab", [1, 2], path=tmp_path / "t.svg")
    assert (tmp_path / "t.svg").read_text().lstrip().startswith("<?xml")
    assert image_format("x") == "png"
    with pytest.raises(ValueError, match="unknown image format 'xyz'"):
        plot_trace("ab", [1, 2], path=tmp_path / "t.xyz")
    assert not (tmp_path / "t.xyz").exists()


def test_pr_curve_by_hand():
    # unit 1: offsets 1..4 with gold {2, 4}; unit 2: offsets 1..2 with gold {1}
    precision, recall, thresholds = pr_curve([[0.1, 0.9, 0.5, 0.5], [0.7, 0.1]], [[2, 4], [1]])
    assert thresholds.tolist() == [0.9, 0.7, 0.5, 0.1]
    assert recall.tolist() == pytest.approx([1 / 3, 2 / 3, 1.0, 1.0])
    assert precision.tolist() == pytest.approx([1.0, 1.0, 3 / 4, 3 / 6])


def test_pr_curve_checks_its_input():
    with pytest.raises(ValueError, match="2 score arrays but 1"):
        pr_curve([[0.1], [0.2]], [[1]])
    with pytest.raises(ValueError, match="NaN"):
        pr_curve([[np.nan]], [[]])
    from segment.errors import BoundaryError
    with pytest.raises(BoundaryError):
        pr_curve([[0.1, 0.2]], [[3]])


def test_plot_pr_curves_writes_png(tmp_path):
    precision, recall, _ = pr_curve([[0.1, 0.9, 0.5, 0.5], [0.7, 0.1]], [[2, 4], [1]])
    path = tmp_path / "pr.png"
    figure = plot_pr_curves({"toy": (precision, recall), "flat": ([0.5, 0.5], [0.2, 0.9])}, title="PR", path=path)
    assert_png(path)
    labels = [t.get_text() for t in figure.get_axes()[0].get_legend().get_texts()]
    assert labels == ["toy (best F 0.857)", "flat (best F 0.643)"]


def test_training_curves_name_each_run_once_under_the_panels_in_one_colour(tmp_path):
    runs = {f"run-{i}": ([0, 100, 200], [0.1 * i, None, 0.2 * i]) for i in range(12)}
    path = tmp_path / "curves.png"
    figure = plot_training_curves({"ponder F": runs, "bits": {**runs, "only-here": ([0], [3.0])}}, mark=100,
                                  path=path)
    assert path.read_bytes()[:4] == b"\x89PNG"
    [legend] = figure.legends
    assert [t.get_text() for t in legend.get_texts()] == [*runs, "only-here"]
    assert all(ax.get_legend() is None for ax in figure.axes)
    left, right = ({line.get_label(): (line.get_color(), line.get_linestyle()) for line in ax.get_lines()}
                   for ax in figure.axes)
    assert all(left[name] == right[name] for name in runs)
    assert len({left[name] for name in runs}) == 12  # colours repeat after ten, with another line style
    assert left["run-3"][0] == "C3" and left["run-0"][1] == "-" and left["run-10"][1] == "--"
    assert right["run-1"] == ("C1", "-") and len(figure.axes[0].get_lines()[1].get_xdata()) == 2  # None left out


def test_plot_ensemble_f_draws_each_setting_with_its_range(tmp_path):
    path = tmp_path / "ensemble.png"
    figure = plot_ensemble_f({"tau 0.001": ([1, 2, 3], [0.74, 0.77, 0.78], [0.73, 0.75, 0.78],
                                            [0.75, 0.79, 0.78])}, title="t", path=path)
    assert path.read_bytes()[:4] == b"\x89PNG"
    [ax] = figure.axes
    [line] = ax.get_lines()
    assert list(line.get_ydata()) == [0.74, 0.77, 0.78] and len(ax.collections) == 1


def test_plots_never_import_pyplot(tmp_path):
    code = ("import sys; from segment.eval.plots import plot_trace; "
            f"plot_trace('abc', [1, 2, 3], path={str(tmp_path / 'x.png')!r}); "
            "assert 'matplotlib.pyplot' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_matplotlib_names_the_plot_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"act-segment\[plot\]"):
        plot_trace("ab", [1.0, 2.0])


# -- actseg plot -------------------------------------------------------------------------------------
def plot_cli(*args, input=None):
    from click.testing import CliRunner

    from segment.cli import main
    return CliRunner().invoke(main, ["plot", *args], input=input)


def test_plot_cli_reads_a_file_and_titles_the_figure(tmp_path, monkeypatch):
    import segment.eval.plots as plots
    drawn = {}
    monkeypatch.setattr(plots, "plot_trace", lambda text, signal, **kw: drawn.update(text=text, **kw))
    source = tmp_path / "units.txt"
    source.write_text("thedog\nthecatsat\n")
    result = plot_cli("-f", str(source), "--unit", "2", "--gold", "the cat sat", "-o", str(tmp_path / "t.png"))
    assert result.exit_code == 0, result.output
    assert "plotting unit 2 of 2" in result.stderr
    assert drawn["text"] == "thecatsat" and drawn["gold"].tolist() == [3, 6]
    assert drawn["title"] == f"{drawn['ylabel'].split()[0]} of the shipped English model (9 symbols)"
    assert drawn["ylabel"] in plots.SIGNAL_LABELS.values()


def test_plot_cli_writes_a_png_and_names_a_model_directory(tmp_path):
    from segment.cli.plot import model_name
    from segment.shipped import DEFAULT_MODEL
    path = tmp_path / "trace.png"
    result = plot_cli("thecatsat", "--gold", "the cat sat", "--signal", "ponder", "-o", str(path))
    assert result.exit_code == 0, result.output
    assert_png(path)
    assert model_name((str(DEFAULT_MODEL),)) == "model default" and model_name(()) == "the shipped English model"
    assert model_name(("zh",)) == "the shipped Chinese model" and model_name(("./zh",)) == "model zh"


@pytest.mark.parametrize("args, input", [(["-o", "{tmp}/t.png"], ""), (["-", "-o", "{tmp}/t.png"], "\n\n"),
                                         (["-f", "-", "--unit", "2", "-o", "{tmp}/t.png"], "ab\n\n")])
def test_plot_cli_empty_input_is_an_error_and_writes_nothing(tmp_path, args, input):
    result = plot_cli(*[a.format(tmp=tmp_path) for a in args], input=input)
    assert result.exit_code == 1 and result.stderr.endswith("Error: empty input: nothing to plot\n")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("args, input, message", [
    (["-o", "{tmp}/t.png", "--unit", "3"], "ab\ncd\n", "Error: --unit 3: the input holds 2 unit(s)"),
    (["abc", "-o", "{tmp}/t.xyz"], None, "unknown image format 'xyz'"),
    (["abc", "--gold", "a b", "-o", "{tmp}/t.png"], None, "--gold without its spaces must equal"),
    (["abc", "-o", "{tmp}/missing/t.png"], None, "Error: cannot write"),
])
def test_plot_cli_errors_are_one_line(tmp_path, args, input, message):
    result = plot_cli(*[a.format(tmp=tmp_path) for a in args], input=input)
    assert result.exit_code in (1, 2) and isinstance(result.exception, SystemExit)
    assert message in result.stderr and "Traceback" not in result.output
    assert not list(tmp_path.iterdir())


def test_model_option_help_names_the_tuned_settings():
    import json

    from segment.shipped import DEFAULT_MODEL
    tuned = json.loads((DEFAULT_MODEL / "segmenter.json").read_text())
    help_text = " ".join(plot_cli("--help").output.split())
    assert "Its segmenter.json (the settings tuned for the model) supplies the defaults" in help_text
    assert f"from the model's segmenter.json, else ponder (shipped model: {tuned['signal_name']})" in help_text


def test_wide_symbols_get_a_font_that_has_them(monkeypatch):
    from types import SimpleNamespace

    from matplotlib import font_manager

    from segment.eval.plots import symbol_font

    fonts = [SimpleNamespace(name="DejaVu Sans"), SimpleNamespace(name="WenQuanYi Micro Hei")]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", fonts)
    assert symbol_font(["t", "h", "e"]) == "monospace"
    assert symbol_font(["北", "京"]) == "WenQuanYi Micro Hei"
    fonts.insert(0, SimpleNamespace(name="Noto Sans CJK SC"))  # earlier in the preference order
    assert symbol_font(["北"]) == "Noto Sans CJK SC"
    monkeypatch.setattr(font_manager.fontManager, "ttflist", fonts[1:2])
    assert symbol_font(["北"]) == "monospace"  # none installed: matplotlib warns of the missing glyphs

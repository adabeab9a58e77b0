"""Plots: valid PNG files from the Figure API (no pyplot), and the precision-recall sweep by hand."""

import subprocess
import sys

import numpy as np
import pytest

from segment.eval.plots import plot_pr_curves, plot_trace, pr_curve

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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
    assert [t.get_text() for t in axes[0].get_xticklabels()] == list(text[:12])
    assert [t.get_text() for t in axes[2].get_xticklabels()] == list(text[24:])
    assert axes[0].get_title() == "ponder"
    assert len(axes[0].patches) == 12 and len(axes[2].patches) == 9


def test_plot_trace_accepts_per_offset_scores_and_symbol_tuples(tmp_path):
    seq = ("dh", "ax", "k", "ae", "t")
    figure = plot_trace(seq, [0.1, 0.9, 0.2, 0.3], gold=[2], path=tmp_path / "t.png")
    assert [t.get_text() for t in figure.get_axes()[0].get_xticklabels()] == list(seq)
    assert len(figure.get_axes()[0].patches) == 4
    assert_png(tmp_path / "t.png")
    with pytest.raises(ValueError, match="give n or n-1"):
        plot_trace(seq, [1.0, 2.0])


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


def test_plots_never_import_pyplot(tmp_path):
    code = ("import sys; from segment.eval.plots import plot_trace; "
            f"plot_trace('abc', [1, 2, 3], path={str(tmp_path / 'x.png')!r}); "
            "assert 'matplotlib.pyplot' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_matplotlib_names_the_plot_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"act-segment\[plot\]"):
        plot_trace("ab", [1.0, 2.0])

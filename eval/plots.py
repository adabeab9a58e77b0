"""Figures without pyplot (matplotlib's Figure API and the Agg canvas, so no display is needed):
a signal traced over a text with gold and predicted boundaries (the picture Graves draws of ponder time
over Wikipedia text), and precision-recall curves as a segmenter's threshold sweeps.

matplotlib is the optional ``plot`` extra; it is imported only when a figure is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from segment.boundaries import Symbols, check_boundaries


def _figure(width: float, height: float):
    """A new Figure attached to an Agg canvas."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError("plots need matplotlib: pip install 'act-segment[plot]'") from err
    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


def _save(figure, path: str | Path | None):
    if path is not None:
        figure.savefig(path, dpi=120, bbox_inches="tight")
    return figure


def plot_trace(sequence: Symbols, signal: Sequence[float], *, gold: Iterable[int] | None = None,
               predicted: Iterable[int] | None = None, title: str | None = None, path: str | Path | None = None,
               width: int = 80):
    """Bars of ``signal`` over the symbols of ``sequence``, wrapped into rows of ``width`` symbols.

    ``signal`` has one value per symbol (length n, drawn over each symbol) or per cut offset (length
    n-1, as ``boundary_scores`` gives, drawn between symbols). Gold cut offsets are dashed vertical lines,
    predicted ones triangles at the top. Saved to ``path`` (format from its suffix) when given.
    """
    n = len(sequence)
    values = np.asarray(signal, dtype=float)
    if values.shape not in ((n,), (max(n - 1, 0),)):
        raise ValueError(f"signal has {values.size} values for {n} symbols: give n or n-1 values")
    positions = np.arange(n) if values.size == n else np.arange(1, n) - 0.5
    gold_cuts = check_boundaries(gold if gold is not None else [], n) - 0.5
    predicted_cuts = check_boundaries(predicted if predicted is not None else [], n) - 0.5
    rows = max(1, math.ceil(n / width))
    figure = _figure(max(6.0, min(width, n) * 0.16), 1.8 * rows + 0.4)
    axes = figure.subplots(rows, 1, squeeze=False)[:, 0]
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    top = high + 0.1 * (high - low or 1.0)
    for row, ax in enumerate(axes):
        start, stop = row * width, min((row + 1) * width, n)
        def in_row(x: np.ndarray) -> np.ndarray:
            return (x >= start - 0.5) & (x < stop - 0.5)
        ax.bar(positions[in_row(positions)], values[in_row(positions)], width=0.8, color="tab:blue")
        for cut in gold_cuts[in_row(gold_cuts)]:
            ax.axvline(cut, color="tab:green", linestyle="--", linewidth=1)
        marks = predicted_cuts[in_row(predicted_cuts)]
        ax.plot(marks, np.full(marks.size, top), "v", color="tab:red", markersize=5)
        ax.set_xlim(start - 0.5, start + width - 0.5)
        ax.set_ylim(min(low, 0.0), top + 0.05 * (top - min(low, 0.0)))
        ax.set_xticks(range(start, stop))
        ax.set_xticklabels([str(s) for s in sequence[start:stop]], fontsize=8, family="monospace")
        ax.tick_params(axis="x", length=0)
    if title:
        axes[0].set_title(title)
    figure.tight_layout()
    return _save(figure, path)


def pr_curve(scores_list: Sequence[Sequence[float]], references: Sequence[Iterable[int]]
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(precision, recall, thresholds) as a cut threshold sweeps down over boundary scores.

    ``scores_list[u]`` has one score per cut offset of unit u (index i-1 scores offset i, length n-1);
    at threshold t every offset scoring >= t is cut. Counts are micro-averaged over units; thresholds run
    from the highest distinct score down, so recall never decreases.
    """
    if len(scores_list) != len(references):
        raise ValueError(f"{len(scores_list)} score arrays but {len(references)} references")
    scores, labels = [], []
    for unit_scores, reference in zip(scores_list, references):
        unit_scores = np.asarray(unit_scores, dtype=float)
        bits = np.zeros(unit_scores.size, dtype=np.int64)
        bits[check_boundaries(reference, unit_scores.size + 1) - 1] = 1
        scores.append(unit_scores)
        labels.append(bits)
    flat = np.concatenate(scores) if scores else np.zeros(0)
    if np.isnan(flat).any():
        raise ValueError("boundary scores contain NaN")
    gold = np.concatenate(labels) if labels else np.zeros(0, dtype=np.int64)
    order = np.argsort(-flat, kind="stable")
    sorted_scores = flat[order]
    true_positives = np.cumsum(gold[order])
    last_of_each = np.flatnonzero(np.diff(sorted_scores, append=-np.inf) != 0)
    found = true_positives[last_of_each]
    precision = found / (last_of_each + 1)
    recall = found / gold.sum() if gold.sum() else np.zeros(found.size)  # no gold: R = 0 (segment.eval.prf)
    return precision, recall, sorted_scores[last_of_each]


def plot_pr_curves(curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], *,
                   title: str | None = None, path: str | Path | None = None):
    """Precision against recall, one line per named curve, its best-F point marked, with iso-F contours."""
    figure = _figure(5.5, 5.0)
    ax = figure.subplots()
    grid = np.linspace(0.01, 1, 200)
    for f in (0.2, 0.4, 0.6, 0.8):
        recall_grid = grid[grid > f / 2]
        ax.plot(recall_grid, f * recall_grid / (2 * recall_grid - f), color="0.85", linewidth=0.8)
        ax.annotate(f"F={f}", (0.98, f / (2 - f)), fontsize=7, color="0.5", ha="right", va="bottom")
    for name, (precision, recall) in curves.items():
        precision, recall = np.asarray(precision, dtype=float), np.asarray(recall, dtype=float)
        (line,) = ax.plot(recall, precision, label=name)
        if precision.size:
            f = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0)
            best = int(np.argmax(f))
            ax.plot(recall[best], precision[best], "o", color=line.get_color())
            line.set_label(f"{name} (best F {f[best]:.3f})")
    ax.set_xlim(0, 1.01)
    ax.set_ylim(0, 1.01)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    if title:
        ax.set_title(title)
    if curves:
        ax.legend(loc="lower left", fontsize=8)
    figure.tight_layout()
    return _save(figure, path)


def plot_f_against_tau(taus: Sequence[float], curves: Mapping[str, Sequence[float | None]], *,
                       ponder_mean: Sequence[float | None] | None = None, title: str | None = None,
                       path: str | Path | None = None):
    """Boundary F of each named signal against the ponder-cost weight tau (log axis), one line each; with
    ``ponder_mean`` the mean ponder time is drawn dashed on a second axis. None values are left out."""
    figure = _figure(6.0, 4.0)
    ax = figure.subplots()
    taus = np.asarray(taus, dtype=float)
    order = np.argsort(taus)

    def drawn(values) -> tuple[np.ndarray, np.ndarray]:
        values = np.array([np.nan if v is None else v for v in values], dtype=float)[order]
        keep = np.isfinite(values)
        return taus[order][keep], values[keep]

    for name, values in curves.items():
        ax.plot(*drawn(values), "o-", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("tau (ponder cost weight)")
    ax.set_ylabel("boundary F")
    ax.set_ylim(0, 1)
    if ponder_mean is not None:
        twin = ax.twinx()
        twin.plot(*drawn(ponder_mean), "s--", color="0.5", label="mean ponder")
        twin.set_ylabel("mean ponder time", color="0.4")
        twin.legend(loc="upper right", fontsize=8)
    if title:
        ax.set_title(title)
    if curves:
        ax.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    return _save(figure, path)

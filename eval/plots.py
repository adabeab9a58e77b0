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
from segment.files import atomic_writer


#: Axis label (name and unit) of each model signal (``segment.ponder.SIGNAL_CHOICES``).
SIGNAL_LABELS = {
    "ponder": "ponder ρ = N + R (updates)",
    "steps": "steps N (updates)",
    "remainder": "remainder R",
    "halt-first": "1 − first halt output",
    "entropy": "entropy (bits)",
    "surprisal": "surprisal (bits)",
}

#: Trace figure geometry (inches): width bounds, room for the y axis, one monospace character at 8 pt.
TRACE_MIN_WIDTH, TRACE_MAX_WIDTH, TRACE_MARGIN, CHAR_WIDTH = 6.5, 18.0, 1.2, 0.08
POSITION_EVERY = 10
LABEL_PAD = 24  # points: room for the symbols and positions drawn under each row
TRACE_COLORS = {"signal": "tab:blue", "gold": "tab:green", "predicted": "tab:red"}


def _figure(width: float, height: float, layout: str | None = None):
    """A new Figure attached to an Agg canvas."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError("plots need matplotlib: pip install 'act-segment[plot]'") from err
    figure = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(figure)
    return figure


def image_format(path: str | Path) -> str:
    """The image format named by ``path``'s suffix (png without one); ValueError lists the supported ones."""
    from matplotlib.backend_bases import FigureCanvasBase

    suffix = Path(path).suffix.lstrip(".").lower() or "png"
    supported = FigureCanvasBase.get_supported_filetypes()
    if suffix not in supported:
        raise ValueError(f"{path}: unknown image format {suffix!r} (supported: {', '.join(sorted(supported))})")
    return suffix


def _save(figure, path: str | Path | None):
    """Write ``figure`` to ``path`` (format from its suffix) through ``atomic_writer``, when given."""
    if path is not None:
        with atomic_writer(path, binary=True) as fh:
            figure.savefig(fh, format=image_format(path), dpi=120, bbox_inches="tight")
    return figure


def _finish(figure, ax, title: str | None, legend: str | None, path: str | Path | None):
    """A one-panel figure's title, its legend at ``legend`` (a matplotlib location; None: no legend), tight
    layout, and ``_save``."""
    if title:
        ax.set_title(title)
    if legend is not None:
        ax.legend(loc=legend, fontsize=8)
    figure.tight_layout()
    return _save(figure, path)


def _symbol_label(symbol) -> str:
    """A symbol as a tick label: a space shown as ␣, other unprintable characters escaped."""
    text = str(symbol)
    if text == " ":
        return "␣"
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def _trace_layout(n: int, labels: Sequence[str], width: int | None) -> tuple[int, int, float]:
    """(symbols per row, rows, figure width in inches): one row up to the width cap, then balanced rows."""
    per_symbol = max(0.16, CHAR_WIDTH * max(map(len, labels), default=1) + 0.05)
    if width is None:
        fits = max(1, int((TRACE_MAX_WIDTH - TRACE_MARGIN) / per_symbol))
        width = math.ceil(n / max(1, math.ceil(n / fits)))
    width = max(1, min(width, n))
    rows = math.ceil(n / width) or 1
    return width, rows, min(TRACE_MAX_WIDTH, max(TRACE_MIN_WIDTH, width * per_symbol + TRACE_MARGIN))


#: Fonts tried, in order, for symbols outside the default monospace font (Chinese, Japanese, Korean).
WIDE_FONTS = ("Noto Sans Mono CJK SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei Mono", "WenQuanYi Micro Hei",
              "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Arial Unicode MS")


def symbol_font(labels: Sequence[str]) -> str:
    """The font family for the symbol labels: monospace, or the first installed font of WIDE_FONTS when a
    label holds a wide (East Asian) character; monospace again when none is installed (matplotlib then
    warns of the missing glyphs)."""
    import unicodedata

    from matplotlib import font_manager

    if not any(unicodedata.east_asian_width(ch) in "WF" for label in labels for ch in label):
        return "monospace"
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in WIDE_FONTS if name in installed), "monospace")


def _symbol_labels(ax, labels: Sequence[str], start: int, stop: int) -> None:
    """Each symbol under its bar, and under every POSITION_EVERY-th one its position in grey (text
    artists rather than ticks: one tick per symbol is slow to build)."""
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    ax.set_xticks([])
    base = blended_transform_factory(ax.transData, ax.transAxes)
    symbols, numbers = (base + ScaledTranslation(0, -points / 72, ax.figure.dpi_scale_trans) for points in (3, 15))
    family = symbol_font(labels[start:stop])
    for i in range(start, stop):
        ax.text(i, 0, labels[i], transform=symbols, ha="center", va="top", fontsize=9, family=family)
        if i % POSITION_EVERY == 0:
            ax.text(i, 0, str(i), transform=numbers, ha="center", va="top", fontsize=7, color="0.4")


def _bars(ax, x: np.ndarray, heights: np.ndarray) -> None:
    """Bars 0.8 symbols wide from 0 to ``heights`` (NaN drawn as 0), as one collection."""
    from matplotlib.collections import PolyCollection

    heights = np.nan_to_num(heights, nan=0.0)
    left, right, zero = x - 0.4, x + 0.4, np.zeros_like(x)
    corners = [np.stack([left, zero], 1), np.stack([left, heights], 1), np.stack([right, heights], 1),
               np.stack([right, zero], 1)]
    ax.add_collection(PolyCollection(np.stack(corners, axis=1), facecolors=TRACE_COLORS["signal"], edgecolors="none"))


def _trace_legend(figure, ylabel: str, *, gold: bool, predicted: bool) -> None:
    """A legend under the rows: the signal's bars, and the gold and predicted cut marks when drawn."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = {ylabel: Patch(color=TRACE_COLORS["signal"])}
    if gold:
        handles["gold boundary"] = Line2D([], [], color=TRACE_COLORS["gold"], linestyle="--")
    if predicted:
        handles["predicted cut"] = Line2D([], [], color=TRACE_COLORS["predicted"], marker="v", linestyle="none")
    figure.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=len(handles),
                  frameon=False, fontsize=9)


def plot_trace(sequence: Symbols, signal: Sequence[float], *, gold: Iterable[int] | None = None,
               predicted: Iterable[int] | None = None, title: str | None = None, ylabel: str = "signal",
               path: str | Path | None = None, width: int | None = None):
    """Bars of ``signal`` over the symbols of ``sequence``, in rows of ``width`` symbols.

    With ``width`` None the figure grows with the sequence up to a width cap, then wraps into rows of
    equal length. ``signal`` has one value per symbol (length n, drawn over each symbol) or per cut
    offset (length n-1, as ``boundary_scores`` gives, drawn between symbols). Gold cut offsets are dashed
    green lines, predicted ones red triangles at the top; a legend names each, when given. ``ylabel`` names
    the signal and its unit (see ``SIGNAL_LABELS``). Saved to ``path`` (format from its suffix) when given.
    """
    n = len(sequence)
    values = np.asarray(signal, dtype=float)
    if values.shape not in ((n,), (max(n - 1, 0),)):
        raise ValueError(f"signal has {values.size} values for {n} symbols: give n or n-1 values")
    positions = np.arange(n) if values.size == n else np.arange(1, n) - 0.5
    gold_cuts = None if gold is None else check_boundaries(gold, n) - 0.5
    predicted_cuts = None if predicted is None else check_boundaries(predicted, n) - 0.5
    labels = [_symbol_label(s) for s in sequence]
    width, rows, inches = _trace_layout(n, labels, width)
    figure = _figure(inches, 1.8 * rows + 1.4, layout="constrained")
    axes = figure.subplots(rows, 1, squeeze=False, sharey=True)[:, 0]
    finite = values[np.isfinite(values)]
    low, high = (min(float(finite.min()), 0.0), float(finite.max())) if finite.size else (0.0, 1.0)
    top = high + 0.1 * (high - low or 1.0)
    for row, ax in enumerate(axes):
        start, stop = row * width, min((row + 1) * width, n)

        def in_row(x: np.ndarray) -> np.ndarray:
            return (x >= start - 0.5) & (x < stop - 0.5)

        _bars(ax, positions[in_row(positions)], values[in_row(positions)])
        if gold_cuts is not None:
            ax.vlines(gold_cuts[in_row(gold_cuts)], 0, 1, transform=ax.get_xaxis_transform(),
                      colors=TRACE_COLORS["gold"], linestyles="--", linewidth=1.2)
        marks = np.zeros(0) if predicted_cuts is None else predicted_cuts[in_row(predicted_cuts)]
        if marks.size:
            ax.plot(marks, np.full(marks.size, top), "v", color=TRACE_COLORS["predicted"], markersize=6,
                    clip_on=False)
        ax.set_xlim(start - 0.5, start + width - 0.5)
        ax.set_ylim(low, top + 0.06 * (top - low))
        ax.spines[["top", "right"]].set_visible(False)
        _symbol_labels(ax, labels, start, stop)
    axes[-1].set_xlabel(f"symbol (its position under every {POSITION_EVERY}th)", labelpad=LABEL_PAD)
    if rows > 1:
        figure.supylabel(ylabel)
    else:
        axes[0].set_ylabel(ylabel)
    if title:
        axes[0].set_title(title)
    _trace_legend(figure, ylabel, gold=gold_cuts is not None, predicted=predicted_cuts is not None)
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
    return _finish(figure, ax, title, "lower left" if curves else None, path)


def plot_f_against_tau(taus: Sequence[float], curves: Mapping[str, Sequence[float | None]], *,
                       ponder_mean: Sequence[float | None] | None = None, title: str | None = None,
                       ylabel: str = "boundary F", ylim: tuple[float, float] | None = (0, 1),
                       path: str | Path | None = None):
    """Boundary F (or another measure: ``ylabel``, ``ylim``) of each named curve against the ponder-cost weight
    tau (log axis), one line each; with ``ponder_mean`` the mean ponder time is drawn dashed on a second axis.
    None values are left out."""
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
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if ponder_mean is not None:
        twin = ax.twinx()
        twin.plot(*drawn(ponder_mean), "s--", color="0.5", label="mean ponder")
        twin.set_ylabel("mean ponder time", color="0.4")
        twin.legend(loc="upper right", fontsize=8)
    return _finish(figure, ax, title, "upper left" if curves else None, path)


def plot_training_curves(panels: Mapping[str, Mapping[str, tuple[Sequence[float], Sequence[float | None]]]], *,
                         title: str | None = None, mark: float | None = None, path: str | Path | None = None):
    """Side-by-side panels (one per y label in ``panels``), each with one line per named run: a measure
    against training iterations, each run in the same colour in every panel, named once in a legend under the
    panels. ``mark``: an iteration drawn as a dotted vertical line in every panel. None values are left out."""
    names = list(dict.fromkeys(name for curves in panels.values() for name in curves))
    columns = max(1, min(len(names), len(panels)))
    legend_rows = math.ceil(len(names) / columns)
    legend_height = 0.17 * legend_rows + 0.15 if names else 0.0
    height = 3.8 + legend_height
    figure = _figure(5.0 * max(1, len(panels)), height)
    axes = figure.subplots(1, max(1, len(panels)), squeeze=False)[0]
    for ax, (ylabel, curves) in zip(axes, panels.items()):
        for name, (iterations, values) in curves.items():
            points = [(i, v) for i, v in zip(iterations, values) if v is not None]
            if points:
                ax.plot(*zip(*points), marker=".", color=f"C{names.index(name) % 10}",
                        linestyle=("-", "--", ":")[names.index(name) // 10 % 3], label=name)
        if mark is not None:
            ax.axvline(mark, color="0.5", linestyle=":")
        ax.set_xlabel("training iterations")
        ax.set_ylabel(ylabel)
    handles = {label: handle for ax in axes for handle, label in zip(*ax.get_legend_handles_labels())}
    if handles:
        figure.legend(handles.values(), handles.keys(), loc="lower center", ncol=columns, fontsize=7,
                      frameon=False)
    if title:
        figure.suptitle(title)
    figure.tight_layout(rect=(0, legend_height / height, 1, 1))
    return _save(figure, path)


def plot_scaling(points: Mapping[str, Sequence[tuple[float, float]]],
                 lines: Mapping[str, tuple[float, float, float | None, float | None]] | None = None, *,
                 xlabel: str = "size", ylabel: str = "F", title: str | None = None, path: str | Path | None = None):
    """A measure against a size (log axis), one colour per name: its (size, value) ``points``; with ``lines``
    the name's (intercept, gain per doubling, target, size at the target) line, solid over the measured sizes
    and dotted from there to the size at the target (when there is one), and the target as a dashed level."""
    figure = _figure(6.0, 4.0)
    ax = figure.subplots()
    for index, (name, measured) in enumerate(points.items()):
        color = f"C{index}"
        if measured:
            ax.plot(*zip(*measured), "o", color=color, alpha=0.7, label=name)
        if lines is None or name not in lines or not measured:
            continue
        intercept, gain, target, reach = lines[name]
        sizes = [size for size, _ in measured]
        line = np.geomspace(min(sizes), max(sizes), 20)
        ax.plot(line, intercept + gain * np.log2(line), "-", color=color)
        if reach is not None and reach > max(sizes):
            ahead = np.geomspace(max(sizes), reach, 20)
            ax.plot(ahead, intercept + gain * np.log2(ahead), ":", color=color)
        if target is not None:
            ax.axhline(target, color=color, linestyle="--", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return _finish(figure, ax, title, "best" if points else None, path)


def plot_ensemble_f(curves: Mapping[str, tuple[Sequence[int], Sequence[float], Sequence[float], Sequence[float]]], *,
                    title: str | None = None, path: str | Path | None = None):
    """Boundary F against ensemble size K, one line per named setting: ``curves[name]`` = (K values, mean F over
    the ensembles of that size, their lowest F, their highest F), the range shaded."""
    figure = _figure(6.0, 4.0)
    ax = figure.subplots()
    for name, (sizes, mean, low, high) in curves.items():
        line, = ax.plot(sizes, mean, "o-", label=name)
        ax.fill_between(sizes, low, high, color=line.get_color(), alpha=0.15)
    ax.set_xlabel("models in the ensemble (seeds)")
    ax.set_ylabel("boundary F")
    ax.xaxis.get_major_locator().set_params(integer=True)
    return _finish(figure, ax, title, "lower right" if curves else None, path)

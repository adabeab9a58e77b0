"""Label-free choices about halting: the rule that picks a ponder-cost weight tau from short training probes,
and the width of the informative tau regime the halting study reports.

The rule reads only what a dev pass gives without gold boundaries: bits per symbol, the spread of the ponder
signal and the fraction of symbols whose ponder time sits at neither extreme. No setting is chosen by its
boundary F; F enters only the *width* (a measurement, reported beside the rule's choice).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: rho within this much of its floor counts as "at the floor" (collapsed to the fewest updates)
FLOOR_MARGIN = 0.05


def ponder_range(config) -> tuple[float, float]:
    """(floor, ceiling) of the ponder signal of an ``ACTConfig``'s model, for ``off_extremes``. ACT: rho = N + R
    is at least 2 (N = 1, R = 1), or 2 + 2 eps with bounded halting (N = 2, R = 1 - h_1 >= 2 eps), and
    rho > M exactly when N = M (R > eps there), so the ceiling is M. PonderNet: E[n] lies in [1, M]; within
    FLOOR_MARGIN of M counts as at the cap."""
    if config.halt_distribution == "pondernet":
        return 1.0, config.max_steps - FLOOR_MARGIN
    return (2.0 + 2.0 * config.eps if config.halt_bounded else 2.0), float(config.max_steps)


def off_extremes(ponder: np.ndarray, floor: float, ceiling: float) -> float:
    """Fraction of symbols whose ponder time is neither at the floor (within FLOOR_MARGIN of it) nor above the
    ceiling (at the cap)."""
    ponder = np.asarray(ponder, dtype=np.float64)
    if not ponder.size:
        raise ValueError("no ponder values")
    return float(np.mean((ponder > floor + FLOOR_MARGIN) & (ponder <= ceiling)))


@dataclass(frozen=True)
class Probe:
    """What one probe run gives on dev without labels."""

    tau: float
    bits_per_symbol: float
    ponder_std: float
    off_extremes: float


@dataclass(frozen=True)
class SelectionRule:
    """Among the probes whose ponder std is at least ``min_std`` and whose bits per symbol are at most
    (1 + ``max_bps_excess``) times the act=False control's, pick the one with the most symbols off the
    extremes (ties: the larger std). None when no probe qualifies: then no tau is recommended."""

    min_std: float = 0.2
    max_bps_excess: float = 0.02

    def eligible(self, probe: Probe, control_bps: float) -> bool:
        return probe.ponder_std >= self.min_std and probe.bits_per_symbol <= control_bps * (1 + self.max_bps_excess)

    def select(self, probes: Sequence[Probe], control_bps: float) -> Probe | None:
        candidates = [p for p in probes if self.eligible(p, control_bps)]
        return max(candidates, key=lambda p: (p.off_extremes, p.ponder_std)) if candidates else None


def informative_width(taus: Sequence[float], stds: Sequence[float], fs: Sequence[float], *, min_std: float = 0.2,
                      f_margin: float = 0.03) -> tuple[float, float | None, float | None]:
    """Width in decades of the informative regime on a tau grid: the longest run of consecutive grid points
    (sorted by tau) whose ponder std is >= ``min_std`` and whose F is within ``f_margin`` of the best F of the
    grid; returns (width, lowest tau, highest tau) of that run, (0.0, None, None) when no point qualifies. A
    single point has width 0: the regime is narrower than the grid's step."""
    if not (len(taus) == len(stds) == len(fs)):
        raise ValueError("taus, stds and fs must have the same length")
    if not taus:
        return 0.0, None, None
    order = np.argsort(taus)
    best = max(fs)
    good = [stds[i] >= min_std and fs[i] >= best - f_margin for i in order]
    widest: tuple[float, float | None, float | None] = (0.0, None, None)
    start = None
    for position, ok in enumerate(good + [False]):
        if ok and start is None:
            start = position
        elif not ok and start is not None:
            low, high = taus[order[start]], taus[order[position - 1]]
            width = math.log10(high / low)
            if widest[1] is None or width > widest[0]:
                widest = (width, low, high)
            start = None
    return widest

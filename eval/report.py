"""Report writers for harness tables: Markdown (no tabulate needed), CSV and JSON."""

from __future__ import annotations

import math
from numbers import Integral, Real

import pandas as pd

FORMATS = ("markdown", "csv", "json")


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Integral):
        return str(int(value))
    if isinstance(value, Real):
        return f"{float(value):.4f}" if abs(float(value)) < 1000 else f"{float(value):.0f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table: numbers right-aligned with four decimals, NaN left blank."""
    header = [str(c) for c in frame.columns]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
               for c in frame.columns]
    rows = [[_cell(v) for v in record] for record in frame.itertuples(index=False, name=None)]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if num else ":---" for num in numeric) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def format_report(frame: pd.DataFrame, fmt: str = "markdown") -> str:
    """The table as text in one of FORMATS."""
    if fmt == "markdown":
        return to_markdown(frame)
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "json":
        return frame.to_json(orient="records", indent=2) + "\n"
    raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")

"""What the benchmarks record: the machine they ran on, and a stamped section appended to their results file.

No torch import here (``bench_startup.py`` times the start-up without it): torch's version comes from the package
metadata, its thread count only where the benchmark has imported it.
"""

from __future__ import annotations

import datetime
import os
import platform
import shlex
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name (lscpu where there is one, else what platform says)."""
    try:
        return next(line.split(":", 1)[1].strip() for line in subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines() if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        return platform.processor() or platform.machine()


def machine(device=None) -> str:
    """Host, CPU, CPU count, torch version (and its threads once imported), Python; the GPU of a cuda ``device``."""
    torch = sys.modules.get("torch")
    threads = f" ({torch.get_num_threads()} threads)" if torch is not None else ""
    text = (f"{platform.node()} {cpu_model()}, {os.cpu_count()} CPUs, torch {version('torch')}{threads}, "
            f"Python {platform.python_version()}")
    if device is not None and getattr(device, "type", None) == "cuda":
        text += f", GPU {torch.cuda.get_device_name(device)}"
    return text


def append_section(path: Path, name: str, details: str, body: str, load_before: float | None = None,
                   load_after: float | None = None) -> None:
    """Append "### <name> <UTC time>" to ``path``: the command line with ``details``, the machine and load
    average (before and after the measurement when ``load_before`` is given; after: ``load_after``, or now), then
    ``body``."""
    command = "python " + " ".join(shlex.quote(a) for a in sys.argv)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = f"{os.getloadavg()[0] if load_after is None else load_after:.1f}"
    load = f"{load_before:.1f} before, {load} after" if load_before is not None else load
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"\n### {name} {stamp}\n\n`{command}` ({details})  \nmachine: {machine()}, load average {load}\n\n"
                 f"{body}\n")

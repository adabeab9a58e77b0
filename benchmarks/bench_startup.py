"""Start-up time of the `actseg` command: wall time of a few invocations, each in a fresh process.

    python benchmarks/bench_startup.py [--repeats 10]

Runs the installed console script (the one beside this Python, else `actseg` on PATH) with `--help`,
`segment --help` and `segment thisisatest` (the shipped model), and `python -c pass` for reference,
interleaved --repeats times. Reports the median and the minimum wall time of each and appends them, the
command, the machine and its load average (before and after) to --results.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_record import append_section


def actseg_script() -> str:
    """The console script installed with this Python (no version-manager shim in front), else PATH's."""
    beside = Path(sys.executable).with_name("actseg")
    return str(beside) if beside.is_file() else shutil.which("actseg") or "actseg"


def invocations(script: str) -> dict[str, list[str]]:
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "actseg --help": [script, "--help"],
        "actseg segment --help": [script, "segment", "--help"],
        "actseg segment thisisatest": [script, "segment", "thisisatest"],
    }


def wall_time(argv: list[str]) -> float:
    """Seconds one run of ``argv`` takes (output discarded; a failing run stops the benchmark)."""
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def measure(commands: dict[str, list[str]], repeats: int) -> dict[str, list[float]]:
    """Wall times of every command, interleaved so that load changes hit all of them alike."""
    times = {name: [] for name in commands}
    for _ in range(repeats):
        for name, argv in commands.items():
            times[name].append(wall_time(argv))
    return times


def table(times: dict[str, list[float]]) -> str:
    rows = [f"| `{name}` | {statistics.median(t):.2f} | {min(t):.2f} |" for name, t in times.items()]
    return "\n".join(["| command | median s | min s |", "|---|---|---|", *rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--results", type=Path, default=Path(__file__).with_name("README.md"),
                        help="Markdown file the figures are appended to.")
    args = parser.parse_args()

    script = actseg_script()
    load_before = os.getloadavg()[0]
    times = measure(invocations(script), args.repeats)
    load_after = os.getloadavg()[0]
    print(table(times))
    append_section(args.results, "bench_startup", f"{args.repeats} repeats, script {script}", table(times),
                   load_before, load_after)

if __name__ == "__main__":
    main()

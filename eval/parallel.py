"""Independent evaluation tasks run side by side: spawned worker processes, each with its share of the cores."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from tqdm import tqdm


def _call_with_threads(threads: int, fn: Callable, args: tuple):
    import torch

    torch.set_num_threads(threads)
    return fn(*args)


def map_in_processes(fn: Callable, calls: Sequence[tuple], *, jobs: int, desc: str, unit: str = "task") -> list:
    """``fn(*call)`` for every call, results in order, under a tqdm bar on stderr: in this process when ``jobs``
    is 1, else in ``jobs`` spawned processes with (cores // jobs) torch threads each (``fn`` must be a
    module-level function and the calls picklable)."""
    if jobs <= 1:
        return [fn(*call) for call in tqdm(calls, desc=desc, unit=unit, file=sys.stderr)]
    threads = max(1, (os.cpu_count() or 1) // jobs)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_call_with_threads, threads, fn, tuple(call)) for call in calls]
        return [future.result() for future in tqdm(futures, desc=desc, unit=unit, file=sys.stderr)]

"""The training phase of the experiments: every run of a scale not yet trained, each in its own process
(``python -m segment.eval.train_run``), ``jobs`` at a time, with ``cores // jobs`` torch threads and its
log in ``<run dir>/train.log``. A run whose directory holds ``model/`` is skipped, one holding a
checkpoint resumes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from segment.eval.run_specs import RunSpec
from segment.files import write_atomic


def run_dir_of(runs_dir: Path, spec: RunSpec) -> Path:
    return runs_dir / spec.name


def is_trained(run_dir: Path) -> bool:
    return (run_dir / "model" / "model.safetensors").is_file()


def train_all(runs: Sequence[RunSpec], runs_dir: Path, *, name: str = "runs", jobs: int = 1, device: str = "auto",
              data_dir=None) -> list[str]:
    """Train every run not yet trained, in order; returns the names of runs that failed (their logs say
    why). Each run's spec goes to ``<run dir>/run.json`` first. ``name`` labels the progress bar."""
    pending = [s for s in runs if not is_trained(run_dir_of(runs_dir, s))]
    threads = max(1, (os.cpu_count() or 1) // max(1, jobs))
    running: list[tuple[RunSpec, subprocess.Popen, object]] = []
    failed: list[str] = []
    bar = tqdm(total=len(runs), initial=len(runs) - len(pending), desc=f"train {name}",
               unit="run", file=sys.stderr)
    queue = list(pending)
    while queue or running:
        while queue and len(running) < max(1, jobs):
            spec = queue.pop(0)
            running.append((spec, *_launch(spec, run_dir_of(runs_dir, spec), threads, device, data_dir)))
        time.sleep(0.2)
        for entry in [e for e in running if e[1].poll() is not None]:
            spec, process, log = entry
            log.close()
            running.remove(entry)
            if process.returncode != 0 or not is_trained(run_dir_of(runs_dir, spec)):
                failed.append(spec.name)
            bar.update(1)
            bar.set_postfix_str(spec.name)
    bar.close()
    return failed


def _launch(spec: RunSpec, run_dir: Path, threads: int, device: str, data_dir) -> tuple[subprocess.Popen, object]:
    run_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(run_dir / "run.json", spec.to_json() + "\n")
    command = [sys.executable, "-m", "segment.eval.train_run", str(run_dir / "run.json"), "--device", device]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    log = open(run_dir / "train.log", "a", encoding="utf-8")
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env), log

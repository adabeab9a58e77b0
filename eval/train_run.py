"""Train one run of the experiments into its run directory; the training phase runs this module once per
run, each in its own process:

    python -m segment.eval.train_run RUN_DIR/run.json [--device auto] [--data-dir DIR]
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

import click

from segment.eval.results_types import TrainingSummary
from segment.eval.run_specs import RunSpec, load_ref
from segment.files import write_atomic


def train_run(spec: RunSpec, run_dir: Path, *, device: str = "auto", data_dir=None) -> TrainingSummary:
    """Train ``spec`` into ``run_dir`` (model/, log.jsonl, checkpoints/, train_summary.json); resume from a
    checkpoint left there."""
    import torch

    from segment.dev_metrics import ponder_peak_metrics
    from segment.models.device import resolve_device
    from segment.models.trainer import train

    def view(ref: str):
        return spec.read(load_ref(ref, data_dir, punctuation=spec.punctuation, case=spec.case))

    sequences = [s for ref in spec.train_data for s in view(ref)[0] if len(s)]
    dev_sequences, dev_boundaries = view(spec.dev) if spec.dev else (None, None)
    train_config = dataclasses.replace(
        spec.train_config(), out=str(run_dir), device=device, progress=False, max_seconds=spec.max_seconds,
        resume=(run_dir / "checkpoints" / "latest.json").is_file())
    finished: dict = {}
    model = train(spec.model_config(), train_config, sequences, dev_sequences,
                  dev_metrics=ponder_peak_metrics(dev_boundaries) if dev_boundaries is not None else None,
                  callbacks=[("on_train_end", lambda trainer: finished.update(
                      iterations=trainer.iteration, wall=trainer.train_seconds()))])
    wall = finished.get("wall", 0.0)
    iterations = finished.get("iterations", 0)
    symbols = iterations * train_config.batch_size * train_config.seq_len
    summary = TrainingSummary(
        iterations=iterations, wall_s=wall, symbols=symbols, symbols_per_s=symbols / max(wall, 1e-9),
        device=str(resolve_device(device)), threads=torch.get_num_threads(), train_units=len(sequences),
        train_symbols=int(sum(len(s) for s in sequences)),
        parameters=int(sum(p.numel() for p in model.parameters())))
    write_atomic(run_dir / "train_summary.json", summary.to_json())
    return summary


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("run_json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory holding the corpora (default: $ACTSEG_DATA, then the download cache).")
def main(run_json: Path, device: str, data_dir: Path | None) -> None:
    """Train the run RUN_JSON describes into the directory that holds it."""
    import torch

    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", torch.get_num_threads())))
    spec = RunSpec.from_json(run_json.read_text(encoding="utf-8"))
    summary = train_run(spec, run_json.parent, device=device, data_dir=data_dir)
    print(summary.to_json(), file=sys.stderr, end="")


if __name__ == "__main__":
    main()

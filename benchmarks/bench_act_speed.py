"""Speed of the fast ACT path (segment.models.fast_act) against the reference loop and torch.nn.LSTM.

Training (forward + backward + AdamW step, state carried, random symbols): symbols/s for torch.nn.LSTM
(embedding + fused LSTM + decoder, same hidden size, batch and sequence length), the reference ACT loop,
the fast ACT path (initial halting unit, and with halting weights spread so rows halt after different
counts), and the fast act=False control. For ACT: mean ponder updates N per symbol, ACT updates/s =
symbols/s x N, and its ratio to nn.LSTM's symbols/s; "loop runs" is the number of updates the loop
executes per symbol (the batch's largest N; M for the reference, which masks finished rows). Each model is timed in ``--repeats`` interleaved rounds
and the best round is kept (the machine is shared). CPU mode also times inference (no autograd) of a
hidden-256 model over ``--inference-mb`` MB of symbols, cut into rows read chunk by chunk with the state
carried, and reports peak resident memory.

    python benchmarks/bench_act_speed.py                      # CPU: hidden 128 and 256, inference
    python benchmarks/bench_act_speed.py --device cuda --json gpu.json   # hidden 512 and 1024, < 3 min
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import sys
import time
from dataclasses import dataclass

import torch
from torch import nn

from bench_record import machine

from segment.models import ACTConfig, ACTLanguageModel
from segment.models.fast_act import fast_forward


class LSTMBaseline(nn.Module):
    """torch.nn.LSTM language model of the same size (cuDNN on CUDA, MKL-DNN on the CPU)."""

    autocast = True  # bf16 autocast on CUDA (turned off when this cuDNN has no bf16 RNN)

    def __init__(self, vocab_size: int, hidden: int):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, hidden)
        self.lstm = nn.LSTM(hidden, hidden, batch_first=True)
        self.decoder = nn.Linear(hidden, vocab_size)

    def loss_and_state(self, ids, targets, state):
        out, state = self.lstm(self.embedding(ids), state)
        logits = self.decoder(out)
        return nn.functional.cross_entropy(logits.flatten(0, 1).float(), targets.flatten()), state, None


class ACTRunner(nn.Module):
    """An ACTLanguageModel run through the reference forward or the fast path."""

    autocast = True

    def __init__(self, model: ACTLanguageModel, fast: bool, sync_every: int | None = None,
                 compact: bool | None = None):
        super().__init__()
        self.model, self.fast, self.sync_every, self.compact = model, fast, sync_every, compact

    def loss_and_state(self, ids, targets, state):
        if self.fast:
            out = fast_forward(self.model, ids, targets, state, sync_every=self.sync_every, compact=self.compact)
        else:
            out = self.model(ids, targets, state)
        return out.loss, out.state, out.steps


@dataclass
class Timing:
    seconds: float = float("inf")  # best time per iteration
    updates: float = 1.0  # mean updates per symbol (N)
    executed: float = 1.0  # mean over symbols of the batch's largest N: the updates the loop runs


def spread_halting(model: ACTLanguageModel) -> ACTLanguageModel:
    """Random halting weights (seeded): rows halt after 1..M updates (mean N about 5), so that nearly
    every symbol has some row that runs to the cap, as in a trained model's batch."""
    with torch.no_grad():
        std = 5.0 / model.halt.weight.shape[1] ** 0.5
        model.halt.weight.normal_(0, std, generator=torch.Generator().manual_seed(0))
        model.halt.bias.fill_(-0.5)
    return model


def build_models(args, hidden: int, device: torch.device, with_reference: bool) -> dict[str, nn.Module]:
    torch.manual_seed(0)

    def act(**kw) -> ACTLanguageModel:
        return ACTLanguageModel(ACTConfig(vocab_size=args.vocab, hidden=hidden, max_steps=args.max_steps, **kw))

    models: dict[str, nn.Module] = {"torch.nn.LSTM": LSTMBaseline(args.vocab, hidden)}
    if with_reference:
        models["ACT reference"] = ACTRunner(act(), fast=False)
    models["ACT fast"] = ACTRunner(act(), fast=True)
    models["ACT fast, spread halting"] = ACTRunner(spread_halting(act()), fast=True)
    if device.type == "cuda":
        for period in args.sync_periods:
            models[f"ACT fast, sync every {period}"] = ACTRunner(act(), fast=True, sync_every=period)
        models["ACT fast, spread halting, compact"] = ACTRunner(spread_halting(act()), fast=True, sync_every=1,
                                                               compact=True)
    models["act=False fast"] = ACTRunner(act(act=False), fast=True)
    return {name: model.to(device) for name, model in models.items()}


def time_training(model: nn.Module, args, device: torch.device, iterations: int, timing: Timing) -> None:
    """Run iterations of training; keep the best seconds per iteration and the mean updates per symbol."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(1)
    state, updates, executed = None, [], []
    for _ in range(iterations + 1):  # the first one warms up
        ids = torch.randint(0, args.vocab, (args.batch_size, args.seq_len + 1), generator=gen).to(device)
        if device.type == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda" and model.autocast):
            loss, state, steps = model.loss_and_state(ids[:, :-1], ids[:, 1:], state)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        state = tuple(s.detach() for s in state)
        if device.type == "cuda":
            torch.cuda.synchronize()
        timing.seconds = min(timing.seconds, time.perf_counter() - started)
        updates.append(1.0 if steps is None else steps.float().mean().item())
        executed.append(1.0 if steps is None else steps.max(0).values.float().mean().item())
    timing.updates = sum(updates[1:]) / iterations
    timing.executed = sum(executed[1:]) / iterations


def training_rows(args, device: torch.device) -> list[dict]:
    rows = []
    for hidden in args.hidden:
        models = build_models(args, hidden, device, with_reference=not args.skip_reference)
        timings = {name: Timing() for name in models}
        for _ in range(args.repeats):  # interleaved rounds: load changes hit every model alike
            for name, model in models.items():
                iterations = 1 if "reference" in name else args.iterations
                try:
                    time_training(model, args, device, iterations, timings[name])
                except RuntimeError as err:  # e.g. no bf16 cuDNN RNN: time it in float32 instead
                    if not model.autocast or device.type != "cuda":
                        raise
                    print(f"{name}: {str(err).splitlines()[0]}; timing it in float32", file=sys.stderr)
                    model.autocast = False
                    time_training(model, args, device, iterations, timings[name])
                if isinstance(model, ACTRunner) and not model.fast:  # the reference always runs M updates
                    timings[name].executed = model.model.config.loop_steps
        symbols = args.batch_size * args.seq_len
        lstm_rate = symbols / timings["torch.nn.LSTM"].seconds
        for name, timing in timings.items():
            rate = symbols / timing.seconds
            if not models[name].autocast:
                name += " (float32)"
            rows.append({"hidden": hidden, "model": name, "symbols_per_s": rate, "mean_updates": timing.updates,
                         "executed_updates": timing.executed,
                         "updates_per_s": rate * timing.updates, "ratio_to_lstm": rate * timing.updates / lstm_rate})
            print(f"hidden {hidden}: {name}: {rate:,.0f} symbols/s, N {timing.updates:.2f}", file=sys.stderr)
    return rows


def inference_row(args) -> dict:
    """Inference of a hidden-256 ACT model over args.inference_mb MB of random symbols (fast path)."""
    torch.manual_seed(0)
    model = ACTLanguageModel(ACTConfig(vocab_size=args.vocab, hidden=256, max_steps=args.max_steps)).eval()
    total = int(args.inference_mb * 1_000_000)
    rows = args.inference_rows
    length = -(-total // rows)
    ids = torch.randint(0, args.vocab, (rows, length), generator=torch.Generator().manual_seed(2))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    ponder = []
    with torch.inference_mode():
        state = None
        for begin in range(0, length, args.chunk_len):
            out = fast_forward(model, ids[:, begin:begin + args.chunk_len], state=state)
            state = out.state
            ponder.append(out.ponder.numpy())
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row = {"hidden": 256, "symbols": rows * length, "rows": rows, "chunk_len": args.chunk_len,
           "symbols_per_s": rows * length / seconds, "seconds": seconds, "peak_rss_mib": peak,
           "rss_before_mib": rss_before}
    print(f"inference: {row['symbols_per_s']:,.0f} symbols/s, peak RSS {peak:,.0f} MiB", file=sys.stderr)
    return row


def machine_and_load(device: torch.device) -> str:
    """The machine (``bench_record.machine``) and its load averages over 1, 5 and 15 minutes."""
    return f"{machine(device)}, load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}"


def markdown(rows: list[dict], inference: dict | None, args, device: torch.device) -> str:
    lines = [f"Machine: {machine_and_load(device)}", f"Command: `python benchmarks/bench_act_speed.py {shlex.join(args.argv)}`",
             f"Training: batch {args.batch_size}, seq-len {args.seq_len}, vocab {args.vocab}, M = {args.max_steps}, "
             f"best of {args.repeats} rounds" + (", bf16 autocast" if device.type == "cuda" else ""), "",
             "| hidden | model | symbols/s | mean N | loop runs | ACT updates/s | ratio to nn.LSTM symbols/s |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['hidden']} | {row['model']} | {row['symbols_per_s']:,.0f} | {row['mean_updates']:.2f} "
                     f"| {row['executed_updates']:.2f} | {row['updates_per_s']:,.0f} | {row['ratio_to_lstm']:.2f} |")
    if inference:
        lines += ["", f"Inference (fast path, torch.inference_mode, hidden 256, {inference['symbols']:,} symbols as "
                  f"{inference['rows']} rows read in chunks of {inference['chunk_len']}): "
                  f"{inference['symbols_per_s']:,.0f} symbols/s, peak RSS {inference['peak_rss_mib']:,.0f} MiB "
                  f"(before: {inference['rss_before_mib']:,.0f} MiB)"]
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--hidden", type=int, nargs="+", help="default: 128 256 (cpu), 512 1024 (cuda)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--vocab", type=int, default=64)
    parser.add_argument("--max-steps", type=int, default=10, help="the cap M")
    parser.add_argument("--iterations", type=int, default=3, help="timed iterations per round and model")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds; the best is kept")
    parser.add_argument("--skip-reference", action="store_true", help="do not time the (slow) reference loop")
    parser.add_argument("--sync-periods", type=int, nargs="*", default=[0, 1, 4],
                        help="cuda: extra rows for these sync_every values (0: never synchronise)")
    parser.add_argument("--inference-mb", type=float, default=1.0,
                        help="cpu: megabytes (symbols) for inference; 0: skip")
    parser.add_argument("--inference-rows", type=int, default=1024)
    parser.add_argument("--chunk-len", type=int, default=256)
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: torch's)")
    parser.add_argument("--json", help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    args.argv = argv
    args.hidden = args.hidden or ([128, 256] if args.device == "cpu" else [512, 1024])
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("Error: --device cuda but CUDA is not available")
    inference = inference_row(args) if device.type == "cpu" and args.inference_mb > 0 else None
    rows = training_rows(args, device)
    print(markdown(rows, inference, args, device))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"machine": machine_and_load(device), "argv": args.argv, "training": rows, "inference": inference}, fh,
                      indent=2)


if __name__ == "__main__":
    main()

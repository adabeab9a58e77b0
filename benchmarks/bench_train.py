"""Training throughput: ACT-LSTM, its act=False control and torch.nn.LSTM of the same size.

Times forward + backward + AdamW step on random symbol batches (state carried, as in training) and
prints symbols/s, mean ponder updates N per symbol and updates/s (symbols/s x N), then appends the table,
the machine and the command to benchmarks/RESULTS-train.md.

    python benchmarks/bench_train.py --hidden 128 --batch-size 64 --seq-len 64 --max-steps 5
"""

from __future__ import annotations

import argparse
import datetime
import shlex
import sys
import time
from pathlib import Path

import torch
from torch import nn

from bench_record import machine

from segment.models import ACTConfig, ACTLanguageModel

RESULTS = Path(__file__).with_name("RESULTS-train.md")


class TorchLSTMLM(nn.Module):
    """Reference: embedding + torch.nn.LSTM (cuDNN on CUDA) + decoder, same sizes as the ACT model."""

    def __init__(self, vocab_size: int, hidden: int, layers: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, hidden)
        self.lstm = nn.LSTM(hidden, hidden, num_layers=layers, batch_first=True)
        self.decoder = nn.Linear(hidden, vocab_size)

    def forward(self, ids, targets, state=None):
        out, state = self.lstm(self.embed(ids), state)
        logits = self.decoder(out)
        loss = nn.functional.cross_entropy(logits.flatten(0, 1).float(), targets.flatten())
        return loss, state, None


class ACTWrapper(nn.Module):
    def __init__(self, model: ACTLanguageModel):
        super().__init__()
        self.model = model

    def forward(self, ids, targets, state=None):
        out = self.model(ids, targets, state)
        return out.loss, out.state, out.steps


def measure(model: nn.Module, args, device: torch.device) -> tuple[float, float]:
    """(symbols per second, mean updates per symbol) over args.iterations timed iterations after args.warmup."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(0)
    state, total_steps, timed = None, 0.0, 0.0
    for iteration in range(args.warmup + args.iterations):
        ids = torch.randint(0, args.vocab, (args.batch_size, args.seq_len + 1), generator=gen).to(device)
        if device.type == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss, state, steps = model(ids[:, :-1], ids[:, 1:], state)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        state = tuple(s.detach() for s in state)
        if device.type == "cuda":
            torch.cuda.synchronize()
        if iteration >= args.warmup:
            timed += time.perf_counter() - started
            total_steps += 1.0 if steps is None else steps.float().mean().item()
    return args.iterations * args.batch_size * args.seq_len / timed, total_steps / args.iterations


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--max-steps", type=int, default=5)
    parser.add_argument("--vocab", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=5, help="timed iterations per model")
    parser.add_argument("--warmup", type=int, default=2, help="untimed iterations first")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, or 'all' (cpu and, when present, cuda)")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS-train.md")
    args = parser.parse_args(argv)
    devices = ["cpu", "cuda"] if args.device == "all" else [args.device]
    devices = [torch.device(d) for d in devices if d != "cuda" or torch.cuda.is_available()]
    lines = []
    for device in devices:
        torch.manual_seed(0)
        models = {
            f"ACT (M={args.max_steps}, reference)": ACTWrapper(ACTLanguageModel(ACTConfig(
                vocab_size=args.vocab, hidden=args.hidden, layers=args.layers, max_steps=args.max_steps))),
            "act=False (reference)": ACTWrapper(ACTLanguageModel(ACTConfig(
                vocab_size=args.vocab, hidden=args.hidden, layers=args.layers, act=False))),
            "torch.nn.LSTM": TorchLSTMLM(args.vocab, args.hidden, args.layers),
        }
        lines += [f"Machine: {machine(device)}", "",
                  "| device | model | symbols/s | mean updates N | updates/s |", "|---|---|---|---|---|"]
        for name, model in models.items():
            try:
                rate, updates = measure(model.to(device), args, device)
            except RuntimeError as err:  # e.g. an op without a bf16 kernel on this device
                lines.append(f"| {device.type} | {name} | failed: {str(err).splitlines()[0][:80]} | | |")
            else:
                lines.append(f"| {device.type} | {name} | {rate:,.0f} | {updates:.2f} | {rate * updates:,.0f} |")
            print(lines[-1], flush=True)
        lines.append("")
    command = "python benchmarks/bench_train.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    header = (f"## {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC: hidden {args.hidden}, "
              f"layers {args.layers}, batch {args.batch_size}, seq-len {args.seq_len}, vocab {args.vocab}")
    report = "\n".join([header, "", f"Command: `{command}`", "", *lines])
    print("\n" + report)
    if not args.no_record:
        with open(RESULTS, "a", encoding="utf-8") as fh:
            fh.write(report + "\n")


if __name__ == "__main__":
    main()

"""Bits per symbol of trained models and of a Kneser-Ney character n-gram model on one corpus split.

    ACTSEG_DATA=../shared/corpora python benchmarks/bits_per_symbol.py --corpus ud-en-ewt --train train \
        --eval dev --order 5 runs/lm-act runs/lm-lstm

Scored as in the experiments' bits comparison (:mod:`segment.eval.bits`): each unit read from "<sep>", the
n-gram model fitted on the training split, every model scored on the same symbols.
"""

from __future__ import annotations

import argparse

import numpy as np

from segment.corpora import load_corpus
from segment.eval.bits import fit_ngram, ngram_bits
from segment.models.inference import compute_signals
from segment.ponder import load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help="model or `actseg train` run directories")
    parser.add_argument("--corpus", default="ud-en-ewt")
    parser.add_argument("--train", default="train", help="split the n-gram model is fitted on")
    parser.add_argument("--eval", default="dev", help="split scored")
    parser.add_argument("--order", type=int, default=5)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    units = [s for s in load_corpus(args.corpus, args.eval, args.data_dir).sequences() if len(s)]
    symbols = sum(len(s) for s in units)
    print(f"| model | {args.corpus} {args.eval} bits per symbol ({symbols:,} symbols) | mean ponder |")
    print("|---|---|---|")
    ngram = fit_ngram(load_corpus(args.corpus, args.train, args.data_dir).sequences(), args.order)
    print(f"| Kneser-Ney {args.order}-gram ({args.train}) | {ngram_bits(ngram, units):.4f} | |")
    for path in args.models:
        signals = compute_signals(load_model(path), units)
        surprisal = np.concatenate([s.surprisal for s in signals]).astype(np.float64)
        ponder = np.concatenate([s.ponder for s in signals]).astype(np.float64)
        print(f"| {path} | {surprisal.mean():.4f} | {ponder.mean():.3f} |")


if __name__ == "__main__":
    main()

"""ACT-LSTM language model, its vocabulary, checkpoints and training.

Importing the package loads no torch: the configs and the vocabulary are torch-free, and the model
classes are imported when first used (the CLI reads the configs at start-up).
"""

from segment.models.config import ACTConfig, TrainConfig
from segment.models.vocab import SEP, UNK, Vocab

__all__ = ["ACTConfig", "TrainConfig", "ACTLanguageModel", "ACTOutput", "Vocab", "UNK", "SEP"]


def __getattr__(name: str):
    if name in ("ACTLanguageModel", "ACTOutput"):
        from segment.models import act_lstm

        return getattr(act_lstm, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""ACT-LSTM language model, its vocabulary, checkpoints and training."""

from segment.models.act_lstm import ACTConfig, ACTLanguageModel, ACTOutput
from segment.models.vocab import SEP, UNK, Vocab

__all__ = ["ACTConfig", "ACTLanguageModel", "ACTOutput", "Vocab", "UNK", "SEP"]

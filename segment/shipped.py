"""Where the shipped models live inside the installed package."""

from pathlib import Path

#: The shipped English model `actseg segment` uses when no --model is given.
DEFAULT_MODEL = Path(__file__).resolve().parent / "models_data" / "default"

"""Where the shipped models live inside the installed package, and the names ``--model`` knows them by."""

from pathlib import Path

MODELS_DATA = Path(__file__).resolve().parent / "models_data"
#: Shipped models by name, and the language each was trained on (English is the default).
SHIPPED_MODELS = {"en": MODELS_DATA / "default", "zh": MODELS_DATA / "zh"}
LANGUAGES = {"en": "English", "zh": "Chinese"}
#: The shipped English model `actseg segment` uses when no --model is given.
DEFAULT_MODEL = SHIPPED_MODELS["en"]


def shipped_name(model: str | None) -> str | None:
    """The shipped model a --model value names ("en" when none is given), or None when it is a path."""
    if model is None:
        return "en"
    return model if model in SHIPPED_MODELS else None

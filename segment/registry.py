"""Every segmenter by name: the baselines (``segment.baselines.BASELINES``) and the model-based ones
(``segment.ponder.MODEL_SEGMENTERS``, whose factories take a model checkpoint path, a list of them for an ensemble,
or None)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from segment.base import Segmenter


def baseline_factories() -> dict[str, Callable[..., Segmenter]]:
    from segment.baselines import BASELINES  # imported on use: the CLI loads only what a command needs
    return dict(BASELINES)


def model_factories() -> dict[str, Callable[..., Segmenter]]:
    from segment.ponder import MODEL_SEGMENTERS
    return dict(MODEL_SEGMENTERS)


def available_segmenters(*, models: bool = True) -> list[str]:
    """Names accepted by :func:`make_segmenter` (model-based ones only when ``models``)."""
    names = set(baseline_factories())
    if models:
        names |= set(model_factories())
    return sorted(names)


def make_segmenter(name: str, model: str | Path | list | None = None, **params) -> Segmenter:
    """Build the segmenter called ``name``; model-based ones get ``model`` (a checkpoint directory, a list of them
    for an ensemble; with None they train their own model in ``fit``). Unknown names raise ValueError.
    """
    baselines = baseline_factories()
    if name in baselines:
        return baselines[name](**params)
    models = model_factories()
    if name in models:
        return models[name](model, **params)
    raise ValueError(f"unknown segmenter {name!r}; available: {', '.join(available_segmenters()) }")

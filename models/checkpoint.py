"""Checkpoint files: a directory with config.json, vocab.json and model.safetensors (no pickle), written
atomically, read back with a ModelLoadError that names the offending path."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from segment.errors import ModelLoadError
from segment.files import write_atomic

CONFIG, VOCAB, WEIGHTS = "config.json", "vocab.json", "model.safetensors"


def save_tensors(path: Path, tensors: Mapping[str, torch.Tensor]) -> None:
    """safetensors file written atomically (contiguous CPU copies; shared storage is fine)."""
    write_atomic(path, save({k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}))


def load_tensors(path: Path, map_location: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
    """Read a safetensors file; ModelLoadError naming path when it is missing, truncated or corrupt."""
    if not path.is_file():
        raise ModelLoadError(f"{path}: file not found")
    try:
        return load_file(str(path), device=str(map_location))
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise ModelLoadError(f"{path}: corrupt or truncated safetensors file ({err})") from None


def read_json(path: Path):
    """Parsed JSON; ModelLoadError naming path when missing or invalid."""
    if not path.is_file():
        raise ModelLoadError(f"{path}: file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as err:
        raise ModelLoadError(f"{path}: invalid JSON ({err})") from None


def save_model_files(directory: str | Path, config_json: str, vocab_json: str | None,
                     tensors: Mapping[str, torch.Tensor]) -> Path:
    """Write the three files of a model directory (vocab.json only when there is a vocabulary)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    save_tensors(directory / WEIGHTS, tensors)
    if vocab_json is not None:
        write_atomic(directory / VOCAB, vocab_json)
    write_atomic(directory / CONFIG, config_json)
    return directory


def load_model_files(directory: str | Path, map_location: str | torch.device = "cpu"):
    """(config dict, vocab JSON text or None, tensors) of a model directory, checked for readability."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ModelLoadError(f"{directory}: model directory not found")
    config = read_json(directory / CONFIG)
    if not isinstance(config, dict):
        raise ModelLoadError(f"{directory / CONFIG}: expected a JSON object")
    vocab_path = directory / VOCAB
    vocab_json = vocab_path.read_text(encoding="utf-8") if vocab_path.is_file() else None
    return config, vocab_json, load_tensors(directory / WEIGHTS, map_location)

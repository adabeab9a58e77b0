"""Shared fixtures: where the real corpora are (CI puts ../shared beside the repository and checks they are
there, so the skips below never hide its coverage; a clone without them skips the tests that need them)."""

import os
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def corpora_dir() -> Path:
    path = Path(os.environ.get("ACTSEG_DATA") or ROOT.parent / "shared" / "corpora")
    if not (path / "brent" / "br-phono.txt").is_file():
        pytest.skip(f"shared corpora not found at {path}: set ACTSEG_DATA")
    return path


@pytest.fixture(autouse=True)
def one_thread():
    """Tests use tiny models: one intra-op thread is as fast, and far faster when other jobs hold the cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

"""Shared fixtures: where the real corpora are (CI puts ../shared beside the repository)."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def corpora_dir() -> Path:
    path = Path(os.environ.get("ACTSEG_DATA") or ROOT.parent / "shared" / "corpora")
    if not (path / "brent" / "br-phono.txt").is_file():
        pytest.fail(f"shared corpora not found at {path}: set ACTSEG_DATA")
    return path

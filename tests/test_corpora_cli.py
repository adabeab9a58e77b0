"""``actseg corpus list`` / ``actseg corpus info``, and the shipped samples' place in the package data."""

import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from segment.cli import main
from segment.corpora.registry import SAMPLES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def run(monkeypatch, tmp_path):
    monkeypatch.delenv("ACTSEG_DATA", raising=False)
    monkeypatch.setenv("ACTSEG_CACHE", str(tmp_path / "cache"))
    return lambda *args: CliRunner().invoke(main, ["corpus", *args])


def test_list_shows_every_corpus_its_place_sizes_and_licence(run, corpora_dir):
    result = run("list", "--data-dir", str(corpora_dir))
    assert result.exit_code == 0, result.output
    assert re.search(r"brent-phono\s+\S+brent\s+units=9,790 words=33,399", result.output)
    assert re.search(r"text8\s+not found \(downloaded on first use\)", result.output)
    assert "research / non-commercial use only" in result.output
    assert "plain:PATH" in result.output


def test_list_without_data_finds_only_the_samples(run, tmp_path):
    result = run("list", "--no-sizes", "--data-dir", str(tmp_path))
    assert result.exit_code == 0
    assert re.search(r"ud-en-ewt\s+not found\n", result.output)
    assert re.search(r"sample-en\s+\S+samples\n", result.output)


def test_info_prints_sizes_per_split(run, corpora_dir):
    result = run("info", "ud-zh-gsd", "--data-dir", str(corpora_dir))
    assert result.exit_code == 0, result.output
    assert "train  units=3,997 words=98,608" in result.output
    assert "CC BY-NC-SA 4.0" in result.output
    assert "sentence labels: gold" in result.output


def test_info_on_missing_files_says_not_found_and_never_downloads(run, tmp_path):
    result = run("info", "text8", "--data-dir", str(tmp_path))
    assert result.exit_code == 0
    assert "location:        not found" in result.output
    assert not (tmp_path / "cache").exists()


def test_unknown_name_is_one_line_and_exit_1(run):
    result = run("info", "no-such-corpus")
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: unknown corpus 'no-such-corpus'; known: brent-text")


def test_samples_are_small_and_attributed_and_in_the_package_data():
    files = sorted(p for p in SAMPLES.iterdir() if p.is_file())
    assert sum(p.stat().st_size for p in files) < 100_000
    attribution = (SAMPLES / "ATTRIBUTION.md").read_text()
    assert all(p.name in attribution for p in files if p.suffix == ".txt")
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    patterns = package_data.get("*", []) + package_data.get("segment.corpora", [])

    def shipped(rel: str) -> bool:  # setuptools globs: '*' never crosses a '/'
        return any(re.fullmatch(re.escape(p).replace(r"\*", "[^/]*"), rel) for p in patterns)

    missing = [f"samples/{p.name}" for p in files if not shipped(f"samples/{p.name}")]
    assert not missing, f'add "segment.corpora" = ["samples/*"] to package-data in pyproject.toml: {missing}'

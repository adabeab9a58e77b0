"""The shipped English model: it loads from the installed package and segments unspaced text."""

import json

from click.testing import CliRunner

from segment.cli import main
from segment.shipped import DEFAULT_MODEL
from segment.ponder import SETTINGS_FILE, PonderSegmenter

SENTENCE = "thisisasentencewithoutspaces"


def test_shipped_model_loads_with_its_card_and_settings():
    assert (DEFAULT_MODEL / "MODEL_CARD.md").is_file()
    segmenter = PonderSegmenter.from_pretrained(DEFAULT_MODEL)
    settings = json.loads((DEFAULT_MODEL / SETTINGS_FILE).read_text())
    assert {k: getattr(segmenter, k) for k in settings} == settings
    words = segmenter.segment(SENTENCE)
    assert len(words) > 1 and "".join(words) == SENTENCE


def test_main_job_segments_with_no_model_option():
    result = CliRunner().invoke(main, ["segment", SENTENCE])
    assert result.exit_code == 0, result.output
    words = result.stdout.split()
    assert len(words) > 1 and "".join(words) == SENTENCE

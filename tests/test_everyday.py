"""The ten everyday sentences: gold cuts from their spaces, scoring, and the report."""

import numpy as np

from segment.boundaries import to_spaced
from segment.eval.everyday import SENTENCES, everyday_units, report, score_cuts


def test_the_gold_cuts_are_the_removed_spaces():
    units, gold = everyday_units()
    assert len(units) == 10 and all(" " not in u for u in units)
    assert [to_spaced(u, g) for u, g in zip(units, gold)] == list(SENTENCES)


def test_scores_and_report_tell_right_from_wrong_cuts(tmp_path):
    units, gold = everyday_units()
    assert score_cuts(units, gold, gold)["token_f"] == 1.0
    none = [np.zeros(0, dtype=np.int64) for _ in units]
    assert score_cuts(units, gold, none)["boundary_noedge_f"] == 0.0
    text = report(tmp_path, {"oracle": (gold, "gold"), "none": (none, "no cuts")}, "python -m segment.eval.everyday")
    assert "| oracle | gold | 1.0000 | 1.0000 |" in text and "| none | no cuts | 0.0000 | 0.0000 |" in text
    assert f"| {SENTENCES[1]} | {SENTENCES[1]} | {units[1]} |" in text

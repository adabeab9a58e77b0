"""Boundary convention and converters."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segment.boundaries import (check_boundaries, from_bits, from_lengths, from_segments, from_spaced,
                                to_bits, to_lengths, to_segments, to_spaced)
from segment.errors import BoundaryError

words = st.lists(st.text(alphabet=st.characters(blacklist_categories=("Z", "Cc", "Cs")), min_size=1),
                 max_size=12)


def test_spaced_round_trip_by_hand():
    seq, b = from_spaced("the cat  sat")
    assert seq == "thecatsat"
    assert b.tolist() == [3, 6]
    assert to_spaced(seq, b) == "the cat sat"
    assert to_bits(b, len(seq)) == "00100100"
    assert from_bits("00100100").tolist() == [3, 6]
    assert to_lengths(b, len(seq)).tolist() == [3, 3, 3]
    assert from_lengths([3, 3, 3])[0].tolist() == [3, 6]


def test_symbol_sequences_keep_their_kind():
    seq, b = from_segments([("y", "u"), ("w", "a", "n", "t")])
    assert seq == ("y", "u", "w", "a", "n", "t") and b.tolist() == [2]
    assert to_segments(["a", "b", "c"], [1]) == [["a"], ["b", "c"]]
    assert to_spaced(seq, b, symbol_sep=".") == "y.u w.a.n.t"


@pytest.mark.parametrize("bad", [[0], [5], [-1], [1.5]])
def test_offsets_outside_range_raise(bad):
    with pytest.raises(BoundaryError):
        check_boundaries(bad, 5)


def test_unsorted_duplicates_are_normalised():
    assert check_boundaries([3, 1, 3], 5).tolist() == [1, 3]


def test_empty_and_single_symbol():
    assert to_segments("", []) == []
    assert to_segments("a", []) == ["a"]
    assert to_bits([], 1) == "" and to_lengths([], 0).size == 0
    with pytest.raises(BoundaryError):
        from_bits("0x1")
    with pytest.raises(BoundaryError):
        from_lengths([2, 0])


@given(words)
def test_segments_round_trip(ws):
    seq, b = from_segments(ws)
    assert to_segments(seq, b) == [w for w in ws if w]
    n = len(seq)
    if n:
        assert from_bits(to_bits(b, n)).tolist() == b.tolist()
        assert from_lengths(to_lengths(b, n))[0].tolist() == b.tolist()

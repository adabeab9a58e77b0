"""gutenberg-en (split by book, headers and credits stripped) and corpus mixes ("a+b")."""

from __future__ import annotations

import pytest

from segment.corpora import corpus_info, load_corpus
from segment.corpora.gutenberg_en import MANIFEST, book_body, read_manifest, verify_books
from segment.errors import CorpusError

#: Whitespace words between the START and END lines of all 136 books (the corpus README's count) and the
#: words left once wrapped START lines and opening credit paragraphs are stripped (measured, pinned).
WORDS_BETWEEN_MARKERS = 11_092_049
WORDS_LOADED = 11_091_011

BOOK = """Header text
*** START OF THIS PROJECT GUTENBERG EBOOK A VERY
LONG TITLE ***

Produced by Someone and the Online
Distributed Proofreading Team

CHAPTER I

It was a dark
and stormy night.

*** END OF THIS PROJECT GUTENBERG EBOOK A VERY LONG TITLE ***
Licence text
"""


def test_book_body_strips_the_wrapped_start_line_and_the_credit_paragraph():
    assert book_body(BOOK).split() == "CHAPTER I It was a dark and stormy night.".split()


def test_book_body_keeps_a_book_without_credits():
    text = "*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\nProduction notes are part of it.\n\nEnd.\n"
    assert book_body(text).split() == "Production notes are part of it. End.".split()


@pytest.fixture(scope="module")
def splits(corpora_dir):
    return {s: load_corpus("gutenberg-en", s, data_dir=corpora_dir) for s in ("train", "dev", "test")}


def test_books_and_words_match_the_manifest(corpora_dir, splits):
    books = read_manifest(corpora_dir / "gutenberg-en" / MANIFEST)
    assert len(books) == 136
    for split, corpus in splits.items():
        assert len(corpus.documents) == sum(b.split == split for b in books)
        assert all(len(doc) > 0 for doc in corpus.documents)
    words = sum(c.n_words() for c in splits.values())
    assert words == WORDS_LOADED
    assert 0 < WORDS_BETWEEN_MARKERS - words < 0.001 * WORDS_BETWEEN_MARKERS
    assert splits["train"].sentence_labels == "silver"


def test_every_book_file_matches_its_size_and_checksum(corpora_dir):
    assert verify_books(corpora_dir / "gutenberg-en") == []


def test_a_malformed_manifest_is_a_corpus_error(tmp_path):
    (tmp_path / MANIFEST).write_text("ebook\ttitle\nabc\tx\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="malformed manifest"):
        read_manifest(tmp_path / MANIFEST)


def test_a_mix_joins_the_documents_of_its_parts_in_order():
    mix = load_corpus("sample-brent-text+sample-en", "train")
    parts = [load_corpus(name, "train") for name in ("sample-brent-text", "sample-en")]
    assert mix.sequences() == parts[0].sequences() + parts[1].sequences()
    assert mix.sentence_labels == "silver"  # the weaker labels of the two
    assert mix.unit_kind == "utterance/paragraph"
    assert corpus_info("sample-brent-text+sample-en").splits == ("all", "train", "test")


def test_a_mix_with_an_empty_or_unknown_part_is_a_corpus_error():
    with pytest.raises(CorpusError, match="empty name"):
        load_corpus("sample-en+", "train")
    with pytest.raises(CorpusError, match="unknown corpus"):
        load_corpus("sample-en+nope", "train")

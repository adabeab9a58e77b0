"""Corpora: the data model, the loaders' counts on the shared corpora, data-dir resolution and errors."""

import numpy as np
import pytest

from segment.boundaries import to_segments, to_spaced
from segment.corpora import Corpus, Unit, corpus_info, list_corpora, load_corpus
from segment.corpora.locate import cache_dir, search_dirs
from segment.errors import CorpusError


@pytest.fixture(autouse=True)
def empty_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("ACTSEG_CACHE", str(tmp_path / "cache"))

# ---------------------------------------------------------------- data model


def test_unit_sequence_and_boundaries_come_from_the_words():
    unit = Unit(("you", "want", "to"))
    assert unit.sequence == "youwantto"
    assert unit.boundaries.tolist() == [3, 7]
    assert unit.boundaries.dtype == np.int64
    assert len(unit) == 9
    with pytest.raises(ValueError):
        unit.boundaries[0] = 1
    with pytest.raises(AttributeError):
        unit.words = ("x",)


def test_unit_of_symbol_tuples_gives_a_tuple_sequence():
    unit = Unit((("D", "6"), ("b", "U", "k")))
    assert unit.sequence == ("D", "6", "b", "U", "k")
    assert unit.boundaries.tolist() == [2]


def test_sentence_boundaries_inside_a_unit_are_symbol_offsets():
    unit = Unit(("Oh", "dear!", "I", "am", "late."), sentence_starts=(2,))
    assert unit.sentence_boundaries.tolist() == [7]


def test_stream_runs_units_together_with_edges_as_word_and_sentence_cuts():
    units = [Unit(("ab", "c")), Unit(("de",)), Unit(("f", "gh", "i."), sentence_starts=(2,))]
    corpus = Corpus("toy", "all", [units[:2], units[2:]], "gold")
    stream = corpus.stream()
    assert stream.sequence == "abcdefghi."
    assert stream.word_boundaries.tolist() == [2, 3, 5, 6, 8]
    assert stream.sentence_boundaries.tolist() == [3, 5, 8]
    assert corpus.units == units
    assert corpus.sequences() == ["abc", "de", "fghi."]
    assert [b.tolist() for b in corpus.word_boundaries()] == [[2], [], [1, 3]]


def test_stream_of_symbol_tuples():
    corpus = Corpus("toy", "all", [[Unit((("a", "b"),)), Unit((("c",), ("d",)))]], "none")
    stream = corpus.stream()
    assert stream.sequence == ("a", "b", "c", "d")
    assert stream.word_boundaries.tolist() == [2, 3]
    assert to_segments(stream.sequence, stream.word_boundaries) == [["a", "b"], ["c"], ["d"]]


# ---------------------------------------------------------------- counts on the shared corpora

@pytest.mark.parametrize("name, units, words", [("brent-text", 9790, 33377), ("brent-phono", 9790, 33399)])
def test_brent_counts(corpora_dir, name, units, words):
    corpus = load_corpus(name, data_dir=corpora_dir)
    assert (len(corpus.units), corpus.n_words()) == (units, words)
    assert len(corpus.documents) == 1
    assert corpus.sentence_labels == "gold"


@pytest.mark.parametrize("name", ["brent-text", "brent-phono"])
def test_brent_split_is_goldwaters(corpora_dir, name):
    train = load_corpus(name, "train", data_dir=corpora_dir)
    test = load_corpus(name, "test", data_dir=corpora_dir)
    assert (len(train), len(test)) == (5000, 4790)
    kind = name.split("-")[1]
    for split, corpus in (("train", train), ("test", test)):
        lines = (corpora_dir / "brent" / "goldwater_split" / f"br-{kind}-{split}.txt").read_text().splitlines()
        assert [" ".join(u.words) for u in corpus.units] == [" ".join(line.split()) for line in lines]


def test_brent_phono_symbols_are_single_phoneme_characters(corpora_dir):
    corpus = load_corpus("brent-phono", data_dir=corpora_dir)
    assert corpus.units[0].words == ("yu", "want", "tu", "si", "D6", "bUk")
    assert corpus.units[0].sequence == "yuwanttusiD6bUk"
    spaced = load_corpus("brent-phono", data_dir=corpora_dir, symbols="space")
    assert spaced.units[0].sequence == tuple("yuwanttusiD6bUk")
    assert spaced.units[0].boundaries.tolist() == corpus.units[0].boundaries.tolist()


@pytest.mark.parametrize("split, sentences", [("train", 12544), ("dev", 2001), ("test", 2077)])
def test_ud_en_ewt_sentence_counts(corpora_dir, split, sentences):
    corpus = load_corpus("ud-en-ewt", split, data_dir=corpora_dir)
    assert len(corpus.units) == sentences
    assert corpus.sentence_labels == "gold"
    newdocs = (corpora_dir / "ud-en-ewt" / f"en_ewt-ud-{split}.conllu").read_text().count("\n# newdoc")
    assert len(corpus.documents) in (newdocs, newdocs + 1)


def test_ud_en_ewt_words_are_whitespace_words_of_the_raw_text(corpora_dir):
    corpus = load_corpus("ud-en-ewt", "train", data_dir=corpora_dir)
    first = corpus.units[0]
    assert first.words[:3] == ("Al-Zaman", ":", "American")
    assert first.words[-1] == "border."
    assert any("don't" in u.words for u in corpus.units)
    texts = [line[len("# text = "):] for line in
             (corpora_dir / "ud-en-ewt" / "en_ewt-ud-train.conllu").read_text().splitlines()
             if line.startswith("# text = ")]
    assert [to_spaced(u.sequence, u.boundaries) for u in corpus.units] == [" ".join(t.split()) for t in texts]


def test_ud_en_ewt_all_is_train_dev_test(corpora_dir):
    sizes = corpus_info("ud-en-ewt", corpora_dir).sizes
    assert sizes["all"].units == sum(sizes[s].units for s in ("train", "dev", "test")) == 16622
    assert sizes["train"].words == 177422


def test_ud_zh_gsd_counts_and_unspaced_sequences(corpora_dir):
    corpus = load_corpus("ud-zh-gsd", "train", data_dir=corpora_dir)
    assert (len(corpus.units), corpus.n_words()) == (3997, 98608)
    assert corpus.units[0].words[:2] == ("看似", "簡單")
    assert not any(c.isspace() for s in corpus.sequences() for c in s)


def test_gutenberg_books_paragraphs_and_silver_sentences(corpora_dir):
    corpus = load_corpus("gutenberg", data_dir=corpora_dir)
    assert len(corpus.documents) == 3
    assert corpus.sentence_labels == "silver"
    assert 250_000 < corpus.n_words() < 265_000
    alice = corpus.documents[0]
    para = next(u for u in alice if u.words[:4] == ("Alice", "was", "beginning", "to"))
    assert para.words[-1] == "conversations?”"
    assert sum(len(u.sentence_starts) for u in corpus.units) > 5000
    parts = [load_corpus("gutenberg", s, data_dir=corpora_dir) for s in ("train", "dev", "test")]
    assert [u for p in parts for u in p.units] != corpus.units  # books interleave across splits
    assert sum(len(p) for p in parts) == len(corpus)
    assert all(len(p.documents) == 3 for p in parts)


def test_sighan_pku_counts(corpora_dir):
    corpus = load_corpus("sighan-pku", "test", data_dir=corpora_dir)
    assert (len(corpus.units), corpus.n_words()) == (1944, 104372)
    assert corpus.units[0].words[:3] == ("共同", "创造", "美好")
    with pytest.raises(CorpusError, match="valid splits: all, test"):
        load_corpus("sighan-pku", "train", data_dir=corpora_dir)


# ---------------------------------------------------------------- shipped samples

@pytest.mark.parametrize("name", ["sample-en", "sample-brent-text", "sample-brent-phono"])
def test_samples_load_without_any_data_dir(name, monkeypatch):
    monkeypatch.delenv("ACTSEG_DATA", raising=False)
    corpus = load_corpus(name)
    train, test = load_corpus(name, "train"), load_corpus(name, "test")
    assert len(train) + len(test) == len(corpus) > 50
    assert corpus_info(name).available


def test_sample_brent_matches_the_corpus_head(corpora_dir):
    sample = load_corpus("sample-brent-phono")
    full = load_corpus("brent-phono", data_dir=corpora_dir)
    assert sample.units == full.units[:500]


# ---------------------------------------------------------------- resolution and errors


def test_explicit_data_dir_wins_over_the_environment(corpora_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("ACTSEG_DATA", str(tmp_path))
    assert len(load_corpus("brent-text", data_dir=corpora_dir)) == 9790
    with pytest.raises(CorpusError, match=str(tmp_path / "brent" / "br-text.txt")):
        load_corpus("brent-text")


def test_environment_then_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("ACTSEG_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("ACTSEG_CACHE", str(tmp_path / "cache"))
    assert search_dirs() == [tmp_path / "data", tmp_path / "cache"]
    monkeypatch.delenv("ACTSEG_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "act-segment"
    assert search_dirs(tmp_path / "explicit") == [tmp_path / "explicit", cache_dir()]


def test_missing_files_say_where_they_were_looked_for(tmp_path):
    with pytest.raises(CorpusError, match="looked for .*ud-en-ewt/en_ewt-ud-train.conllu"):
        load_corpus("ud-en-ewt", "dev", data_dir=tmp_path)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(CorpusError, match="unknown corpus 'brent'.*brent-text.*plain:PATH"):
        load_corpus("brent")


def test_unknown_split_lists_valid_splits(corpora_dir):
    with pytest.raises(CorpusError, match="valid splits: all, train, dev, test"):
        load_corpus("ud-en-ewt", "valid", data_dir=corpora_dir)


def test_list_corpora_names_every_registered_corpus():
    names = list_corpora()
    for name in ("brent-text", "brent-phono", "ud-en-ewt", "gutenberg", "ud-zh-gsd", "sighan-pku", "text8",
                 "enwik8", "sample-en"):
        assert name in names


def test_corpus_info_reports_licence_and_no_sizes_when_absent(tmp_path):
    info = corpus_info("ud-zh-gsd", tmp_path)
    assert not info.available and info.sizes == {}
    assert "CC BY-NC-SA" in info.licence
    assert info.splits == ("all", "train", "dev", "test")


def test_loading_twice_gives_equal_but_independent_lists(corpora_dir):
    first = load_corpus("brent-text", "test", data_dir=corpora_dir)
    first.documents[0].clear()
    again = load_corpus("brent-text", "test", data_dir=corpora_dir)
    assert len(again) == 4790


def test_a_reference_names_a_corpus_and_its_split():
    from segment.corpora import split_ref

    assert split_ref("sighan-pku:test") == ("sighan-pku", "test")
    assert split_ref("brent-phono") == ("brent-phono", "all")
    assert split_ref("plain:/data/my:file.txt") == ("plain:/data/my:file.txt", "all")
    assert split_ref("plain-lines:notes.txt") == ("plain-lines:notes.txt", "all")

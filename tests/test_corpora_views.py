"""Corpora: unspaced-view options, Unicode, the CoNLL-U / plain / book readers, and round-trip properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segment.boundaries import to_segments, to_spaced
from segment.corpora import Corpus, Unit, load_corpus
from segment.corpora.conllu import conllu_documents, parse_conllu
from segment.corpora.sentences import sentence_starts
from segment.corpora.text import has_paragraphs, paragraphs, strip_gutenberg
from segment.corpora.view import View, is_punctuation
from segment.errors import CorpusError


def write(tmp_path, text, name="input.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- view options

def test_punctuation_false_drops_punctuation_and_empty_words_and_keeps_sentence_starts():
    raw = Unit(("“Oh", "dear!”", "—", "I", "can’t", "be", "late."), sentence_starts=(3,))
    unit = View(punctuation=False).unit(raw)
    assert unit.words == ("Oh", "dear", "I", "cant", "be", "late")
    assert unit.sentence_starts == (2,)


def test_a_dropped_word_at_a_sentence_start_moves_the_start_to_the_next_word():
    unit = View(punctuation=False).unit(Unit(("Stop.", "—", "Go."), sentence_starts=(1,)))
    assert unit.words == ("Stop", "Go") and unit.sentence_starts == (1,)


def test_a_unit_of_only_punctuation_disappears():
    assert View(punctuation=False).unit(Unit(("...", "!"))) is None
    assert View(punctuation=False).documents([[Unit(("?",))], [Unit(("a",))]]) == [[Unit(("a",))]]


def test_case_false_casefolds():
    assert View(case=False).unit(Unit(("Straße", "ÉTÉ"))).words == ("strasse", "été")


def test_symbols_space_gives_tuples_and_folds_each_symbol():
    view = View(case=False, punctuation=False, symbols="space")
    assert view.unit(Unit(("Ab,",))).words == (("a", "b"),)
    assert view.unit(Unit((("AA", "B"), ("-",), ("C",)))).words == (("aa", "b"), ("c",))


def test_unknown_symbols_option_is_a_corpus_error():
    with pytest.raises(CorpusError, match="chars, space"):
        load_corpus("sample-en", symbols="graphemes")


def test_options_apply_to_a_loaded_corpus():
    plain = load_corpus("sample-en")
    folded = load_corpus("sample-en", punctuation=False, case=False)
    wordy = sum(any(not is_punctuation(c) for c in "".join(u.words)) for u in plain.units)
    assert len(folded) == wordy < len(plain)
    text = "".join(folded.sequences())
    assert text == text.casefold()
    assert not any(ch in text for ch in ",.;:!?“”‘’()")
    assert folded.n_symbols() < plain.n_symbols()


# ---------------------------------------------------------------- Unicode

UNICODE_TEXT = "cafe\u0301 na\u00efve\n北京 欢迎 你。\n👩\u200d👩\u200d👧 waves 👋🏽\n"


def test_unicode_symbols_are_code_points_and_nothing_is_normalised(tmp_path):
    corpus = load_corpus(f"plain:{write(tmp_path, UNICODE_TEXT)}")
    first, chinese, emoji = corpus.units
    assert first.sequence == "cafe\u0301na\u00efve"  # combining acute stays its own symbol, no NFC
    assert first.boundaries.tolist() == [5]
    assert chinese.sequence == "北京欢迎你。" and chinese.boundaries.tolist() == [2, 4]
    assert emoji.words[0] == "👩\u200d👩\u200d👧" and len(emoji.words[0]) == 5
    assert emoji.sequence.endswith("👋🏽")
    for unit in corpus.units:
        assert to_spaced(unit.sequence, unit.boundaries) == " ".join(unit.words)


def test_unicode_punctuation_removal_keeps_marks_and_emoji(tmp_path):
    corpus = load_corpus(f"plain:{write(tmp_path, UNICODE_TEXT)}", punctuation=False)
    assert corpus.units[0].sequence == "cafe\u0301na\u00efve"
    assert corpus.units[1].sequence == "北京欢迎你"
    assert corpus.units[2].sequence == "👩\u200d👩\u200d👧waves👋🏽"


def test_invalid_utf8_is_a_one_line_corpus_error(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ok line\nbad \xff byte\n")
    with pytest.raises(CorpusError, match="invalid UTF-8 at byte 12"):
        load_corpus(f"plain:{path}")


# ---------------------------------------------------------------- CoNLL-U

CONLLU = """# newdoc id = d1
# text = I don't know.
1\tI\tI\tPRON\t_\t_\t3\tnsubj\t_\t_
2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_
2\tdo\tdo\tAUX\t_\t_\t3\taux\t_\t_
3\tn't\tnot\tPART\t_\t_\t4\tadvmod\t_\t_
4\tknow\tknow\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No
4.1\tknew\tknow\tVERB\t_\t_\t_\t_\t_\t_
5\t.\t.\tPUNCT\t_\t_\t4\tpunct\t_\t_

# text = Al-Zaman: yes
1\tAl\tAl\tPROPN\t_\t_\t0\troot\t_\tSpaceAfter=No
2\t-\t-\tPUNCT\t_\t_\t1\tpunct\t_\tSpaceAfter=No
3\tZaman\tZaman\tPROPN\t_\t_\t1\tflat\t_\tSpaceAfter=No
4\t:\t:\tPUNCT\t_\t_\t1\tpunct\t_\t_
5\tyes\tyes\tINTJ\t_\t_\t1\tdiscourse\t_\t_

# newdoc id = d2
1\t看似\t_\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No
2\t簡單\t_\tADJ\t_\t_\t1\tacl\t_\t_

"""


def test_conllu_multiword_tokens_empty_nodes_and_space_after():
    sentences = parse_conllu(CONLLU)
    first = sentences[0]
    assert first.tokens == ("I", "don't", "know", ".")
    assert first.surface() == "I don't know."
    assert [s.newdoc for s in sentences] == [True, False, True]
    assert sentences[1].surface() == sentences[1].text == "Al-Zaman: yes"
    assert sentences[2].text is None


def test_conllu_documents_from_text_words_or_tokens():
    docs = conllu_documents(parse_conllu(CONLLU), "text")
    assert [[u.words for u in doc] for doc in docs] == [
        [("I", "don't", "know."), ("Al-Zaman:", "yes")], [("看似簡單",)]]
    docs = conllu_documents(parse_conllu(CONLLU), "tokens")
    assert docs[1][0].words == ("看似", "簡單")


def test_conllu_with_a_broken_line_is_a_corpus_error():
    with pytest.raises(CorpusError, match="sentence 1: expected 10 tab-separated columns"):
        parse_conllu("1\tword\tonly three\n")
    with pytest.raises(CorpusError, match="bad token id 'x'"):
        parse_conllu("x\tw\t_\t_\t_\t_\t_\t_\t_\t_\n")


# ---------------------------------------------------------------- plain files and books

def test_plain_auto_detects_lines_and_paragraphs(tmp_path):
    lines = write(tmp_path, "one unit here\nanother unit\nthird\n", "lines.txt")
    paras = write(tmp_path, "a hard\nwrapped para.\n\n\nsecond\npara\n", "paras.txt")
    assert [u.words for u in load_corpus(f"plain:{lines}").units] == [
        ("one", "unit", "here"), ("another", "unit"), ("third",)]
    assert [u.words for u in load_corpus(f"plain:{paras}").units] == [
        ("a", "hard", "wrapped", "para."), ("second", "para")]
    assert len(load_corpus(f"plain-lines:{paras}")) == 4
    assert len(load_corpus(f"plain-paragraphs:{lines}")) == 1
    single = write(tmp_path, "a\n\nb c\n", "single.txt")
    assert len(load_corpus(f"plain:{single}")) == 2
    assert load_corpus(f"plain:{paras}").sentence_labels == "none"


def test_has_paragraphs_needs_blank_lines_and_a_wrapped_block():
    assert not has_paragraphs("a\nb\nc\n")
    assert not has_paragraphs("a\n\nb\n")
    assert has_paragraphs("a\nb\n\nc\n")
    assert paragraphs("x\ny\n \t\nz") == ["x y", "z"]


def test_plain_tagged_symbols(tmp_path):
    path = write(tmp_path, "y u ;eword w a n t ;eword\nD ;esyll 6 ;eword\n")
    corpus = load_corpus(f"plain:{path}", symbols="space")
    assert corpus.units[0].words == (("y", "u"), ("w", "a", "n", "t"))
    assert corpus.units[1].sequence == ("D", "6")
    with pytest.raises(CorpusError, match="';eword'"):
        load_corpus(f"plain:{write(tmp_path, 'no tags here', 'x.txt')}", symbols="space")
    with pytest.raises(CorpusError, match="one unit per line"):
        load_corpus(f"plain-paragraphs:{path}", symbols="space")


def test_plain_errors(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        load_corpus(f"plain:{tmp_path / 'missing.txt'}")
    with pytest.raises(CorpusError, match="give a file"):
        load_corpus("plain:")
    with pytest.raises(CorpusError, match="valid splits: all"):
        load_corpus(f"plain:{write(tmp_path, 'a b')}", "train")


def test_strip_gutenberg_header_and_footer():
    text = ("The Project Gutenberg eBook of X\n\n*** START OF THE PROJECT GUTENBERG EBOOK X ***\n\n"
            "Body text.\n\n*** END OF THE PROJECT GUTENBERG EBOOK X ***\n\nLicence blah.\n")
    assert strip_gutenberg(text).strip() == "Body text."
    assert strip_gutenberg("no markers\n") == "no markers\n"


@pytest.mark.parametrize("text, expected", [
    ("Mr. Darcy came. He sat.", [3]),
    ("It was J. R. Smith. Then “Oh! Yes,” she said.", [5, 7]),
    ("Wait... really? yes.", []),
    ("Costs 3.5 dollars! 42 is a number.", [3]),
    ("我 来 了 。 你 呢 ？ 好", [4, 7]),
])
def test_silver_sentence_splitter(text, expected):
    assert list(sentence_starts(text.split())) == expected


# ---------------------------------------------------------------- round trips

symbol_chars = st.sampled_from(list("abcXYZ'-.,!?") + ["\u0301", "北", "京", "😀", "\u200d", "é", "ß"])
words = st.lists(st.text(symbol_chars, min_size=1, max_size=6), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(words)
def test_round_trip_spaces_at_the_gold_offsets_give_back_the_words(unit_words):
    unit = Unit(tuple(unit_words))
    assert to_spaced(unit.sequence, unit.boundaries) == " ".join(unit_words)
    assert to_segments(unit.sequence, unit.boundaries) == list(unit_words)


@settings(max_examples=100, deadline=None)
@given(st.lists(words, min_size=1, max_size=6), st.booleans(), st.booleans())
def test_round_trip_through_a_file_and_the_view_options(tmp_path_factory, units, punctuation, case):
    path = tmp_path_factory.mktemp("rt") / "units.txt"
    path.write_text("\n".join(" ".join(u) for u in units) + "\n", encoding="utf-8")
    corpus = load_corpus(f"plain-lines:{path}", punctuation=punctuation, case=case)
    view = View(punctuation, case)
    expected = [kept for kept in ([w for w in map(view.word, u) if w] for u in units) if kept]
    assert [list(u.words) for u in corpus.units] == expected
    for unit in corpus.units:
        assert to_spaced(unit.sequence, unit.boundaries) == " ".join(unit.words)
    stream = corpus.stream()
    flat = [w for u in corpus.units for w in u.words]
    assert to_segments(stream.sequence, stream.word_boundaries) == flat


@pytest.mark.parametrize("name", ["sample-en", "sample-brent-phono"])
def test_round_trip_on_the_samples(name):
    corpus = load_corpus(name)
    assert [to_spaced(u.sequence, u.boundaries) for u in corpus.units] == [" ".join(u.words) for u in corpus.units]
    assert isinstance(corpus, Corpus)

"""The named corpora, and ``load_corpus`` / ``list_corpora`` / ``corpus_info``."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

from segment.corpora import books, brent, gutenberg_en, hutter, plain, sighan, treebanks
from segment.corpora.download import RemoteArchive, check_size, ensure
from segment.corpora.locate import cache_dir, find_folder, missing_error
from segment.corpora.types import Corpus, SentenceLabels, Unit
from segment.corpora.view import View
from segment.errors import CorpusError

Reader = Callable[[tuple[Path, ...], str], list[list[Unit]]]
SAMPLES = Path(__file__).resolve().parent / "samples"
UD_SPLITS = ("all", "train", "dev", "test")
CACHE_LIMIT = 50_000_000  # bytes of files whose parsed units are kept in memory between loads
BRENT_NOTE = ("CHILDES data, CC BY-NC-SA 3.0; Brent's version redistributed by S. Goldwater with his permission "
              "(cite MacWhinney & Snow 1985, Bernstein-Ratner 1987, Brent & Cartwright 1996)")


@dataclass(frozen=True)
class CorpusSpec:
    """What a named corpus is and where its files are. ``folder`` is relative to a data directory,
    or absolute for shipped samples and user files."""

    name: str
    description: str
    licence: str
    folder: str
    files: tuple[str, ...]
    splits: tuple[str, ...]
    sentence_labels: SentenceLabels
    unit_kind: str
    read: Reader = field(repr=False)
    remote: RemoteArchive | None = None
    cache: bool = True  # keep parsed units in memory between loads (False for large corpora)


REGISTRY: dict[str, CorpusSpec] = {spec.name: spec for spec in [
    CorpusSpec("brent-text", "Brent-Bernstein-Ratner child-directed speech, orthographic; Goldwater's "
               "5,000/4,790 train/test split", BRENT_NOTE, "brent", ("br-text.txt",),
               ("all", "train", "test"), "gold", "utterance", brent.read_brent),
    CorpusSpec("brent-phono", "Brent-Bernstein-Ratner child-directed speech, phonemic (one ASCII symbol "
               "per phoneme); Goldwater's 5,000/4,790 train/test split", BRENT_NOTE, "brent",
               ("br-phono.txt",), ("all", "train", "test"), "gold", "utterance", brent.read_brent),
    CorpusSpec("ud-en-ewt", "UD English Web Treebank; words are the whitespace words of the raw text",
               "CC BY-SA 4.0", "ud-en-ewt",
               ("en_ewt-ud-train.conllu", "en_ewt-ud-dev.conllu", "en_ewt-ud-test.conllu"),
               UD_SPLITS, "gold", "sentence", treebanks.read_whitespace_words),
    CorpusSpec("ud-zh-gsd", "UD Chinese GSD v2.0, gold word segmentation of unspaced Chinese",
               "CC BY-NC-SA 4.0 (at the v2.0 release)", "ud-zh-gsd",
               ("zh-ud-train.conllu", "zh-ud-dev.conllu", "zh-ud-test.conllu"),
               UD_SPLITS, "gold", "sentence", treebanks.read_token_words),
    CorpusSpec("gutenberg", "Alice in Wonderland, Pride and Prejudice, Sherlock Holmes (Project Gutenberg); "
               "90/5/5 by paragraph position in each book; sentences from a rule-based splitter (silver)",
               "public domain (US)", "gutenberg", ("pg11.txt", "pg1342.txt", "pg1661.txt"),
               ("all", "train", "dev", "test"), "silver", "paragraph", books.read_books),
    CorpusSpec("gutenberg-en", "136 English books (Project Gutenberg, 119 authors, 65 MB); the manifest's "
               "split by book (125/6/5); paragraphs, sentences from a rule-based splitter (silver)",
               "public domain (US)", "gutenberg-en", (gutenberg_en.MANIFEST,), gutenberg_en.SPLITS, "silver",
               "paragraph", gutenberg_en.read_gutenberg_en, cache=False),
    CorpusSpec("sighan-pku", "SIGHAN 2005 Peking University gold test set (unspaced Chinese, gold words); "
               "sentences inside lines from a rule-based splitter (silver)",
               "research / non-commercial use only", "icwb2-pku", ("pku_test_gold.utf8",),
               ("all", "test"), "silver", "line", sighan.read_bakeoff),
    CorpusSpec("sighan-msr", "SIGHAN 2005 Microsoft Research gold test set (unspaced simplified Chinese, news, "
               "gold words); sentences inside lines from a rule-based splitter (silver)",
               "research / non-commercial use only", "icwb2-msr", ("msr_test_gold.utf8",),
               ("all", "test"), "silver", "line", sighan.read_bakeoff),
    CorpusSpec("text8", f"enwik8 cleaned to a-z and spaces, in units of {hutter.TEXT8_UNIT} words; "
               "90/5/5 byte split; downloaded and verified on first use", "Wikipedia text, CC BY-SA",
               "text8", ("text8",), ("all", "train", "dev", "test"), "none",
               f"{hutter.TEXT8_UNIT}-word chunk", hutter.read_text8, hutter.TEXT8),
    CorpusSpec("enwik8", "First 10^8 bytes of an English Wikipedia XML dump (Hutter prize), lines as "
               "units; 90/5/5 byte split; downloaded and verified on first use", "Wikipedia text, CC BY-SA",
               "enwik8", ("enwik8",), ("all", "train", "dev", "test"), "none", "line",
               hutter.read_enwik8, hutter.ENWIK8),
    CorpusSpec("sample-en", "Shipped sample: chapters I-II of Alice's Adventures in Wonderland, paragraphs, "
               "silver sentences; 80/20 by position", "public domain (Project Gutenberg #11)",
               str(SAMPLES), ("alice-ch1-2.txt",), ("all", "train", "test"), "silver", "paragraph",
               books.read_sample_book),
    CorpusSpec("sample-brent-text", "Shipped sample: the first 500 utterances of brent-text; 80/20 by "
               "position", BRENT_NOTE, str(SAMPLES), ("brent-text-500.txt",), ("all", "train", "test"),
               "gold", "utterance", brent.read_sample_brent),
    CorpusSpec("sample-brent-phono", "Shipped sample: the first 500 utterances of brent-phono; 80/20 by "
               "position", BRENT_NOTE, str(SAMPLES), ("brent-phono-500.txt",), ("all", "train", "test"),
               "gold", "utterance", brent.read_sample_brent),
]}


#: Joins corpus names into one training mix: "gutenberg-en+ud-en-ewt".
MIX = "+"
_LABEL_ORDER: tuple[SentenceLabels, ...] = ("none", "silver", "gold")


def mix_parts(name: str) -> list[str]:
    """The corpora a name joins with "+" (a plain:PATH or registered name is one part)."""
    if name in REGISTRY or name.partition(":")[0] in plain.LAYOUTS or MIX not in name:
        return [name]
    parts = name.split(MIX)
    if not all(parts):
        raise CorpusError(f"{name!r}: an empty name in the mix (join names with '{MIX}', e.g. gutenberg-en+ud-en-ewt)")
    return parts


def split_ref(ref: str) -> tuple[str, str]:
    """(name, split) of a "corpus:split" reference; a name alone (``plain:PATH`` included) is its "all" split."""
    name, sep, split = ref.rpartition(":")
    return (ref, "all") if not sep or ref.partition(":")[0] in plain.LAYOUTS else (name, split)


def list_corpora() -> list[str]:
    """The registered corpus names (user files are loaded as ``plain:PATH``)."""
    return list(REGISTRY)


def get_spec(name: str, symbols: str = "chars") -> CorpusSpec:
    """The spec of a registered name or of a ``plain:PATH`` user file."""
    prefix, sep, path = name.partition(":")
    if sep and prefix in plain.LAYOUTS:
        if not path:
            raise CorpusError(f"{name!r}: give a file after the colon, e.g. {prefix}:my_text.txt")
        file = Path(path).expanduser().resolve()
        if not file.is_file():
            raise CorpusError(f"{name}: no such file {file}")
        return CorpusSpec(name, f"user file {file}", "as the file's owner grants", str(file.parent),
                          (file.name,), ("all",), "none", "line or paragraph",
                          plain.reader(plain.LAYOUTS[prefix], symbols))
    if name not in REGISTRY:
        raise CorpusError(f"unknown corpus {name!r}; known: {', '.join(REGISTRY)}, plain:PATH")
    return REGISTRY[name]


def locate(spec: CorpusSpec, data_dir=None, *, required: bool = True) -> Path | None:
    """The folder holding the spec's files. When they are missing: with ``required``, download a remote
    corpus into the cache or raise a CorpusError saying where it looked; else return None."""
    if os.path.isabs(spec.folder):
        return Path(spec.folder)
    found = find_folder(spec.folder, spec.files, data_dir)
    if found is not None and spec.remote is not None:
        check_size(found / spec.remote.member, spec.remote.content)
    if found is None and required:
        if spec.remote is None:
            raise missing_error(spec.folder, spec.files, data_dir)
        found = ensure(spec.remote, cache_dir() / spec.folder).parent
    return found


def _stamp(paths: tuple[Path, ...]) -> tuple[tuple[int, int], ...]:
    stats = [p.stat() for p in paths]
    return tuple((s.st_mtime_ns, s.st_size) for s in stats)


@lru_cache(maxsize=16)
def _read(read: Reader, paths: tuple[Path, ...], split: str, stamp: tuple) -> tuple[tuple[Unit, ...], ...]:
    """Raw documents, cached per file set and modification stamp (callers get fresh lists); files over
    CACHE_LIMIT bytes in all (text8, enwik8) are read afresh each time."""
    return tuple(tuple(doc) for doc in read(paths, split))


def load_corpus(name: str, split: str = "all", data_dir=None, *, punctuation: bool = True,
                case: bool = True, symbols: str = "chars") -> Corpus:
    """Load a corpus split as documents of units, seen through the view options.

    ``data_dir`` overrides ``$ACTSEG_DATA`` and the cache; text8 and enwik8 are downloaded into the cache
    (and verified) when no copy is found.
    """
    parts = mix_parts(name)
    if len(parts) > 1:
        loaded = [load_corpus(part, split, data_dir, punctuation=punctuation, case=case, symbols=symbols)
                  for part in parts]
        return Corpus(name, split, [doc for c in loaded for doc in c.documents],
                      min((c.sentence_labels for c in loaded), key=_LABEL_ORDER.index),
                      "/".join(dict.fromkeys(c.unit_kind for c in loaded)))
    view = View(punctuation, case, symbols)
    spec = get_spec(name, symbols)
    if split not in spec.splits:
        raise CorpusError(f"corpus {name!r} has no split {split!r}; valid splits: {', '.join(spec.splits)}")
    folder = locate(spec, data_dir)
    paths = tuple(folder / f for f in spec.files)
    stamp = _stamp(paths)
    read = _read if spec.cache and sum(size for _, size in stamp) <= CACHE_LIMIT else _read.__wrapped__
    raw = read(spec.read, paths, split, stamp)
    return Corpus(name, split, view.documents([list(doc) for doc in raw]), spec.sentence_labels,
                  spec.unit_kind)


@dataclass(frozen=True)
class Sizes:
    units: int
    words: int
    symbols: int


@dataclass(frozen=True)
class CorpusInfo:
    """What ``corpus_info`` reports. ``sizes`` (per split) is counted on first access by loading every
    split, and is empty when the files are not available."""

    name: str
    description: str
    licence: str
    splits: tuple[str, ...]
    unit_kind: str
    sentence_labels: SentenceLabels
    location: Path | None
    downloadable: bool
    data_dir: Path | None = field(default=None, repr=False)

    @property
    def available(self) -> bool:
        return self.location is not None

    @cached_property
    def sizes(self) -> dict[str, Sizes]:
        if not self.available:
            return {}
        corpora = (load_corpus(self.name, split, self.data_dir) for split in self.splits)
        return {c.split: Sizes(len(c), c.n_words(), c.n_symbols()) for c in corpora}


def corpus_info(name: str, data_dir=None) -> CorpusInfo:
    """Description, licence note, splits, location and sizes of a corpus (of a mix: the splits every part
    has, located when every part is). Never downloads."""
    parts = mix_parts(name)
    if len(parts) > 1:
        infos = [corpus_info(part, data_dir) for part in parts]
        splits = tuple(s for s in infos[0].splits if all(s in i.splits for i in infos))
        return CorpusInfo(name, " + ".join(i.description for i in infos), "; ".join(i.licence for i in infos),
                          splits, "/".join(dict.fromkeys(i.unit_kind for i in infos)),
                          min((i.sentence_labels for i in infos), key=_LABEL_ORDER.index),
                          infos[0].location if all(i.available for i in infos) else None,
                          any(i.downloadable for i in infos), None if data_dir is None else Path(data_dir))
    spec = get_spec(name)
    return CorpusInfo(spec.name, spec.description, spec.licence, spec.splits, spec.unit_kind,
                      spec.sentence_labels, locate(spec, data_dir, required=False), spec.remote is not None,
                      None if data_dir is None else Path(data_dir))

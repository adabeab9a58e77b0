"""Corpora: download + verify into the cache (file:// URLs to tiny zips, no network), text8/enwik8 readers."""

import dataclasses
import hashlib
import zipfile

import pytest

from segment.corpora import corpus_info, load_corpus, registry
from segment.corpora.download import Checksum, RemoteArchive, download, ensure
from segment.corpora.hutter import TEXT8_UNIT, byte_split
from segment.errors import ChecksumError, CorpusError


def checksum(data: bytes) -> Checksum:
    return Checksum(len(data), sha1=hashlib.sha1(data).hexdigest(), md5=hashlib.md5(data).hexdigest())


def make_remote(tmp_path, member: str, content: bytes) -> RemoteArchive:
    archive = tmp_path / "remote" / f"{member}.zip"
    archive.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, content)
    return RemoteArchive(archive.as_uri(), checksum(archive.read_bytes()), member, checksum(content))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.delenv("ACTSEG_DATA", raising=False)
    monkeypatch.setenv("ACTSEG_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def use_remote(monkeypatch, name, remote):
    monkeypatch.setitem(registry.REGISTRY, name, dataclasses.replace(registry.REGISTRY[name], remote=remote))


def test_download_verifies_and_keeps_the_file(tmp_path):
    source = tmp_path / "data.bin"
    source.write_bytes(b"x" * 3000)
    dest = download(source.as_uri(), tmp_path / "out" / "data.bin", checksum(source.read_bytes()))
    assert dest.read_bytes() == b"x" * 3000


@pytest.mark.parametrize("bad", [dict(sha1="0" * 40), dict(md5="0" * 32), dict(size=2999)])
def test_checksum_mismatch_deletes_the_partial_file(tmp_path, bad):
    source = tmp_path / "data.bin"
    source.write_bytes(b"x" * 3000)
    expected = dataclasses.replace(checksum(source.read_bytes()), **bad)
    with pytest.raises(ChecksumError, match="checksum mismatch"):
        download(source.as_uri(), tmp_path / "out" / "data.bin", expected)
    assert list((tmp_path / "out").iterdir()) == []


def test_unreachable_url_is_a_corpus_error(tmp_path):
    with pytest.raises(CorpusError, match="cannot download"):
        download((tmp_path / "absent.zip").as_uri(), tmp_path / "out.zip", Checksum(1))


def test_ensure_extracts_the_member_and_removes_the_archive(tmp_path):
    remote = make_remote(tmp_path, "text8", b" anarchism originated as a term")
    target = ensure(remote, tmp_path / "cache" / "text8")
    assert target.read_bytes() == b" anarchism originated as a term"
    assert sorted(p.name for p in target.parent.iterdir()) == ["text8"]
    (tmp_path / "remote" / "text8.zip").unlink()
    assert ensure(remote, tmp_path / "cache" / "text8") == target  # found, not fetched again


def test_a_member_with_the_wrong_digest_is_not_kept(tmp_path):
    remote = make_remote(tmp_path, "enwik8", b"<mediawiki>\n</mediawiki>\n")
    remote = dataclasses.replace(remote, content=dataclasses.replace(remote.content, sha1="1" * 40))
    with pytest.raises(ChecksumError, match="SHA1"):
        ensure(remote, tmp_path / "cache" / "enwik8")
    assert list((tmp_path / "cache" / "enwik8").iterdir()) == []


def test_an_archive_without_the_member_is_a_corpus_error(tmp_path):
    remote = dataclasses.replace(make_remote(tmp_path, "other", b"abc"), member="text8")
    with pytest.raises(CorpusError, match="not a zip holding 'text8'"):
        ensure(remote, tmp_path / "cache" / "text8")


def test_text8_downloads_on_first_use_and_chunks_words(tmp_path, cache, monkeypatch):
    words = [f"w{i % 37}" for i in range(1000)]
    content = (" " + " ".join(words)).encode()
    use_remote(monkeypatch, "text8", make_remote(tmp_path, "text8", content))
    assert not corpus_info("text8").available
    corpus = load_corpus("text8")
    assert (cache / "text8" / "text8").read_bytes() == content
    assert [len(u.words) for u in corpus.units] == [TEXT8_UNIT] * (1000 // TEXT8_UNIT)
    assert [w for u in corpus.units for w in u.words] == words
    assert corpus.sentence_labels == "none"
    parts = [load_corpus("text8", split) for split in ("train", "dev", "test")]
    assert [w for p in parts for u in p.units for w in u.words] == words
    assert 850 < parts[0].n_words() < 950
    info = corpus_info("text8")
    assert info.available and info.sizes["all"].words == 1000


def test_text8_copy_in_the_data_dir_with_the_wrong_size_is_rejected(tmp_path, monkeypatch):
    use_remote(monkeypatch, "text8", make_remote(tmp_path, "text8", b" a b c"))
    (tmp_path / "data" / "text8").mkdir(parents=True)
    (tmp_path / "data" / "text8" / "text8").write_bytes(b" a b")
    with pytest.raises(ChecksumError, match="expected 6"):
        load_corpus("text8", data_dir=tmp_path / "data")


def test_enwik8_lines_and_utf8_safe_split(tmp_path, cache, monkeypatch):
    lines = [f"<page>{i} é 北</page>" for i in range(200)]
    content = ("\n".join(lines) + "\n").encode()
    use_remote(monkeypatch, "enwik8", make_remote(tmp_path, "enwik8", content))
    parts = [load_corpus("enwik8", split) for split in ("train", "dev", "test")]
    got = [" ".join(u.words) for p in parts for u in p.units]
    assert got == lines
    assert "\ufffd" not in "".join(got)


def test_byte_split_moves_cuts_to_the_delimiter():
    data = b" ".join(b"w%d" % i for i in range(200))
    parts = [byte_split(data, s, b" ") for s in ("train", "dev", "test")]
    assert b"".join(parts) == data == byte_split(data, "all", b" ")
    assert all(p.split() for p in parts)
    assert b" ".join(w for p in parts for w in p.split()) == b" ".join(data.split())

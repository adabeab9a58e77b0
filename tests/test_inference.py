"""Signals of an ACT model: alignment, chunking with left context, batching, unknown symbols."""

import logging
import math

import numpy as np
import pytest
import torch

from segment.models.act_lstm import ACTConfig, ACTLanguageModel
from segment.models import inference
from segment.models.inference import SIGNAL_NAMES, Signals, compute_signals, mean_signals, show_progress
from segment.models.vocab import Vocab

TEXT = ["thecatsatonthemat", "adog", "x", "", "whatabeautifuldayitisforawalkinthepark"]


@pytest.fixture(scope="module")
def model() -> ACTLanguageModel:
    torch.manual_seed(0)
    vocab = Vocab.build(TEXT)
    return ACTLanguageModel(ACTConfig(vocab_size=len(vocab), hidden=12, max_steps=5, halt_bias=-0.5,
                                      halt_init="uniform"), vocab)  # untrained: ponder varies by symbol


def assert_same(a: list[Signals], b: list[Signals]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b):
        for name in SIGNAL_NAMES:
            np.testing.assert_allclose(getattr(x, name), getattr(y, name), atol=1e-5, err_msg=name)


def test_signals_are_aligned_with_a_direct_forward_pass(model):
    seq = TEXT[0]
    [signals] = compute_signals(model, [seq])
    ids = torch.tensor([[model.vocab.sep_id, *model.vocab.encode(seq)]])
    with torch.no_grad():
        out = model(ids)
    log_p = torch.log_softmax(out.logits[0], dim=-1).numpy()
    n = len(seq)
    np.testing.assert_allclose(signals.ponder, out.ponder[0, 1:].numpy(), atol=1e-6)
    np.testing.assert_allclose(signals.halt_first, out.halt_first[0, 1:].numpy(), atol=1e-6)
    expected_surprisal = [-log_p[t, ids[0, t + 1]] / math.log(2) for t in range(n)]
    np.testing.assert_allclose(signals.surprisal, expected_surprisal, atol=1e-5)
    expected_entropy = [-(np.exp(log_p[t]) * log_p[t]).sum() / math.log(2) for t in range(n)]
    np.testing.assert_allclose(signals.entropy, expected_entropy, atol=1e-5)


def test_class_probabilities_sum_the_next_symbol_distribution_over_each_class():
    torch.manual_seed(1)
    text = ["The cat. Sat!", "(Oh) «Quiet»?"]
    vocab = Vocab.build(text)
    model = ACTLanguageModel(ACTConfig(vocab_size=len(vocab), hidden=8, max_steps=3), vocab)
    seq = text[0] + text[1]
    [signals] = compute_signals(model, [seq])
    ids = torch.tensor([[vocab.sep_id, *vocab.encode(seq)]])
    with torch.no_grad():
        probs = torch.softmax(model(ids).logits[0], dim=-1).numpy()
    members = {"p_upper": set("TSOQ"), "p_terminal": set(".!?"), "p_punctuation": set(".!?()«»"),
               "p_sep": {"<sep>"}}
    for name, chars in members.items():
        columns = [vocab.index[c] for c in chars]
        np.testing.assert_allclose(getattr(signals, name), probs[:len(seq), columns].sum(-1), atol=1e-6, err_msg=name)
    matrix = inference.class_matrix(vocab)
    assert matrix.shape == (len(vocab), 4) and not matrix[vocab.unk_id].any()
    assert matrix[vocab.sep_id].tolist() == [0, 0, 0, 1] and matrix[:, 3].sum() == 1
    assert np.all(signals.p_terminal <= signals.p_punctuation + 1e-6)


def test_signal_fields_are_consistent(model):
    for seq, signals in zip(TEXT, compute_signals(model, TEXT)):
        for name in SIGNAL_NAMES:
            assert getattr(signals, name).shape == (len(seq),)
        np.testing.assert_allclose(signals.ponder, signals.steps + signals.remainder, atol=1e-6)
        assert np.all(signals.steps >= 1) and np.all(signals.steps <= 5)
        assert np.all(signals.entropy >= -1e-6) and np.all(signals.entropy <= math.log2(len(model.vocab)) + 1e-5)
        assert np.all(signals.surprisal >= 0)
        for name in ("p_upper", "p_terminal", "p_punctuation", "p_sep"):
            assert np.all(getattr(signals, name) >= 0) and np.all(getattr(signals, name) <= 1 + 1e-6)


@pytest.mark.parametrize("chunk_len,batch_size", [(1, 1), (5, 3), (7, 64)])
def test_chunked_equals_whole_sequence_when_the_context_covers_the_input(model, chunk_len, batch_size):
    whole = compute_signals(model, TEXT, chunk_len=10_000, context=0)
    chunked = compute_signals(model, TEXT, chunk_len=chunk_len, context=10_000, batch_size=batch_size)
    assert_same(chunked, whole)


def test_a_position_sees_its_chunk_window_and_nothing_else(model):
    seq = TEXT[4]
    chunk_len, context = 6, 4
    [signals] = compute_signals(model, [seq], chunk_len=chunk_len, context=context)
    for t in (0, 5, 6, 11, 20, len(seq) - 1):
        start = t // chunk_len * chunk_len
        window = max(0, start - context)
        [direct] = compute_signals(model, [seq[window:t + 1]], chunk_len=10_000)
        for name in SIGNAL_NAMES:
            assert getattr(signals, name)[t] == pytest.approx(getattr(direct, name)[-1], abs=1e-5), (t, name)


def test_results_do_not_depend_on_batching_or_neighbours(model):
    alone = [compute_signals(model, [s], chunk_len=8, context=3)[0] for s in TEXT]
    assert_same(compute_signals(model, TEXT, chunk_len=8, context=3, batch_size=2), alone)
    assert_same(compute_signals(model, TEXT[::-1], chunk_len=8, context=3, batch_size=64), alone[::-1])


def test_every_forward_pass_is_bounded_by_batch_and_window(model, monkeypatch):
    shapes = []
    forward = type(model).forward
    monkeypatch.setattr(type(model), "forward", lambda m, ids: (shapes.append(tuple(ids.shape)), forward(m, ids))[1])
    compute_signals(model, ["abcdefgh" * 40], chunk_len=16, context=4, batch_size=5)
    assert len(shapes) == math.ceil(320 / 16 / 5)
    assert all(b <= 5 and t <= 1 + 16 + 4 for b, t in shapes)


def test_entropy_and_surprisal_in_row_blocks_equal_a_whole_batch_pass(model, monkeypatch):
    whole = compute_signals(model, TEXT, chunk_len=4, context=2)
    monkeypatch.setattr(inference, "_HEAD_ROWS", 3)
    for a, b in zip(compute_signals(model, TEXT, chunk_len=4, context=2), whole):
        for name in SIGNAL_NAMES:
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize("progress,env,symbols,shown", [
    (None, None, 20_000, False), (None, None, 20_001, True), (None, "0", 10**6, False), (None, "off", 10**6, False),
    (None, "1", 5, True), (False, "1", 10**6, False), (True, "0", 5, True)])
def test_progress_bar_for_large_inputs_unless_switched(monkeypatch, progress, env, symbols, shown):
    if env is None:
        monkeypatch.delenv("ACTSEG_PROGRESS", raising=False)
    else:
        monkeypatch.setenv("ACTSEG_PROGRESS", env)
    assert show_progress(progress, symbols) is shown


def test_progress_bar_goes_to_stderr_in_symbols(model, monkeypatch, capsys):
    monkeypatch.delenv("ACTSEG_PROGRESS", raising=False)
    monkeypatch.setattr(inference, "PROGRESS_MIN_SYMBOLS", len(TEXT[0]))
    compute_signals(model, TEXT[:1])
    assert capsys.readouterr() == ("", "")
    compute_signals(model, TEXT, batch_size=2)
    out, err = capsys.readouterr()
    assert out == "" and "signals:" in err and f"/{sum(map(len, TEXT))}.0 " in err  # the total, in symbols


def test_lists_of_symbols_and_unknown_symbols_reported_once(model, caplog):
    with caplog.at_level(logging.WARNING, logger="segment.models.inference"):
        signals = compute_signals(model, [list("thecat") + ["zz", "zz"], "ta?"])
    assert [len(s.ponder) for s in signals] == [8, 3]
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "'zz' x2" in message and "'?' x1" in message and message.startswith("3 occurrence(s) of 2 symbol(s)")


def test_empty_inputs_and_eval_mode_restored(model):
    model.train()
    assert compute_signals(model, []) == []
    [empty] = compute_signals(model, [""])
    assert all(getattr(empty, name).shape == (0,) for name in SIGNAL_NAMES)
    assert model.training


def test_bad_arguments():
    with pytest.raises(ValueError, match="vocabulary"):
        compute_signals(ACTLanguageModel(ACTConfig(vocab_size=4, hidden=4)), ["ab"])
    model = ACTLanguageModel(ACTConfig(vocab_size=4, hidden=4), Vocab.build(["ab"]))
    with pytest.raises(ValueError, match="chunk_len"):
        compute_signals(model, ["ab"], chunk_len=0)


def test_mean_signals_average_every_signal_over_the_models(model):
    torch.manual_seed(5)
    other = ACTLanguageModel(ACTConfig(vocab_size=len(model.vocab), hidden=12, max_steps=5, halt_bias=-0.5,
                                       halt_init="uniform"), model.vocab)
    a, b = compute_signals(model, TEXT), compute_signals(other, TEXT)
    mean = mean_signals([a, b])
    assert len(mean) == len(TEXT)
    for x, y, m in zip(a, b, mean):
        for name in SIGNAL_NAMES:
            assert getattr(m, name).dtype == np.float32
            np.testing.assert_allclose(getattr(m, name), (getattr(x, name) + getattr(y, name)) / 2, atol=1e-6)
    assert_same(mean_signals([a]), a)
    with pytest.raises(ValueError, match="one model or more"):
        mean_signals([])
    with pytest.raises(ValueError, match=r"different numbers of sequences \(5, 2\)"):
        mean_signals([a, b[:2]])

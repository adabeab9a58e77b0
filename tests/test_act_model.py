"""ACT-LSTM: halting arithmetic, the ponder-cost gradient, the controls, the vocabulary. Tests that hook the
halting unit run the specification (`reference_forward`); tests/test_fast_act.py holds the fast path to it."""

import pytest
import torch

from segment.models import ACTConfig, ACTLanguageModel, Vocab


def make_model(seed=0, **kw) -> ACTLanguageModel:
    torch.manual_seed(seed)
    return ACTLanguageModel(ACTConfig(**{"vocab_size": 7, "hidden": 6, **kw}))


def random_ids(B=4, T=9, V=7, seed=1):
    return torch.randint(0, V, (B, T), generator=torch.Generator().manual_seed(seed))


def spread_halting(model, scale=3.0):
    """Random halting weights and a lower bias, so positions stop after various numbers of updates."""
    with torch.no_grad():
        model.halt.weight.normal_(0, scale, generator=torch.Generator().manual_seed(5))
        model.halt.bias.fill_(-1.0)


def capture_halting(model):
    """Record every halting output (one (B,) tensor per update) with its gradient retained."""
    captured = []

    def hook(module, inputs, output):
        output.retain_grad()
        captured.append(output)

    model.halt.register_forward_hook(hook)
    return captured


@pytest.mark.parametrize("layers", [1, 2])
def test_halting_weights_sum_to_one_and_steps_in_range(layers):
    model = make_model(layers=layers, max_steps=5)
    spread_halting(model)
    out = model(random_ids())
    weights = out.halt.clone()  # p_n = h_n for n < N, R at N, 0 after
    N = out.steps
    idx = (N - 1).unsqueeze(-1)
    weights.scatter_(2, idx, out.remainder.unsqueeze(-1))
    n_range = torch.arange(1, 6).view(1, 1, -1)
    weights = torch.where(n_range <= N.unsqueeze(-1), weights, torch.zeros_like(weights))
    torch.testing.assert_close(weights.sum(-1), torch.ones_like(out.remainder))
    assert N.min() >= 1 and N.max() <= 5
    assert len(set(N.flatten().tolist())) > 1, "test setup: positions should halt after different counts"
    assert (out.remainder > 0).all() and (out.remainder <= 1).all()
    torch.testing.assert_close(out.ponder, N.float() + out.remainder)


def test_stop_rule_counts_current_step_once():
    """N is the first n whose summed halting outputs (this one included, once) reach 1 - eps."""
    model = make_model(max_steps=6)
    spread_halting(model)
    out = model(random_ids())
    eps = model.config.eps
    cum = out.halt.cumsum(-1)
    for b in range(out.steps.shape[0]):
        for t in range(out.steps.shape[1]):
            n = int(out.steps[b, t])
            reached = (cum[b, t] >= 1 - eps).nonzero()
            expected = int(reached[0]) + 1 if len(reached) else 6
            assert n == min(expected, 6)
            torch.testing.assert_close(out.remainder[b, t], 1 - (cum[b, t, n - 2] if n > 1 else torch.tensor(0.)))


def test_ponder_gradient_is_minus_tau_before_N_and_zero_at_N():
    """d(tau * mean rho)/d h^n = -tau/count for n < N and 0 at n = N (and after). One position per
    call with the incoming state detached, so only the direct path through R(t) counts."""
    tau, M = 0.37, 5
    model = make_model(max_steps=M, tau=tau)
    spread_halting(model)
    captured = capture_halting(model)
    ids = random_ids(B=16, T=4)
    state, seen = None, set()
    for t in range(ids.shape[1]):
        captured.clear()
        out = model.reference_forward(ids[:, t:t + 1], state=state)
        (tau * out.ponder.mean()).backward()
        assert len(captured) == M
        N = out.steps[:, 0]
        seen.update(N.tolist())
        for n, halt_n in enumerate(captured, start=1):
            expected = torch.where(n < N, torch.full_like(halt_n, -tau / N.numel()), torch.zeros_like(halt_n))
            grad = torch.zeros_like(halt_n) if halt_n.grad is None else halt_n.grad  # None: no path at all
            torch.testing.assert_close(grad, expected)
        state = tuple(s.detach() for s in out.state)
    assert len(seen) > 2, "test setup: positions should halt after different counts"


def test_remainder_carries_task_loss_gradient():
    model = make_model(max_steps=5, tau=0.0)
    spread_halting(model)
    captured = capture_halting(model)
    ids = random_ids()
    out = model.reference_forward(ids, targets=random_ids(seed=2))
    assert (out.steps > 1).any()
    out.loss.backward()
    assert model.halt.weight.grad.abs().sum() > 0
    first = torch.stack([captured[t * 5].grad for t in range(ids.shape[1])], dim=1)  # (B, T)
    assert (first[out.steps > 1] != 0).all()
    assert (first[out.steps == 1] == 0).all()


def test_bias_plus_one_starts_at_two_updates():
    torch.manual_seed(0)
    model = ACTLanguageModel(ACTConfig(vocab_size=7, hidden=6, max_steps=10))
    with torch.no_grad():
        model.halt.weight.zero_()
    out = model(random_ids())
    assert (out.steps == 2).all()
    torch.testing.assert_close(out.ponder, torch.full_like(out.ponder, 3 - torch.sigmoid(torch.tensor(1.0)).item()))


def copy_into_torch_lstm(model: ACTLanguageModel) -> torch.nn.LSTM:
    cfg = model.config
    lstm = torch.nn.LSTM(cfg.embed or cfg.hidden, cfg.hidden, num_layers=cfg.layers, batch_first=True)
    with torch.no_grad():
        for layer in range(cfg.layers):
            w_ih = model.weight_ih[layer]
            bias = model.bias[layer].clone()
            if layer == 0:  # the flag is always 1 with one update: it folds into the bias
                bias += w_ih[:, -1]
                w_ih = w_ih[:, :-1]
            getattr(lstm, f"weight_ih_l{layer}").copy_(w_ih)
            getattr(lstm, f"weight_hh_l{layer}").copy_(model.weight_hh[layer])
            getattr(lstm, f"bias_ih_l{layer}").copy_(bias)
            getattr(lstm, f"bias_hh_l{layer}").zero_()
    return lstm


@pytest.mark.parametrize("layers", [1, 2])
def test_no_act_is_a_plain_lstm(layers):
    model = make_model(act=False, layers=layers, embed=5)
    lstm = copy_into_torch_lstm(model)
    ids = random_ids()
    out = model(ids)
    hidden, (h, c) = lstm(model.embedding(ids))
    torch.testing.assert_close(out.logits, model.decoder(hidden))
    torch.testing.assert_close(out.state[0], h)
    torch.testing.assert_close(out.state[1], c)
    assert (out.steps == 1).all() and (out.ponder == 2).all()


def test_max_steps_one_equals_no_act():
    plain = make_model(act=False, layers=2)
    act = make_model(seed=3, max_steps=1, layers=2)
    missing, unexpected = act.load_state_dict(plain.state_dict(), strict=False)
    assert missing == ["halt.weight", "halt.bias"] and not unexpected
    ids = random_ids()
    torch.testing.assert_close(act(ids).logits, plain(ids).logits)
    assert (act(ids).ponder == 2).all()


def test_fixed_steps_uses_last_update():
    K = 3
    model = make_model(fixed_steps=K)
    ids = random_ids(B=2, T=4)
    out = model(ids)
    assert (out.steps == K).all() and (out.ponder == K + 1).all()
    # by hand: K updates from the previous state, flag on the first, output = last update's h
    h, c = model.initial_state(2)
    x = model.embedding(ids) @ model.weight_ih[0][:, :-1].t() + model.bias[0]
    for t in range(4):
        for n in range(K):
            h, c = model.cell(x[:, t] + (model.weight_ih[0][:, -1] if n == 0 else 0), h, c)
        torch.testing.assert_close(out.logits[:, t], model.decoder(h[-1]))


def test_state_carries_across_chunks():
    model = make_model(max_steps=4)
    spread_halting(model)
    ids = random_ids(T=10)
    whole = model(ids)
    first = model(ids[:, :6])
    second = model(ids[:, 6:], state=first.state)
    torch.testing.assert_close(torch.cat([first.logits, second.logits], 1), whole.logits)
    torch.testing.assert_close(torch.cat([first.ponder, second.ponder], 1), whole.ponder)


def test_loss_adds_tau_times_mean_ponder_only_with_act():
    ids, targets = random_ids(), random_ids(seed=9)
    act = make_model(tau=0.5)(ids, targets)
    torch.testing.assert_close(act.loss, act.ce + 0.5 * act.ponder.mean())
    control = make_model(fixed_steps=2, tau=0.5)(ids, targets)
    torch.testing.assert_close(control.loss, control.ce)


def test_config_validation():
    with pytest.raises(ValueError, match="max_steps"):
        ACTConfig(vocab_size=5, max_steps=0)
    with pytest.raises(ValueError, match="vocab"):
        ACTLanguageModel(ACTConfig(vocab_size=5), Vocab.build(["ab"]))


def test_loop_steps_is_the_cap_k_or_one():
    assert ACTConfig(vocab_size=5, max_steps=6).loop_steps == 6
    assert ACTConfig(vocab_size=5, fixed_steps=3).loop_steps == 3
    assert ACTConfig(vocab_size=5, act=False).loop_steps == 1


def test_vocab_specials_order_and_unknowns():
    vocab = Vocab.build(["abca", "cb", "zz"], min_count=2)
    assert vocab.symbols[:2] == ["<unk>", "<sep>"]
    assert vocab.symbols[2:] == ["a", "b", "c", "z"]
    assert vocab.encode("abq") == [2, 3, 0]
    assert vocab.unknown_symbols("abqx") == {"q", "x"}
    assert vocab.unknown_counts(["qq", "xa"]) == {"q": 2, "x": 1}
    assert vocab.decode([1, 4]) == ["<sep>", "c"]
    assert Vocab.from_json(vocab.to_json()) == vocab
    phonemes = Vocab.build([("aI", "t"), ("t",)])
    assert phonemes.encode(("t", "aI", "oU")) == [2, 3, 0]


def test_vocab_from_bad_json_names_source():
    from segment.errors import ModelLoadError

    with pytest.raises(ModelLoadError, match="v.json"):
        Vocab.from_json('{"symbols": ["a"]}', source="v.json")


def test_halting_initialisation_zero_or_uniform():
    ids = torch.randint(0, 7, (3, 9), generator=torch.Generator().manual_seed(0))
    zero = make_model(halt_bias=0.5)  # the default: every symbol starts with the same halting outputs
    assert zero.halt.weight.abs().sum() == 0 and zero.halt.bias.item() == 0.5
    out = zero(ids)
    torch.testing.assert_close(out.halt_first, torch.full_like(out.halt_first, torch.sigmoid(torch.tensor(0.5)).item()))
    uniform = make_model(halt_bias=0.5, halt_init="uniform")
    bound = 1 / (2 * 6) ** 0.5  # nn.Linear's default over the 2H state inputs
    assert 0 < uniform.halt.weight.abs().max() <= bound and uniform.halt.bias.item() == 0.5
    assert uniform(ids).halt_first.std() > 0
    with pytest.raises(ValueError, match="halt_init"):
        ACTConfig(vocab_size=5, halt_init="normal")



def halting_grads(model, ids):
    """Halting-unit parameter gradients of the loss (reference path) and the steps taken."""
    model.zero_grad(set_to_none=True)
    out = model.reference_forward(ids, random_ids(seed=2))
    out.loss.backward()
    return model.halt.weight.grad, model.halt.bias.grad, out.steps


def test_collapse_is_absorbing_for_graves_halting_but_not_for_bounded_halting():
    """At N = 1 everywhere Graves's halting unit gets exactly no gradient; bounded halting never reaches N = 1,
    so the same saturated unit still learns."""
    ids = random_ids()
    for bounded in (False, True):
        model = make_model(halt_bias=12.0, halt_bounded=bounded, eps=0.05)
        spread_halting(model, scale=0.01)
        with torch.no_grad():
            model.halt.bias.fill_(12.0)  # halting output ~1 at the first update
        weight_grad, bias_grad, steps = halting_grads(model, ids)
        if bounded:
            assert steps.min() == 2 and steps.max() == 2
            assert bias_grad.abs().item() > 0 and weight_grad.abs().sum() > 0
        else:
            assert (steps == 1).all()
            assert bias_grad.abs().item() == 0 and weight_grad.abs().sum() == 0


def test_bounded_halting_outputs_stay_below_one_minus_two_eps():
    model = make_model(halt_bounded=True, eps=0.1, max_steps=6, halt_bias=20.0)  # sigmoid saturated at 1
    out = model(random_ids())
    torch.testing.assert_close(out.halt_first, torch.full_like(out.halt_first, 0.8))  # the bound, not more
    assert out.steps.min() >= 2
    assert model.config.halt_scale == pytest.approx(0.8) and make_model().config.halt_scale == 1.0
    with pytest.raises(ValueError, match="halt_bounded"):
        ACTConfig(vocab_size=5, halt_bounded=True, eps=0.0)


def test_normalised_halting_input_ignores_the_state_scale():
    """With halt_input="norm" the halting output depends on the state's direction, not its size."""
    graves, norm = make_model(), make_model(halt_input="norm")
    for model in (graves, norm):
        spread_halting(model)
    state = torch.randn(5, 12, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(norm.halt(state), norm.halt(7.0 * state))
    assert not torch.allclose(graves.halt(state), graves.halt(7.0 * state))
    assert not any(name.startswith("halt.") and "norm" in name for name, _ in norm.named_parameters())
    with pytest.raises(ValueError, match="halt_input"):
        ACTConfig(vocab_size=5, halt_input="layernorm")

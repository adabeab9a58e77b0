"""Fast ACT path (segment.models.fast_act) against the reference ACTLanguageModel.forward: same outputs,
same carried state, same loss and the same gradient for every parameter and the initial state."""

import pytest
import torch

from segment.models import ACTConfig, ACTLanguageModel
from segment.models.fast_act import fast_forward

FIELDS = ("logits", "loss", "ce", "ponder", "steps", "remainder", "halt_first", "halt")
TOL = {"rtol": 1e-4, "atol": 2e-5}  # float32 rounding: the two paths sum in different orders


def reference(model: ACTLanguageModel):
    """The readable loop (``reference_forward`` once ``forward`` dispatches to the fast path)."""
    return getattr(model, "reference_forward", model.forward)


def make_case(seed: int, *, vocab: int = 11, batch: int = 3, seq: int = 7, spread: bool = True, **config):
    """A seeded model (halting weights spread so rows halt after different counts), ids, targets, state."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = ACTLanguageModel(ACTConfig(vocab_size=vocab, tau=0.05, **config))
    if spread and model.halt is not None:
        with torch.no_grad():
            model.halt.weight.normal_(0, 0.7, generator=gen)
            model.halt.bias.fill_(-0.3)
    ids = torch.randint(0, vocab, (batch, seq), generator=gen)
    targets = torch.randint(0, vocab, (batch, seq), generator=gen)
    targets[0, 0] = -100  # an ignored position
    shape = (model.config.layers, batch, model.config.hidden)
    state = (torch.randn(shape, generator=gen), torch.randn(shape, generator=gen))
    return model, ids, targets, state


def run(forward, model, ids, targets, state, seed=0):
    """Forward + backward of a loss that reaches every output; returns the output and all gradients."""
    model.zero_grad(set_to_none=True)
    state = tuple(s.clone().requires_grad_(True) for s in state)
    torch.manual_seed(seed)  # the same dropout mask on both paths
    out = forward(ids, targets, state)
    probe = torch.linspace(-1, 1, out.halt.numel()).view_as(out.halt)
    total = (out.loss + (out.halt * probe).sum() + 0.3 * out.halt_first.sum() + 0.2 * out.remainder.sum()
             + (out.state[0] ** 2).sum() + 0.5 * out.state[1].sum())
    total.backward()
    grads = {name: p.grad for name, p in model.named_parameters() if p.grad is not None}
    grads["h0"], grads["c0"] = state[0].grad, state[1].grad
    return out, grads


def assert_same(expected, fast):
    (ref, ref_grads), (out, grads) = expected, fast
    for name in FIELDS:
        torch.testing.assert_close(getattr(out, name), getattr(ref, name), **TOL, msg=name)
    assert out.steps.dtype == torch.long
    for mine, theirs in zip(out.state, ref.state):
        torch.testing.assert_close(mine, theirs, **TOL)
    assert grads.keys() == ref_grads.keys()
    for name, grad in ref_grads.items():
        torch.testing.assert_close(grads[name], grad, **TOL, msg=f"gradient of {name}")


CASES = [  # (hidden, layers, batch, max_steps, extra config)
    (8, 1, 1, 1, {}),
    (8, 1, 3, 4, {}),
    (16, 1, 4, 6, {}),
    (32, 2, 2, 5, {}),
    (64, 1, 5, 3, {}),
    (16, 2, 1, 6, {"dropout": 0.3}),
    (24, 1, 3, 4, {"spread": False, "embed": 9}),  # the initial halting unit: N = 2 nearly everywhere
    (16, 1, 3, 6, {"act": False}),  # torch's fused LSTM
    (8, 2, 3, 6, {"act": False, "embed": 5}),
    (16, 1, 3, 10, {"fixed_steps": 3}),
    (16, 1, 4, 5, {"halt_bounded": True, "eps": 0.05}),  # bounded halting: N >= 2
    (16, 2, 3, 5, {"halt_input": "norm"}),  # the halting unit reads the state's LayerNorm
    (12, 1, 4, 6, {"halt_input": "norm", "halt_bounded": True}),
    (8, 2, 2, 10, {"fixed_steps": 2}),
]


@pytest.mark.parametrize("hidden,layers,batch,max_steps,extra", CASES)
def test_fast_matches_reference(hidden, layers, batch, max_steps, extra):
    model, ids, targets, state = make_case(hidden + layers + batch, hidden=hidden, layers=layers,
                                           max_steps=max_steps, batch=batch, **extra)
    expected = run(reference(model), model, ids, targets, state)
    fast = run(lambda *a: fast_forward(model, *a), model, ids, targets, state)
    assert_same(expected, fast)


@pytest.mark.parametrize("extra", [{"layers": 2}, {"fixed_steps": 3}])
def test_float64_agrees_to_float64_rounding(extra):
    """In float64 the two paths agree to 1e-10: no approximation hides behind the float32 tolerance.
    (The reference halting unit casts its output to float32, for autocast; here it stays in float64.)"""
    model, ids, targets, state = make_case(9, hidden=12, max_steps=5, **extra)
    model.double()
    if model.halt is not None:
        model.halt.forward = lambda x: torch.sigmoid(torch.nn.functional.linear(
            x, model.halt.weight, model.halt.bias)).squeeze(-1)
    state = tuple(s.double() for s in state)
    (ref, ref_grads), (out, grads) = (run(forward, model, ids, targets, state) for forward in (
        reference(model), lambda *a: fast_forward(model, *a)))
    for name in ("logits", "loss", "ponder", "halt"):
        torch.testing.assert_close(getattr(out, name), getattr(ref, name), rtol=1e-10, atol=1e-10)
    for name, grad in ref_grads.items():
        torch.testing.assert_close(grads[name], grad, rtol=1e-10, atol=1e-10, msg=f"gradient of {name}")


def test_cases_exercise_masking_and_early_exit():
    """The random cases make rows halt after different counts (so the masking is tested) and make every
    row of some symbols halt before the cap (so the loop's early exit is tested)."""
    varied = early = False
    for hidden, layers, batch, max_steps, extra in CASES:
        model, ids, _, state = make_case(hidden + layers + batch, hidden=hidden, layers=layers,
                                         max_steps=max_steps, batch=batch, **extra)
        if model.halt is not None and max_steps > 1:
            steps = fast_forward(model, ids, state=state).steps
            varied |= len(steps.unique()) >= 3
            early |= bool((steps.max(0).values < max_steps).any())
    assert varied and early


@pytest.mark.parametrize("sync_every,compact", [(0, False), (2, False), (1, True), (3, True)])
def test_sync_period_and_compaction_do_not_change_results(sync_every, compact):
    """Masked rows (compact=False, the CUDA default; sync_every = 0 runs all M updates without a host read)
    or only the running rows (compact=True, the CPU default), checked every sync_every updates: same numbers."""
    model, ids, targets, state = make_case(3, hidden=16, layers=2, max_steps=6, batch=6)
    expected = run(reference(model), model, ids, targets, state)
    fast = run(lambda *a: fast_forward(model, *a, sync_every=sync_every, compact=compact), model, ids, targets,
               state)
    assert_same(expected, fast)


def test_repeated_training_steps_reuse_buffers():
    """Buffers saved for one backward are reused by the next step (CPU pool): still the same numbers."""
    model, ids, targets, state = make_case(10, hidden=16, layers=2, max_steps=5)
    fast = lambda *a: fast_forward(model, *a)  # noqa: E731
    run(fast, model, ids, targets, state)
    second = run(fast, model, ids.flip(1), targets, state)
    assert_same(run(reference(model), model, ids.flip(1), targets, state), second)


def test_second_backward_is_refused():
    model, ids, targets, state = make_case(11, hidden=8)
    out = fast_forward(model, ids, targets, state)
    out.loss.backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="one backward per forward"):
        out.loss.backward()


def test_without_targets_or_state():
    model, ids, _, _ = make_case(4, hidden=16)
    ref, out = reference(model)(ids), fast_forward(model, ids)
    assert out.loss is None and out.ce is None
    for name in ("logits", "ponder", "halt"):
        torch.testing.assert_close(getattr(out, name), getattr(ref, name), **TOL)


@pytest.mark.parametrize("act", [True, False])
def test_inference_mode(act):
    """Under torch.inference_mode (nothing recorded or saved for a backward) the numbers are the same."""
    model, ids, _, state = make_case(5, hidden=32, layers=2, max_steps=5, act=act)
    model.eval()
    with torch.inference_mode():
        ref, out = reference(model)(ids, state=state), fast_forward(model, ids, state=state)
    assert not out.logits.requires_grad and out.logits.is_inference()
    for name in ("logits", "ponder", "steps", "remainder", "halt"):
        torch.testing.assert_close(getattr(out, name), getattr(ref, name), **TOL)
    torch.testing.assert_close(out.state[0], ref.state[0], **TOL)


def test_carried_state_over_chunks():
    """Two chunks with the state carried (truncated backpropagation) equal one pass over both."""
    model, ids, _, state = make_case(6, hidden=16, seq=10)
    whole = fast_forward(model, ids, state=state)
    first = fast_forward(model, ids[:, :4], state=state)
    second = fast_forward(model, ids[:, 4:], state=tuple(s.detach() for s in first.state))
    torch.testing.assert_close(torch.cat([first.ponder, second.ponder], 1), whole.ponder, **TOL)
    torch.testing.assert_close(second.state[1], whole.state[1], **TOL)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_float32_and_bf16_autocast():
    model, ids, targets, state = make_case(8, hidden=64, layers=2, max_steps=5, batch=8)
    model, ids, targets = model.cuda(), ids.cuda(), targets.cuda()
    state = tuple(s.cuda() for s in state)
    expected = run(reference(model), model, ids, targets, state)
    fast = run(lambda *a: fast_forward(model, *a), model, ids, targets, state)
    assert_same(expected, fast)
    with torch.autocast("cuda", dtype=torch.bfloat16):
        ref, out = reference(model)(ids, targets, state), fast_forward(model, ids, targets, state)
    torch.testing.assert_close(out.logits.float(), ref.logits.float(), rtol=0.05, atol=0.05)
    assert (out.steps == ref.steps).float().mean() > 0.9


@pytest.mark.parametrize("layers, max_steps", [(1, 4), (2, 5)])
def test_cuda_arithmetic_on_dirty_memory_matches_the_reference(monkeypatch, layers, max_steps):
    """What differs on CUDA, run on the CPU: rows masked rather than compacted, "all halted" tested every 2
    updates, torch's tanh, and fresh buffers that hold garbage (CUDA's caching allocator hands back used
    memory; the CPU's fresh pages are zeros). Buffers come filled with NaN, so any read before write shows."""
    from segment.models import fast_act

    model, ids, targets, state = make_case(9, hidden=16, layers=layers, max_steps=max_steps, batch=5, seq=6)
    expected = run(reference(model), model, ids, targets, state)
    empty = torch.empty

    def dirty(*args, **kwargs):
        tensor = empty(*args, **kwargs)
        return tensor.fill_(float("nan")) if tensor.is_floating_point() else tensor.fill_(7)

    monkeypatch.setattr(torch, "empty", dirty)
    monkeypatch.setattr(fast_act, "_POOL", fast_act._BufferPool())
    monkeypatch.setattr(fast_act, "_tanh", lambda x, out, minus_one: torch.tanh(x, out=out))
    for _ in range(2):  # the second call reuses the first one's buffers where the CPU pools them
        fast = run(lambda *a: fast_forward(model, *a, sync_every=2, compact=False), model, ids, targets, state)
        assert_same(expected, fast)


@pytest.mark.parametrize("extra", [{}, {"act": False}, {"fixed_steps": 2}])
def test_both_paths_end_in_the_shared_output_head(monkeypatch, extra):
    model, ids, targets, state = make_case(4, hidden=8, max_steps=3, **extra)
    calls = []
    head = model.output_head
    monkeypatch.setattr(model, "output_head", lambda *args: calls.append(args[0].shape) or head(*args))
    fast_forward(model, ids, targets, state)
    model.reference_forward(ids, targets, state)
    assert calls == [(ids.shape[0], ids.shape[1], 8)] * 2


@pytest.mark.parametrize("offset,scale", [(0.0, 1.0), (0.3, 0.05), (-2.0, 6.0)])
def test_normalised_halting_logit_matches_layer_norm(offset, scale):
    """The halting logit computed from the state's moments equals the unit applied to F.layer_norm of the
    state, also for states far from zero mean and unit scale (c grows large in long texts)."""
    from segment.models.fast_act import _halting_input, _halting_logit

    gen = torch.Generator().manual_seed(3)
    states = torch.randn(64, 96, generator=gen) * scale + offset
    weight, bias = torch.randn(96, generator=gen), torch.randn(1, generator=gen)
    normed = torch.nn.functional.layer_norm(states, (96,))
    expected = normed @ weight + bias
    torch.testing.assert_close(_halting_logit(states, weight, bias, True), expected, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(_halting_input(states, True)[0], normed, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(_halting_logit(states, weight, bias, False), states @ weight + bias)

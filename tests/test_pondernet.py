"""PonderNet halting: the halting distribution, the loss against a hand computation, the mixture prediction,
training, saving and the inference signals."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from segment.models import ACTConfig, ACTLanguageModel, TrainConfig
from segment.models.pondernet import geometric_prior, halting_distribution


def make_model(seed=0, **kw) -> ACTLanguageModel:
    torch.manual_seed(seed)
    model = ACTLanguageModel(ACTConfig(**{"vocab_size": 7, "hidden": 6, "max_steps": 3, "tau": 0.1,
                                          "halt_distribution": "pondernet", **kw}))
    with torch.no_grad():  # halting that varies with the state
        model.halt.weight.normal_(0, 1.0, generator=torch.Generator().manual_seed(4))
        model.halt.bias.fill_(-0.5)
    return model


def test_halting_distribution_and_truncated_geometric_prior():
    p = halting_distribution(torch.tensor([[0.5, 0.2, 1.0]]))
    torch.testing.assert_close(p, torch.tensor([[0.5, 0.1, 0.4]]))
    torch.testing.assert_close(geometric_prior(0.5, 4), torch.tensor([0.5, 0.25, 0.125, 0.125]))
    assert geometric_prior(1.0, 3).tolist() == [1.0, 0.0, 0.0]


def test_loss_is_expected_cross_entropy_plus_beta_kl_by_hand():
    """One symbol, three updates: the loss and every output recomputed from the updates' own predictions."""
    model = make_model()
    ids, targets = torch.tensor([[3]]), torch.tensor([[5]])
    out = model(ids, targets)
    _, flag = model.input_weights()
    x = model.embedding(ids[:, 0]) @ model.input_weights()[0].t() + model.bias[0]
    h, c = model.initial_state(1)
    lambdas, nll, probs = [], [], []
    for n in range(3):
        h, c = model.cell(x + flag if n == 0 else x, h, c)
        lambdas.append(model.halting_prob(h, c).item() if n < 2 else 1.0)
        log_probs = F.log_softmax(model.decoder(h[-1]), dim=-1)[0]
        nll.append(-log_probs[5].item())
        probs.append(log_probs.exp())
    p = [lambdas[0], (1 - lambdas[0]) * lambdas[1], (1 - lambdas[0]) * (1 - lambdas[1])]
    prior = [0.5, 0.25, 0.25]
    expected = sum(pn * loss for pn, loss in zip(p, nll)) + 0.1 * sum(pn * math.log(pn / q) for pn, q in zip(p, prior))
    assert out.loss.item() == pytest.approx(expected, rel=1e-5)
    mixture = sum(pn * pr for pn, pr in zip(p, probs))
    torch.testing.assert_close(out.logits[0, 0].exp(), mixture)
    assert out.ce.item() == pytest.approx(-math.log(mixture[5].item()), rel=1e-5)
    assert out.ponder.item() == pytest.approx(p[0] + 2 * p[1] + 3 * p[2], rel=1e-5)
    median = 1 if p[0] >= 0.5 else 2 if p[0] + p[1] >= 0.5 else 3
    assert out.steps.item() == median
    assert out.remainder.item() == pytest.approx(1 - sum(p[:median - 1]), rel=1e-5)
    assert out.halt_first.item() == pytest.approx(lambdas[0], rel=1e-5)


def test_gradients_reach_the_halting_unit_and_the_state_carries():
    model = make_model()
    ids = torch.randint(0, 7, (2, 5), generator=torch.Generator().manual_seed(1))
    out = model(ids, ids.roll(-1, 1))
    out.loss.backward()
    assert model.halt.weight.grad.abs().sum() > 0 and model.halt.bias.grad.abs().item() > 0
    whole = model(ids)
    first = model(ids[:, :2])
    second = model(ids[:, 2:], state=first.state)
    torch.testing.assert_close(torch.cat([first.ponder, second.ponder], 1), whole.ponder)
    assert ((whole.ponder >= 1) & (whole.ponder <= 3)).all()


def test_config_rules():
    with pytest.raises(ValueError, match="halt_distribution"):
        ACTConfig(vocab_size=5, halt_distribution="geometric")
    with pytest.raises(ValueError, match="prior_lambda"):
        ACTConfig(vocab_size=5, prior_lambda=0.0)
    with pytest.raises(ValueError, match="halt_bounded"):
        ACTConfig(vocab_size=5, halt_distribution="pondernet", halt_bounded=True)


def test_trains_saves_and_gives_signals(tmp_path):
    from segment.models.inference import compute_signals
    from segment.models.trainer import train

    sequences = ["thecatsat", "onthemat", "adogran"] * 4
    config = ACTConfig(vocab_size=2, hidden=8, max_steps=3, tau=0.05, halt_distribution="pondernet")
    model = train(config, TrainConfig(iterations=4, seq_len=8, batch_size=2, progress=False, out=str(tmp_path)),
                  sequences)
    loaded = ACTLanguageModel.from_pretrained(tmp_path / "model")
    assert loaded.pondernet and loaded.config.prior_lambda == 0.5
    signals = compute_signals(loaded, ["thecat"])[0]
    direct = model(torch.tensor([[loaded.vocab.sep_id] + loaded.vocab.encode("thecat")]))
    np.testing.assert_allclose(signals.ponder, direct.ponder[0, 1:].detach().numpy(), rtol=1e-5)
    assert np.all((signals.ponder >= 1) & (signals.ponder <= 3)) and np.isfinite(signals.entropy).all()

"""PonderNet halting (Banino et al. 2021, "PonderNet: Learning to Ponder") for the ACT-LSTM: an alternative
halting distribution, selected by ``ACTConfig.halt_distribution = "pondernet"``.

At symbol t every one of the M updates runs (from the previous update's state, as in ACT); after update n
the halting unit gives lambda_n (lambda_M = 1: the cap takes the mass left), and

    p_n   = lambda_n * prod_{j<n} (1 - lambda_j)          probability of halting at update n (sums to 1)
    loss  = sum_n p_n CE(y_n) + beta KL(p || Geometric(lambda_p) truncated at M)

where y_n is the decoder's prediction from update n, beta is ``ACTConfig.tau`` (the weight of the ponder
regulariser, as tau is ACT's) and lambda_p ``ACTConfig.prior_lambda``. The choices a sequence model needs
and the paper (feed-forward inputs) does not make:

- The state passed to the next symbol is the p-weighted mean of the updates' states (ACT's mean field), so
  the forward pass is deterministic; PonderNet samples the halting update at inference, we do not.
- The prediction (``logits``, bits per symbol) is the mixture sum_n p_n softmax(y_n) (its log), the
  probability of the next symbol under the halting distribution; the loss's expected cross-entropy is an
  upper bound of its NLL.
- The signals: ponder = E[n] = sum_n n p_n (in [1, M]); steps = the median halting update; remainder = the
  mass from that update on; halt = lambda_n; halt_first = lambda_1.

Every update always runs, with M decoder passes per symbol, through the readable loop (no fast path): on the
CPU it trains several times slower than ACT's fast path.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

_TINY = 1e-12  # floor inside logarithms of probabilities


def halting_distribution(lambdas: Tensor) -> Tensor:
    """p_n = lambda_n prod_{j<n} (1 - lambda_j) over the last dimension (lambda's last entry should be 1)."""
    survive = torch.cumprod(1 - lambdas, dim=-1)
    before = torch.cat([torch.ones_like(survive[..., :1]), survive[..., :-1]], dim=-1)
    return lambdas * before


def geometric_prior(prior_lambda: float, steps: int, device=None) -> Tensor:
    """The geometric distribution with halting probability ``prior_lambda`` truncated at ``steps`` (the last
    update takes the tail), shape (steps,)."""
    lambdas = torch.full((steps,), prior_lambda, device=device)
    lambdas[-1] = 1.0
    return halting_distribution(lambdas)


def pondernet_forward(model, ids: Tensor, targets: Tensor | None = None, state=None):
    """``ACTLanguageModel.forward`` for the PonderNet halting distribution (see the module docstring)."""
    from segment.models.act_lstm import ACTOutput

    cfg = model.config
    B, T = ids.shape
    M = cfg.max_steps
    if state is None:
        state = model.initial_state(B, ids.device)
    symbol_columns, flag = model.input_weights()
    x_proj = model.embedding(ids) @ symbol_columns.t() + model.bias[0]  # (B, T, 4H), flag not included
    h, c = state
    tops, lambdas = [], []
    for t in range(T):
        hs, cs, lams = [], [], []
        h_n, c_n = h, c
        for n in range(1, M + 1):
            h_n, c_n = model.cell(x_proj[:, t] + flag if n == 1 else x_proj[:, t], h_n, c_n)
            hs.append(h_n)
            cs.append(c_n)
            lams.append(model.halting_prob(h_n, c_n) if n < M else torch.ones(B, device=ids.device))
        lam = torch.stack(lams, dim=1)  # (B, M)
        p = halting_distribution(lam).to(h_n.dtype)
        h = torch.einsum("bm,mlbh->lbh", p, torch.stack(hs))
        c = torch.einsum("bm,mlbh->lbh", p, torch.stack(cs))
        tops.append(torch.stack([x[-1] for x in hs], dim=1))  # (B, M, H): top layer of each update
        lambdas.append(lam)
    hidden = torch.stack(tops, dim=1)  # (B, T, M, H)
    lam = torch.stack(lambdas, dim=1).float()  # (B, T, M)
    p = halting_distribution(lam)
    log_p = torch.log(p.clamp_min(_TINY))
    log_probs = F.log_softmax(model.decoder(model.dropout(hidden)).float(), dim=-1)  # (B, T, M, V)
    logits = torch.logsumexp(log_probs + log_p.unsqueeze(-1), dim=2)  # (B, T, V): log of the mixture
    steps_index = torch.arange(1, M + 1, device=ids.device, dtype=p.dtype)
    ponder = (p * steps_index).sum(-1)
    cumulative = p.cumsum(-1)
    steps = ((cumulative < 0.5).sum(-1) + 1).clamp(max=M)  # the median halting update
    remainder = 1 - (cumulative - p).gather(-1, (steps - 1).unsqueeze(-1)).squeeze(-1)
    loss = ce = None
    if targets is not None:
        mask = targets != -100
        safe = targets.clamp(min=0)
        per_update_nll = -log_probs.gather(-1, safe[:, :, None, None].expand(B, T, M, 1)).squeeze(-1)
        prior = geometric_prior(cfg.prior_lambda, M, ids.device)
        kl = (p * (log_p - torch.log(prior))).sum(-1)
        expected = (p * per_update_nll).sum(-1)
        ce = -logits.gather(-1, safe.unsqueeze(-1)).squeeze(-1)[mask].mean()
        loss = expected[mask].mean() + cfg.tau * kl[mask].mean()
    return ACTOutput(logits=logits, loss=loss, ce=ce, ponder=ponder, steps=steps, remainder=remainder,
                     halt_first=lam[:, :, 0], halt=lam, state=(h, c))

"""ACT-LSTM character language model (Graves 2016, "Adaptive Computation Time for RNNs", section 2).

At input step t the recurrent cell runs n = 1..N(t) updates, all starting from the previous step's state
s_{t-1} and reading the same symbol x_t plus a binary first-update flag (1 on n = 1, 0 after).
A sigmoid halting unit reads the full state (h and c of every layer) after each update:

    h_t^n = sigmoid(w . s_t^n + b)                         halting output of update n
    N(t)  = min(M, first n' with  sum_{n<=n'} h_t^n >= 1 - eps)
    R(t)  = 1 - sum_{n<N(t)} h_t^n                         remainder, always in (eps, 1]
    p_t^n = h_t^n for n < N(t),  R(t) for n = N(t)         halting weights, they sum to 1
    s_t   = sum_n p_t^n s_t^n                              state passed on (mean-field over updates)
    rho_t = N(t) + R(t)                                    ponder cost; N is a constant for the gradient

and the loss is cross-entropy + tau * mean(rho). Hence d rho / d h_t^n = -1 for n < N(t) and 0 at N(t).
That is Graves's ACT, the default and the reference. Two options change the halting unit (ACTConfig):
- ``halt_bounded``: h_t^n = (1 - 2 eps) sigmoid(z). The first update can no longer reach 1 - eps, so every
  symbol takes at least two updates (the cost), and N(t) = 1, where p = R = 1 and rho = 2 are constants and
  the halting unit gets no gradient at all (collapse is absorbing), cannot occur.
- ``halt_input="norm"``: z = w . LayerNorm(s_t^n) + b (no affine parameters), so the logit's size does
  not grow with the state's (the cell state grows as the LSTM trains): the bias sets the mean halting
  output and the weights learn contrasts.
A third replaces the halting distribution: ``halt_distribution="pondernet"`` (``segment.models.pondernet``).

Design choices (documented for the controls and the fast path that reuses these parameters):
- Stacked layers: ACT runs over the whole stack. One ponder update runs every layer once (the flag enters
  the first layer only); the halting unit reads the h and c of all layers; all of them are mean-fielded.
  So there is one ponder value per symbol whatever the depth.
- ``act=False``: one update per symbol (N = 1, R = 1, rho = 2): exactly a plain LSTM language model.
  ``fixed_steps=K``: K updates per symbol and no halting unit; the state passed on and the output are
  those of the last update (a "repeat" RNN, Fojo et al. 2018) -- equivalently ACT with every halting
  output forced to 0 and the cap at K, so N = K, R = 1, rho = K + 1. Neither control adds a ponder loss.
- Input: a symbol embedding (Adam learns much faster through embedding + input matrix than from a
  one-hot input alone). Cell: LSTM (PyTorch gate order i, f, g, o) with one input matrix per layer (for
  layer 0 its columns are the embedding then the flag), one hidden matrix and one bias.
- The ponder loop always runs M updates with finished rows masked: no host read inside the loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from segment.errors import ModelLoadError
from segment.models.checkpoint import load_model_files, save_model_files
from segment.models.config import ACTConfig
from segment.models.vocab import Vocab

State = tuple[Tensor, Tensor]  # (h, c), each (layers, B, H)


@dataclass
class ACTOutput:
    """Everything one forward pass produces; per-position fields are (B, T)."""

    logits: Tensor  # (B, T, V)
    loss: Tensor | None  # ce + tau * mean ponder (ACT), ce alone for the controls; None without targets
    ce: Tensor | None  # mean cross-entropy in nats
    ponder: Tensor  # (B, T) rho = N + R
    steps: Tensor  # (B, T) long, N
    remainder: Tensor  # (B, T) R
    halt_first: Tensor  # (B, T) halting output of the first update (0 for the controls)
    halt: Tensor  # (B, T, M) halting output of every update, 0 after N; cumsum gives the halting mass
    state: State  # carried (h, c), each (layers, B, H); detach before reusing across TBPTT chunks


class HaltingUnit(nn.Linear):
    """The sigmoid halting unit: full state (B, 2LH) -> halting output in (0, scale), shape (B,).

    ``scale`` < 1 bounds the output (bounded halting); ``normalize`` reads the state's LayerNorm (no affine
    parameters) instead of the state itself."""

    def __init__(self, state_size: int, scale: float = 1.0, normalize: bool = False):
        super().__init__(state_size, 1)
        self.scale = scale
        self.normalize = normalize

    def forward(self, state: Tensor) -> Tensor:
        state = F.layer_norm(state, state.shape[-1:]) if self.normalize else state
        halt = torch.sigmoid(super().forward(state).float()).squeeze(-1)  # float32 even under autocast
        return halt * self.scale if self.scale != 1.0 else halt


class ACTLanguageModel(nn.Module):
    """Symbol-level LSTM language model with Adaptive Computation Time (or one of its controls)."""

    def __init__(self, config: ACTConfig, vocab: Vocab | None = None):
        super().__init__()
        if vocab is not None and len(vocab) != config.vocab_size:
            raise ValueError(f"vocab has {len(vocab)} symbols but config.vocab_size is {config.vocab_size}")
        self.config = config
        self.vocab = vocab
        H, V, L = config.hidden, config.vocab_size, config.layers
        E = config.embed or H
        self.embedding = nn.Embedding(V, E)
        # layer 0 reads [embedded symbol, first-update flag]; layer l > 0 reads the h of layer l-1.
        self.weight_ih = nn.ParameterList(
            [nn.Parameter(torch.empty(4 * H, (E + 1) if layer == 0 else H)) for layer in range(L)])
        self.weight_hh = nn.ParameterList([nn.Parameter(torch.empty(4 * H, H)) for _ in range(L)])
        self.bias = nn.ParameterList([nn.Parameter(torch.empty(4 * H)) for _ in range(L)])
        self.halt = (HaltingUnit(2 * H * L, config.halt_scale, config.halt_input == "norm") if config.halting
                     else None)
        self.dropout = nn.Dropout(config.dropout)
        self.decoder = nn.Linear(H, V)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Embedding N(0, 1); LSTM-style uniform (+-1/sqrt(H)), forget-gate bias 1; halting bias
        config.halt_bias, halting weights 0 (``halt_init="zero"``) or nn.Linear's uniform default.

        Zero halting weights make every symbol start with the same halting output sigmoid(halt_bias), so how
        long a symbol ponders is learnt; random ones read a random projection of the state (whose cell part
        grows as the LSTM trains), which in the cpu-scale lever runs drove every symbol to the cap or to one
        update by the first evaluation at step 200 (eval/RESULTS.md, the halting levers)."""
        H = self.config.hidden
        bound = 1.0 / math.sqrt(H)
        nn.init.normal_(self.embedding.weight)
        for group in (self.weight_ih, self.weight_hh, self.bias):
            for param in group:
                nn.init.uniform_(param, -bound, bound)
        with torch.no_grad():
            for bias in self.bias:
                bias[H:2 * H] = 1.0
            if self.halt is not None:
                self.halt.bias.fill_(self.config.halt_bias)
                if self.config.halt_init == "zero":
                    self.halt.weight.zero_()

    @property
    def pondernet(self) -> bool:
        """True when the halting distribution is PonderNet's (``segment.models.pondernet``)."""
        return self.config.halting and self.config.halt_distribution == "pondernet"

    def initial_state(self, batch: int, device=None) -> State:
        shape = (self.config.layers, batch, self.config.hidden)
        return (torch.zeros(shape, device=device), torch.zeros(shape, device=device))

    # ---- one ponder update -------------------------------------------------------------------------
    def cell(self, x0: Tensor, h: Tensor, c: Tensor) -> State:
        """One update of the whole stack. x0 (B, 4H): layer 0's input projection incl. bias and flag;
        h, c (L, B, H) -> new h, c (L, B, H)."""
        hs, cs = [], []
        for layer in range(self.config.layers):
            if layer == 0:
                gates = x0 + h[0] @ self.weight_hh[0].t()
            else:
                gates = (hs[-1] @ self.weight_ih[layer].t() + h[layer] @ self.weight_hh[layer].t()
                         + self.bias[layer])
            i, f, g, o = gates.chunk(4, dim=-1)
            c_new = torch.sigmoid(f) * c[layer] + torch.sigmoid(i) * torch.tanh(g)
            hs.append(torch.sigmoid(o) * torch.tanh(c_new))
            cs.append(c_new)
        return torch.stack(hs), torch.stack(cs)

    def halting_prob(self, h: Tensor, c: Tensor) -> Tensor:
        """Halting output sigmoid(w . [h, c] + b) from the full state (L, B, H) x2 -> (B,)."""
        return self.halt(torch.cat([h.transpose(0, 1).flatten(1), c.transpose(0, 1).flatten(1)], dim=1))

    def ponder_step(self, x0: Tensor, state: State):
        """All updates for one input symbol. x0 (B, 4H): its input projection (bias included, flag not);
        state (h, c) of the previous symbol. Returns the halting-weighted mean state (h, c), N (B,) long,
        R (B,) and the halting outputs (B, M), 0 from update N+1 on."""
        cfg = self.config
        h, c = state
        B = x0.shape[0]
        M = cfg.loop_steps
        _, flag = self.input_weights()
        acc_h, acc_c = torch.zeros_like(h), torch.zeros_like(c)
        cum = x0.new_zeros(B)  # sum of halting outputs before the current update
        running = torch.ones(B, dtype=torch.bool, device=x0.device)
        steps = torch.zeros(B, dtype=torch.long, device=x0.device)
        remainder = x0.new_zeros(B)
        halts = []
        h_n, c_n = h, c  # every update starts from the previous update's state (s_t^0 = s_{t-1})
        for n in range(1, M + 1):
            h_n, c_n = self.cell(x0 + flag if n == 1 else x0, h_n, c_n)
            if cfg.halting:
                halt_n = self.halting_prob(h_n, c_n)
                total = cum + halt_n
                stop = running & ((total >= 1 - cfg.eps) | (n == M))  # the one stop test per update
            else:  # controls: halting outputs are 0, stop at the last update
                halt_n = torch.zeros_like(cum)
                stop = running & (n == M)
            weight = torch.where(stop, 1 - cum, torch.where(running, halt_n, torch.zeros_like(cum)))
            acc_h = acc_h + weight.view(1, B, 1) * h_n
            acc_c = acc_c + weight.view(1, B, 1) * c_n
            halts.append(torch.where(running, halt_n, torch.zeros_like(halt_n)))
            remainder = torch.where(stop, 1 - cum, remainder)
            steps = torch.where(stop, torch.full_like(steps, n), steps)
            cum = torch.where(running, total if cfg.halting else cum, cum)
            running = running & ~stop
        return (acc_h, acc_c), steps, remainder, torch.stack(halts, dim=1)

    # ---- the sequence --------------------------------------------------------------------------------
    #: Device types on which ``forward`` runs the fast path. CUDA is left out until
    #: tests/test_fast_act.py::test_cuda_float32_and_bf16_autocast passes on a GPU: on an H200 (2026-11-28)
    #: it failed, while the reference loop trained there.
    fast_devices: tuple[str, ...] = ("cpu",)

    def forward(self, ids: Tensor, targets: Tensor | None = None, state: State | None = None) -> ACTOutput:
        """ids (B, T) long; targets (B, T) long (-100 = ignore); state (h, c) each (L, B, H) or None.

        On the devices in ``fast_devices`` it is computed by the fast path (``segment.models.fast_act``), which
        the tests hold to ``reference_forward``, the readable specification below, within float32 rounding;
        elsewhere (and for PonderNet halting) by ``reference_forward`` itself."""
        if ids.device.type not in self.fast_devices or self.pondernet:
            return self.reference_forward(ids, targets, state)
        from segment.models.fast_act import fast_forward  # lazy: fast_act imports this module

        return fast_forward(self, ids, targets, state)

    def reference_forward(self, ids: Tensor, targets: Tensor | None = None, state: State | None = None
                          ) -> ACTOutput:
        """The specification of ``forward``: one readable loop over symbols and ponder updates."""
        if self.pondernet:
            from segment.models.pondernet import pondernet_forward

            return pondernet_forward(self, ids, targets, state)
        B, T = ids.shape
        if state is None:
            state = self.initial_state(B, ids.device)
        # input projection of the whole sequence at once, without the flag: (B, T, 4H)
        x_proj = self.embedding(ids) @ self.input_weights()[0].t() + self.bias[0]
        outputs, steps, remainders, halts = [], [], [], []
        for t in range(T):
            state, n_t, r_t, halt_t = self.ponder_step(x_proj[:, t], state)
            outputs.append(state[0][-1])  # (B, H) top layer's mean-fielded h
            steps.append(n_t)
            remainders.append(r_t)
            halts.append(halt_t)
        return self.output_head(torch.stack(outputs, dim=1), torch.stack(steps, dim=1),
                                torch.stack(remainders, dim=1), torch.stack(halts, dim=1), state, targets)

    # ---- shared by both forward paths --------------------------------------------------------------------
    def input_weights(self) -> tuple[Tensor, Tensor]:
        """Layer 0's input matrix split into its symbol columns (4H, E) and its flag column (4H,)."""
        weight = self.weight_ih[0]
        return weight[:, :-1], weight[:, -1]

    def output_head(self, hidden: Tensor, steps: Tensor, remainder: Tensor, halt: Tensor, state: State,
                    targets: Tensor | None) -> ACTOutput:
        """The end of the forward pass. hidden (B, T, H): top layer's outputs; steps (B, T) long N;
        remainder (B, T) R; halt (B, T, M) halting outputs; state the carried (h, c); targets (B, T) or None."""
        cfg = self.config
        B, T = steps.shape
        logits = self.decoder(self.dropout(hidden))  # (B, T, V)
        ponder = steps.to(remainder.dtype) + remainder  # N is a constant: gradient only through R
        loss = ce = None
        if targets is not None:
            ce = F.cross_entropy(logits.reshape(B * T, cfg.vocab_size).float(), targets.reshape(B * T))
            loss = ce + cfg.tau * ponder.mean() if cfg.halting else ce
        return ACTOutput(logits=logits, loss=loss, ce=ce, ponder=ponder, steps=steps, remainder=remainder,
                         halt_first=halt[:, :, 0], halt=halt, state=state)

    # ---- checkpoints -----------------------------------------------------------------------------------
    def save_pretrained(self, directory: str | Path) -> Path:
        """Write config.json, vocab.json (when the model has one) and model.safetensors into directory."""
        return save_model_files(directory, self.config.to_json(),
                                None if self.vocab is None else self.vocab.to_json(), self.state_dict())

    @classmethod
    def from_pretrained(cls, directory: str | Path, map_location: str | torch.device = "cpu") -> ACTLanguageModel:
        """Load a model written by save_pretrained; ModelLoadError (naming the path) on any problem."""
        config, vocab, tensors = load_model_files(directory, map_location)
        model = cls(config, vocab)
        try:
            model.load_state_dict(tensors)
        except RuntimeError as err:
            first = str(err).strip().splitlines()
            detail = "; ".join(line.strip() for line in first[1:3]) or first[0]
            raise ModelLoadError(f"{Path(directory) / 'model.safetensors'}: does not fit config.json: {detail}") from None
        return model.to(map_location)

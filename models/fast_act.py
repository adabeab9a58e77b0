"""Fast path of ``ACTLanguageModel.forward``: the same function, computed with far fewer tensor operations.

``fast_forward(model, ids, targets, state)`` returns the same ``ACTOutput`` as ``model.forward`` (the readable
loop in ``act_lstm.py`` stays the specification and the test oracle); tests/test_fast_act.py checks outputs
and gradients against it. What was done, each kept because it measured faster (benchmarks/README.md):

- The ponder loop over the whole sequence is one ``torch.autograd.Function`` with a hand-written backward:
  autograd records one node per sequence instead of ~40 per update. The state of every layer (h and c)
  lives in one row (B, 2LH), so the halting unit is one matrix-vector product and the weighted mean one
  ``addcmul``; outputs and saved tensors are written into preallocated buffers. The forward saves each
  cell's derivative factors, so the backward recomputes nothing and needs four element-wise operations
  per cell.
- Layer 0's input projection is computed once per vocabulary symbol (a (V, 4H) table, with and without
  the flag) and gathered per symbol, instead of a (B, T, 4H) product.
- The g rows of the gate weights are doubled (exactly) so one sigmoid gives all four gates, with
  tanh(x) = 2 sigmoid(2x) - 1; on the CPU tanh(c) is computed the same way (torch's CPU tanh is ~10x
  slower than its sigmoid). The results differ from the reference by float32 rounding only.
- Rows stop costing work once they halt: the reference always runs M updates with finished rows masked.
  On the CPU (``compact=True``) the loop goes on with the running rows only (gathered; the backward
  scatters back) and stops when none is left; reading the count costs nothing there. On CUDA the default
  is masking (``compact=False``) with a test for "all rows halted" every ``sync_every`` updates (default 2;
  0: never, so no host synchronisation at all and always M updates).
- On the CPU the large buffers saved for the backward are reused from one training step to the next
  (fresh memory costs a page fault per 4 KiB).
- The halting options (bounded outputs, a normalised halting input) change only the halting unit's
  forward and its three gradient lines; the normalised input is recomputed from the saved states.
- ``act=False`` (one update per symbol: a plain LSTM) runs torch's fused LSTM (MKL-DNN on the CPU, cuDNN
  on CUDA) with the same parameters; the flag column of layer 0 (the flag is always 1) enters as that
  layer's second bias. It runs in float32 even under autocast (cuDNN RNNs take bf16 only from cuDNN 9.13).
- Without gradient (``torch.inference_mode`` or ``no_grad``) the same loop saves nothing.
- Under CUDA bf16 autocast the matrix products run in bf16 and everything else in float32, as in the
  reference under autocast (whose halting unit is float32 too).
- Not done: torch.compile (compile time, a compiler needed, and the per-update work left is GEMMs), CUDA
  graphs (the number of updates varies), a separate inference function (the same loop without saving is it).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from segment.models.act_lstm import ACTLanguageModel, ACTOutput, State

__all__ = ["fast_forward"]


def fast_forward(model: ACTLanguageModel, ids: Tensor, targets: Tensor | None = None,
                 state: State | None = None, *, sync_every: int | None = None,
                 compact: bool | None = None) -> ACTOutput:
    """Same inputs, outputs and gradients as ``model.forward`` (ids (B, T) long, targets (B, T) or None,
    state (h, c) each (L, B, H) or None). ``compact``: go on with the running rows only (default: on the
    CPU) rather than masking finished ones (default on CUDA). ``sync_every``: test for "all rows halted"
    every this many updates, 0 = never (default: 1 on the CPU, 2 on CUDA, where it synchronises)."""
    cfg = model.config
    B, T = ids.shape
    if state is None:
        state = model.initial_state(B, ids.device)
    if not cfg.act:
        hidden, state = _fused_lstm(model, model.embedding(ids), state)
        steps = torch.ones(B, T, dtype=torch.long, device=ids.device)
        remainder = torch.ones(B, T, device=ids.device, dtype=hidden.dtype)
        halt = torch.zeros(B, T, 1, device=ids.device, dtype=hidden.dtype)
        return model.output_head(hidden, steps, remainder, halt, state, targets)
    if sync_every is None:
        sync_every = 1 if ids.device.type == "cpu" else 2
    cast = torch.get_autocast_dtype("cuda") if ids.is_cuda and torch.is_autocast_enabled("cuda") else None
    # layer 0's input projection (bias included, flag not) of every vocabulary symbol, or of every
    # position when the batch holds fewer positions than the vocabulary has symbols
    if cfg.vocab_size <= B * T:
        rows, index = model.embedding.weight, ids
    else:
        rows, index = model.embedding(ids).flatten(0, 1), torch.arange(B * T, device=ids.device).view(B, T)
    symbol_columns, flag_column = model.input_weights()
    table = rows @ symbol_columns.t() + model.bias[0]  # (rows, 4H)
    table_first = table + flag_column  # with the first-update flag
    halt_w = model.halt.weight.view(-1) if cfg.halting else None
    halt_b = model.halt.bias if cfg.halting else None
    inputs = (table, table_first, state[0], state[1], halt_w, halt_b,
              *model.weight_hh, *model.weight_ih[1:], *model.bias[1:])
    save = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in inputs)
    if compact is None:
        compact = ids.device.type == "cpu"
    settings = _Settings(cfg.layers, cfg.hidden, cfg.loop_steps, cfg.halting, 1.0 - cfg.eps, cfg.halt_scale,
                         cfg.halt_input == "norm", sync_every, cast, save, compact)
    hidden, h_n, c_n, steps, remainder, halt = _PonderSequence.apply(settings, index, *inputs)
    return model.output_head(hidden, steps, remainder, halt, (h_n, c_n), targets)


def _fused_lstm(model: ACTLanguageModel, embedded: Tensor, state: State) -> tuple[Tensor, State]:
    """act=False through torch's fused LSTM: the flag (always 1) enters as the second bias of layer 0."""
    # column slices are strided: cuDNN flattens the weights with views, so hand it contiguous copies
    symbol_columns, flag_column = model.input_weights()
    weights = [symbol_columns.contiguous(), model.weight_hh[0], model.bias[0], flag_column.contiguous()]
    for layer in range(1, model.config.layers):
        bias = model.bias[layer]
        weights += [model.weight_ih[layer], model.weight_hh[layer], bias, torch.zeros_like(bias)]
    with torch.autocast(embedded.device.type, enabled=False):  # float32: cuDNN RNNs lack bf16 before cuDNN 9.13
        output, h_n, c_n = torch._VF.lstm(embedded, state, weights, True, model.config.layers, 0.0,
                                          model.training, False, True)
    return output, (h_n, c_n)


@dataclass(frozen=True)
class _Settings:
    """Constants of one call."""

    layers: int
    hidden: int
    loop_steps: int  # the cap M (or K, or 1)
    halting: bool
    threshold: float  # 1 - eps
    halt_scale: float  # upper bound of the halting outputs (1 - 2 eps when bounded, else 1)
    halt_norm: bool  # the halting unit reads the state's LayerNorm
    sync_every: int  # test for "all rows halted" every this many updates (0: never)
    cast: torch.dtype | None  # matmul dtype under autocast
    save: bool  # keep what the backward needs
    compact: bool  # go on with the running rows only


def _scaled_g(w: Tensor, H: int, cast: torch.dtype | None = None, dim: int = 0) -> Tensor:
    """Copy of a tensor whose dimension ``dim`` stacks the four gates (4H), with the g part doubled (exact),
    in the matmul dtype: the forward then gets every gate from one sigmoid, as tanh(x) = 2 sigmoid(2x) - 1."""
    w = w.clone(memory_format=torch.contiguous_format) if cast is None else w.to(cast, copy=True)
    w.narrow(dim, 2 * H, H).mul_(2)
    return w


def _mm(a: Tensor, b: Tensor, cast: torch.dtype | None) -> Tensor:
    return a @ b if cast is None else (a.to(cast) @ b).float()


def _tanh(x: Tensor, out: Tensor, minus_one: Tensor) -> None:
    """tanh into ``out``. On the CPU as 2 sigmoid(2x) - 1: torch's CPU tanh is ~10x slower than sigmoid."""
    if x.device.type != "cpu":
        torch.tanh(x, out=out)
        return
    torch.mul(x, 2, out=out)
    out.sigmoid_()
    torch.add(minus_one, out, alpha=2, out=out)


class _BufferPool:
    """Reuses the per-symbol buffers saved for the backward from one training step to the next, on the CPU:
    fresh memory costs a page fault per 4 KiB touched (about 10% of the step). Holds the buffers of one
    shape family only (those given back last). CUDA's caching allocator does this already."""

    def __init__(self):
        self.free: dict[tuple, list[Tensor]] = {}

    def take(self, shape: tuple[int, ...], dtype: torch.dtype, device: torch.device) -> Tensor:
        stack = self.free.get((shape, dtype)) if device.type == "cpu" else None
        return stack.pop() if stack else torch.empty(shape, dtype=dtype, device=device)

    def give(self, tensors: list[Tensor]) -> None:
        keys = {(tuple(t.shape), t.dtype) for t in tensors if t.device.type == "cpu"}
        self.free = {key: stack for key, stack in self.free.items() if key in keys}
        for tensor in tensors:
            if tensor.device.type == "cpu":
                self.free.setdefault((tuple(tensor.shape), tensor.dtype), []).append(tensor)


_POOL = _BufferPool()
#: torch.nn.functional.layer_norm's default epsilon, which the reference halting unit uses
_LAYER_NORM_EPS = 1e-5


class _PonderSequence(torch.autograd.Function):
    """All symbols and all ponder updates of a sequence, with a hand-written backward.

    Layer 0's input at symbol t is row ``index[:, t]`` of ``table`` (``table_first`` on the first update).
    Per symbol t, ``S[t]`` (M + 1, B, D) holds state rows (D = 2LH: h of every layer, then c of every
    layer): slot 0 the state passed in (s_{t-1}), slot n the state after update n; the halting-weighted mean
    s_t is accumulated straight into slot 0 of ``S[t + 1]``. For the backward, ``K[t]`` (L, M, B, 4H) holds
    the derivative of each gate's pre-activation as factors of the gradient of c (i, f, g) or h (o):
    (g i(1-i), c_prev f(1-f), i(1-g^2), tanh(c) o(1-o)), and ``E[t]`` (L, M, B, 2H) holds f and
    o(1-tanh(c)^2); the backward turns ``K`` into the gate gradients in place with four operations.
    """

    @staticmethod
    def forward(ctx, cfg: _Settings, index, table, table_first, h0, c0, halt_w, halt_b, *weights):
        with torch.autocast(table.device.type, enabled=False):  # matmul precision is cfg.cast's
            return _PonderSequence._forward(ctx, cfg, index, table, table_first, h0, c0, halt_w, halt_b,
                                            *weights)

    @staticmethod
    def backward(ctx, *grads):
        with torch.autocast(grads[0].device.type, enabled=False):
            return _PonderSequence._backward(ctx, *grads)

    @staticmethod
    def _forward(ctx, cfg: _Settings, index, table, table_first, h0, c0, halt_w, halt_b, *weights):
        L, H, M, cast, save = cfg.layers, cfg.hidden, cfg.loop_steps, cfg.cast, cfg.save
        B, T = index.shape
        D = 2 * L * H
        dev, dtype = table.device, table.dtype
        w_hh, w_ih, b = weights[:L], (None,) + weights[L:2 * L - 1], (None,) + weights[2 * L - 1:]
        # g rows doubled (see _scaled_g); the backward uses the parameters themselves
        w_hh_t = [_scaled_g(w, H, cast).t() for w in w_hh]
        w_ih_t = [None] + [_scaled_g(w, H, cast).t() for w in w_ih[1:]]
        b = [None] + [_scaled_g(bias, H) for bias in b[1:]]
        table, table_first = _scaled_g(table, H, dim=1), _scaled_g(table_first, H, dim=1)
        minus_one, one = torch.full((1,), -1.0, device=dev, dtype=dtype), torch.ones(1, device=dev, dtype=dtype)
        S = [_POOL.take((M + 1, B, D), dtype, dev) if save else torch.empty(M + 1, B, D, device=dev, dtype=dtype)]
        S[0][0, :, :L * H] = h0.transpose(0, 1).reshape(B, L * H)
        S[0][0, :, L * H:] = c0.transpose(0, 1).reshape(B, L * H)
        K, E, plans = [], [], []
        spare = None if save else torch.empty(M + 1, B, D, device=dev, dtype=dtype)  # no saving: two buffers
        gates = torch.empty(L, B, 4 * H, device=dev, dtype=dtype)
        tanh_c = torch.empty(B, H, device=dev, dtype=dtype)
        x = torch.empty(B, 4 * H, device=dev, dtype=dtype)
        hidden = torch.empty(B, T, H, device=dev, dtype=dtype)
        stops = torch.zeros(T, M, B, dtype=torch.bool, device=dev)  # True at the halting update N
        weight = torch.zeros(T, M, B, device=dev, dtype=dtype)  # halting weights p_t^n
        halt = torch.zeros(T, M, B, device=dev, dtype=dtype)  # halting outputs (0 once halted)
        for t in range(T):
            s = S[-1]
            nxt = _POOL.take((M + 1, B, D), dtype, dev) if save else spare
            k_t = _POOL.take((L, M, B, 4 * H), dtype, dev) if save else None
            e_t = _POOL.take((L, M, B, 2 * H), dtype, dev) if save else None
            acc = nxt[0]
            running = None  # mask of the running rows among the active ones (None: all of them)
            cum = torch.zeros(B, device=dev, dtype=dtype)
            rows, keep, src = None, None, s[0]  # active rows (None: all B), their previous state
            plan = []  # per update: (active rows, their positions in the previous update's rows, src)
            n = 0
            while n < M:
                m = B if rows is None else len(rows)
                new = s[n + 1][:m]
                plan.append((rows, keep, src))
                if rows is not None:
                    torch.index_select(table, 0, index[rows, t], out=x[:m])
                elif n < 2:
                    torch.index_select(table_first if n == 0 else table, 0, index[:, t], out=x)
                for layer in range(L):
                    a = gates[layer, :m]
                    h_prev = src[:, layer * H:(layer + 1) * H]
                    if layer == 0:
                        if cast is None:
                            torch.addmm(x[:m], h_prev, w_hh_t[0], out=a)
                        else:
                            torch.add(x[:m], h_prev.to(cast) @ w_hh_t[0], out=a)
                    else:
                        below = new[:, (layer - 1) * H:layer * H]
                        if cast is None:
                            torch.addmm(b[layer], below, w_ih_t[layer], out=a)
                            a.addmm_(h_prev, w_hh_t[layer])
                        else:
                            torch.add(b[layer], below.to(cast) @ w_ih_t[layer], out=a)
                            a += (h_prev.to(cast) @ w_hh_t[layer]).float()
                    c_slice = slice((L + layer) * H, (L + layer + 1) * H)
                    _cell_forward(a, src[:, c_slice], new[:, layer * H:(layer + 1) * H], new[:, c_slice],
                                  tanh_c[:m], minus_one)
                    if save:
                        _cell_derivatives(a, src[:, c_slice], tanh_c[:m], k_t[layer, n, :m], e_t[layer, n, :m], one)
                n += 1
                if not cfg.halting:
                    src = new
                    continue
                every = rows is None  # all B rows present: write the per-row outputs in place
                halt_n = torch.sigmoid(_halting_logit(new, halt_w, halt_b, cfg.halt_norm),
                                       out=halt[t, n - 1] if every else None)
                if cfg.halt_scale != 1.0:
                    halt_n.mul_(cfg.halt_scale)
                if running is not None:
                    halt_n *= running
                total = cum + halt_n
                if n < M:
                    stop = torch.ge(total, cfg.threshold, out=stops[t, n - 1] if every else None)
                    if running is not None:
                        stop &= running
                else:
                    stop = torch.ones(m, dtype=torch.bool, device=dev) if running is None else running
                p = torch.where(stop, 1 - cum, halt_n, out=weight[t, n - 1] if every else None)
                if every:
                    if n == M:
                        stops[t, n - 1] = stop
                    if n == 1:
                        torch.mul(new, p[:, None], out=acc)
                    else:
                        acc.addcmul_(new, p[:, None])
                else:
                    stops[t, n - 1, rows], halt[t, n - 1, rows], weight[t, n - 1, rows] = stop, halt_n, p
                    acc.index_add_(0, rows, new * p[:, None])
                left_mask = ~stop if running is None else running ^ stop  # rows still running
                src, cum, keep, running = new, total, None, left_mask
                if n == M or not (cfg.sync_every and n % cfg.sync_every == 0):
                    continue
                left = int(left_mask.sum()) if cfg.compact else int(left_mask.any())
                if left == 0:
                    break
                if cfg.compact and left < m:  # go on with the running rows only
                    keep = left_mask.nonzero().squeeze(1)
                    rows = keep if rows is None else rows[keep]
                    src, cum = new[keep], total[keep]
                if cfg.compact:
                    running = None  # every active row runs
            if not cfg.halting:
                acc.copy_(s[M])
            hidden[:, t] = acc[:, (L - 1) * H:L * H]
            if save:
                plans.append(plan)
                S.append(nxt)
                K.append(k_t)
                E.append(e_t)
            else:
                S, spare = [nxt], s
        final = S[-1][0]
        h_n = final[:, :L * H].reshape(B, L, H).transpose(0, 1).clone(memory_format=torch.contiguous_format)
        c_n = final[:, L * H:].reshape(B, L, H).transpose(0, 1).clone(memory_format=torch.contiguous_format)
        if cfg.halting:
            steps = (stops * torch.arange(1, M + 1, device=dev).view(1, M, 1)).sum(1)  # (T, B): N, one stop each
            remainder = (weight * stops).sum(1)
        else:
            steps = torch.full((T, B), M, dtype=torch.long, device=dev)
            remainder = torch.ones(T, B, device=dev, dtype=dtype)
        if save:
            ctx.cfg, ctx.plans, ctx.S, ctx.K, ctx.E = cfg, plans, S, K, E
            ctx.halting = (steps, stops, weight, halt)
            ctx.table_rows = table.shape[0]
            ctx.save_for_backward(index, halt_w, *weights)
        steps = steps.t().contiguous()
        ctx.mark_non_differentiable(steps)
        return hidden, h_n, c_n, steps, remainder.t().contiguous(), halt.permute(2, 0, 1).contiguous()

    @staticmethod
    def _backward(ctx, g_hidden, g_h, g_c, _g_steps, g_remainder, g_halt):
        cfg, plans, S, K, E = ctx.cfg, ctx.plans, ctx.S, ctx.K, ctx.E
        if S is None:
            raise RuntimeError("the fast ACT path supports one backward per forward (retain_graph is not supported)")
        index, halt_w, *weights = ctx.saved_tensors
        L, H, M, cast = cfg.layers, cfg.hidden, cfg.loop_steps, cfg.cast
        w_hh, w_ih = weights[:L], (None,) + tuple(weights[L:2 * L - 1])
        w_hh_c = [w if cast is None else w.to(cast) for w in w_hh]
        w_ih_c = [None] + [w if cast is None else w.to(cast) for w in w_ih[1:]]
        B, T, _ = g_hidden.shape
        D = 2 * L * H
        dev, dtype = g_hidden.device, g_hidden.dtype
        g_table = torch.zeros(ctx.table_rows, 4 * H, device=dev, dtype=dtype)
        g_table_first = torch.zeros(ctx.table_rows, 4 * H, device=dev, dtype=dtype)
        g_w_hh = [torch.zeros_like(w) for w in w_hh]
        g_w_ih = [None] + [torch.zeros_like(w) for w in w_ih[1:]]
        g_b = [None] + [torch.zeros(4 * H, device=dev, dtype=dtype) for _ in range(1, L)]
        if cfg.halting:
            steps, stops, weight, halt = ctx.halting
            running = torch.arange(M, device=dev).view(1, M, 1) < steps.unsqueeze(1)  # (T, M, B)
            g_halt = g_halt.permute(1, 2, 0)  # (T, M, B)
            g_rem = g_remainder.t()  # (T, B)
            g_halt_w = torch.zeros(D, device=dev, dtype=dtype)
            g_halt_b = torch.zeros(1, device=dev, dtype=dtype)
        g_acc = torch.empty(B, D, device=dev, dtype=dtype)
        g_acc[:, :L * H] = g_h.transpose(0, 1).reshape(B, L * H)
        g_acc[:, L * H:] = g_c.transpose(0, 1).reshape(B, L * H)
        top = slice((L - 1) * H, L * H)
        for t in reversed(range(T)):
            plan, s, k_t, e_t, idx = plans[t], S[t], K[t], E[t], index[:, t]
            n = len(plan)
            plain = all(rows is None for rows, _, _ in plan)  # no compaction: weight gradients in one batch
            g_acc[:, top] += g_hidden[:, t]
            if cfg.halting:
                direct = _halting_backward(cfg, plan, s, g_acc, halt_w, running[t], stops[t], weight[t], halt[t],
                                           g_halt[t], g_rem[t], g_halt_w, g_halt_b)
            else:
                direct = [None] * (n - 1) + [g_acc]
            for k in reversed(range(n)):
                rows, keep, src = plan[k]
                m = len(src)
                g_state = direct[k]
                if k < n - 1:
                    next_keep = plan[k + 1][1]
                    if g_state is None:
                        g_state = g_acc
                    elif next_keep is None:
                        g_state = g_state.add_(g_acc)
                    else:
                        g_state = g_state.index_add_(0, next_keep, g_acc)
                g_acc = torch.empty(m, D, device=dev, dtype=dtype)  # gradient of src, the state before update k + 1
                g_below = None
                for layer in reversed(range(L)):
                    g_h_l = g_state[:, layer * H:(layer + 1) * H]
                    if g_below is not None:
                        g_h_l = g_h_l + g_below
                    c_slice = slice((L + layer) * H, (L + layer + 1) * H)
                    g_gates = _cell_backward(k_t[layer, k, :m], e_t[layer, k, :m], g_h_l, g_state[:, c_slice],
                                             g_acc[:, c_slice])
                    if cast is None:
                        torch.mm(g_gates, w_hh_c[layer], out=g_acc[:, layer * H:(layer + 1) * H])
                    else:
                        g_acc[:, layer * H:(layer + 1) * H] = g_gates.to(cast) @ w_hh_c[layer]
                    g_below = _mm(g_gates, w_ih_c[layer], cast) if layer else None
                    if not plain:
                        _weight_grads(g_gates, src, s[k + 1][:m], layer, H, g_w_hh, g_w_ih, g_b)
                if not plain:
                    (g_table_first if k == 0 else g_table).index_add_(0, idx if rows is None else idx[rows], g_gates)
            if plain:
                for layer in range(L):
                    _weight_grads(k_t[layer, :n].flatten(0, 1), s[:n].flatten(0, 1), s[1:n + 1].flatten(0, 1),
                                  layer, H, g_w_hh, g_w_ih, g_b)
                g_table_first.index_add_(0, idx, k_t[0, 0])
                if n > 1:
                    g_table.index_add_(0, idx, k_t[0, 1:n].sum(0))
        g_h0 = g_acc[:, :L * H].reshape(B, L, H).transpose(0, 1)
        g_c0 = g_acc[:, L * H:].reshape(B, L, H).transpose(0, 1)
        _POOL.give(S + K + E)
        ctx.S = ctx.K = ctx.E = ctx.halting = ctx.plans = None
        if not cfg.halting:
            g_halt_w = g_halt_b = None
        return (None, None, g_table, g_table_first, g_h0, g_c0, g_halt_w, g_halt_b,
                *g_w_hh, *g_w_ih[1:], *g_b[1:])


def _weight_grads(g_gates: Tensor, prev: Tensor, new: Tensor, layer: int, H: int, g_w_hh: list, g_w_ih: list,
                  g_b: list) -> None:
    """Accumulate the gradients of one layer's matrices (and bias, above layer 0) from its gate gradients
    (rows, 4H), the states before (rows, D) and after (rows, D) the updates."""
    g_w_hh[layer].addmm_(g_gates.t(), prev[:, layer * H:(layer + 1) * H])
    if layer:
        g_w_ih[layer].addmm_(g_gates.t(), new[:, (layer - 1) * H:layer * H])
        g_b[layer] += g_gates.sum(0)


def _moments(states: Tensor) -> tuple[Tensor, Tensor]:
    """Mean and inverse standard deviation 1/sigma (population variance, LayerNorm's epsilon) of each row of
    states (..., D), each (...,). Two fast reductions (a matrix-vector product and a norm) in place of
    ``Tensor.var``, which costs about 25x more on the CPU; the variance is E[s^2] - mean^2, exact enough for
    states of order one (tests compare it with F.layer_norm)."""
    D = states.shape[-1]
    rows = states.reshape(-1, D)
    mean = rows.mv(torch.full((D,), 1.0 / D, device=states.device, dtype=states.dtype))
    square = torch.linalg.vector_norm(rows, dim=-1).square_().div_(D)
    inv_std = square.sub_(mean * mean).clamp_min_(0).add_(_LAYER_NORM_EPS).rsqrt_()
    return mean.view(states.shape[:-1]), inv_std.view(states.shape[:-1])


def _halting_logit(states: Tensor, halt_w: Tensor, halt_b: Tensor, normalize: bool) -> Tensor:
    """The halting unit's logit z (B,) for states (B, D). Normalised, w . LayerNorm(s) + b is computed as
    (w . s - mean(s) sum(w)) / sigma + b, so the normalised states are never formed."""
    if not normalize:
        return torch.addmv(halt_b, states, halt_w)
    mean, inv_std = _moments(states)
    return torch.addcmul(halt_b, states.mv(halt_w).sub_(mean * halt_w.sum()), inv_std)


def _halting_input(states: Tensor, normalize: bool) -> tuple[Tensor, Tensor | None]:
    """What the halting unit reads from states (..., D): the states, or their LayerNorm (no affine) with the
    inverse standard deviation 1/sigma (..., 1) its backward needs (None without normalisation)."""
    if not normalize:
        return states, None
    mean, inv_std = _moments(states)
    inv_std = inv_std.unsqueeze(-1)
    return (states - mean.unsqueeze(-1)) * inv_std, inv_std


def _halting_direct(p: Tensor, g_acc: Tensor, g_z: Tensor, halt_w: Tensor, read: Tensor, inv_std: Tensor | None
                    ) -> Tensor:
    """The direct gradient of one update's new state: through its halting weight p (p g_acc) and through the
    halting unit's logit (gradient g_z) via what the unit read (``read``, normalised when ``inv_std``)."""
    if inv_std is None:
        return torch.addcmul(p[..., None] * g_acc, g_z[..., None], halt_w)
    g_read = g_z[..., None] * halt_w
    g_read = g_read - g_read.mean(-1, keepdim=True) - read * (g_read * read).mean(-1, keepdim=True)
    return torch.addcmul(p[..., None] * g_acc, g_read, inv_std)


def _sigmoid_slope(halt: Tensor, scale: float) -> Tensor:
    """d halt / d z for halt = scale * sigmoid(z), from halt itself."""
    return halt * (1 - halt) if scale == 1.0 else halt * (1 - halt / scale)


def _halting_backward(cfg: _Settings, plan: list, s: Tensor, g_acc: Tensor, halt_w: Tensor, running: Tensor,
                      stops: Tensor, weight: Tensor, halt: Tensor, g_halt: Tensor, g_rem: Tensor, g_halt_w: Tensor,
                      g_halt_b: Tensor) -> list[Tensor]:
    """Gradient of one symbol's loss with respect to each update's new state through its halting weight and
    halting output (the direct part; the recurrent part is added by the caller), one (m, D) tensor per update.
    Accumulates the halting unit's parameter gradients. running/stops/weight/halt/g_halt: (M, B); g_rem (B,)."""
    n = len(plan)
    if all(rows is None for rows, _, _ in plan):  # every row active in every update: one batch
        new = s[1:n + 1]  # (n, B, D)
        run, stop, h_out = running[:n], stops[:n], halt[:n]
        g_p = torch.bmm(new.transpose(0, 1), g_acc.unsqueeze(-1)).squeeze(-1).t()  # (n, B): dL/dp
        g_last = (g_p * stop).sum(0)  # dL/dp at the halting update N
        g_h_n = torch.where(run & ~stop, g_p - g_last - g_rem, 0.0) + g_halt[:n]
        g_z = g_h_n * _sigmoid_slope(h_out, cfg.halt_scale) * run  # (n, B): through the halting unit's sigmoid
        read, inv_std = _halting_input(new, cfg.halt_norm)
        g_halt_w.addmv_(read.reshape(-1, read.shape[2]).t(), g_z.reshape(-1))
        g_halt_b += g_z.sum()
        return list(_halting_direct(weight[:n], g_acc, g_z, halt_w, read, inv_std).unbind(0))
    per_update, g_last = [], torch.zeros_like(g_rem)  # g_last: dL/dp at each row's halting update N
    for k, (rows, _, src) in enumerate(plan):
        new = s[k + 1][:len(src)]
        g_acc_k = g_acc if rows is None else g_acc[rows]
        g_p = torch.bmm(new.unsqueeze(1), g_acc_k.unsqueeze(2)).view(-1)  # dL/dp per active row
        stop = stops[k] if rows is None else stops[k, rows]
        if rows is None:
            g_last += g_p * stop
        else:
            g_last.index_add_(0, rows, g_p * stop)
        per_update.append((rows, new, g_acc_k, g_p, stop))
    direct = []
    for k, (rows, new, g_acc_k, g_p, stop) in enumerate(per_update):
        pick = slice(None) if rows is None else rows
        run, h_out, p = running[k, pick], halt[k, pick], weight[k, pick]
        g_h_n = torch.where(run & ~stop, g_p - g_last[pick] - g_rem[pick], 0.0) + g_halt[k, pick]
        g_z = g_h_n * _sigmoid_slope(h_out, cfg.halt_scale) * run  # through the halting unit's sigmoid
        read, inv_std = _halting_input(new, cfg.halt_norm)
        g_halt_w.addmv_(read.t(), g_z)
        g_halt_b += g_z.sum()
        direct.append(_halting_direct(p, g_acc_k, g_z, halt_w, read, inv_std))
    return direct


def _cell_forward(gates: Tensor, c_prev: Tensor, h: Tensor, c: Tensor, tanh_c: Tensor, minus_one: Tensor) -> None:
    """LSTM cell in place: pre-activations ``gates`` (B, 4H, g doubled) become the activations (i, f, g, o);
    writes the new ``h`` and ``c`` (B, H) and tanh(c) into ``tanh_c``."""
    H = c.shape[1]
    gates.sigmoid_()
    g = gates[:, 2 * H:3 * H]
    torch.add(minus_one, g, alpha=2, out=g)  # tanh = 2 sigmoid(2x) - 1
    torch.mul(gates[:, H:2 * H], c_prev, out=c)
    c.addcmul_(gates[:, :H], g)
    _tanh(c, tanh_c, minus_one)
    torch.mul(gates[:, 3 * H:], tanh_c, out=h)


def _cell_derivatives(act: Tensor, c_prev: Tensor, tanh_c: Tensor, k: Tensor, e: Tensor, one: Tensor) -> None:
    """Write the backward factors of one cell (see ``_PonderSequence``) into ``k`` (B, 4H), ``e`` (B, 2H)."""
    H = tanh_c.shape[1]
    i, f, g, o = act[:, :H], act[:, H:2 * H], act[:, 2 * H:3 * H], act[:, 3 * H:]
    torch.addcmul(act, act, act, value=-1, out=k)  # a (1 - a): the sigmoid derivative
    k_g = k[:, 2 * H:3 * H]
    torch.addcmul(one, g, g, value=-1, out=k_g)
    k_g.mul_(i)
    k[:, :H].mul_(g)
    k[:, H:2 * H].mul_(c_prev)
    k[:, 3 * H:].mul_(tanh_c)
    e[:, :H].copy_(f)
    e_o = e[:, H:]
    torch.addcmul(one, tanh_c, tanh_c, value=-1, out=e_o)
    e_o.mul_(o)


def _cell_backward(k: Tensor, e: Tensor, g_h: Tensor, g_c: Tensor, g_c_prev: Tensor) -> Tensor:
    """Backward of one cell from the gradients of its h and c (B, H): turns the factors ``k`` (B, 4H) into
    the gradient of the pre-activations in place (and returns it); writes the gradient of c_prev."""
    B, H = g_h.shape
    g_c_total = torch.addcmul(g_c, g_h, e[:, H:])
    torch.mul(g_c_total, e[:, :H], out=g_c_prev)
    k[:, :3 * H].view(B, 3, H).mul_(g_c_total.unsqueeze(1))
    k[:, 3 * H:].mul_(g_h)
    return k

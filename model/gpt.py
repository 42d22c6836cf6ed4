"""The traced forward pass of a GPT-2 style model in numpy, greedy generation and sorting.

`graph(config, T)` describes every tensor a forward pass over T tokens records (name, role, axis names,
the Op that makes it; op kinds and dependency rules: llmreel.model.opgraph). `forward` computes the
numbers and files each array under its graph entry, so a Trace always matches the graph. `generate` is
greedy decoding with one trace per step; given a draft of the answer it verifies all steps with one pass
and reads each step's trace off that pass (`causal_prefix`), which is how `sort_letters` stays fast.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from llmreel.model import functional as F
from llmreel.model.config import GPTConfig
from llmreel.core.errors import InputError
from llmreel.model.tokenizer import decode, encode
from llmreel.model.trace import Op, Tensor, Trace
from llmreel.model.weights import param_spec, resolve_weights

SORT_LENGTH = 6
Entry = tuple[str, tuple[str, ...], "Op | None"]     # role, axes, op


@functools.lru_cache(maxsize=64)
def graph(config: GPTConfig, T: int) -> dict[str, Entry]:
    """Every tensor of a forward pass over T tokens, in trace order: name -> (role, axes, op).

    embed.tok's gather index is the token ids, so its Op here has index None (forward fills it in)."""
    C, H = config.n_embd, config.n_head
    g: dict[str, Entry] = {name: ("weight", axes, None) for name, (_, axes) in param_spec(config).items()}

    def act(name, axes, kind, inputs, **params):
        g[name] = ("activation", axes, Op(kind, tuple(inputs), params))

    def agg(name, axes, kind, inputs, **params):
        g[name] = ("aggregate", axes, Op(kind, tuple(inputs), params))

    def layernorm(name, x, w):
        agg(f"{name}.mean", ("T",), "layernorm_mean", [x])
        agg(f"{name}.rstd", ("T",), "layernorm_rstd", [x, f"{name}.mean"])
        act(name, ("T", "C"), "layernorm", [x, f"{name}.mean", f"{name}.rstd", f"{w}.weight", f"{w}.bias"],
            eps=F.LN_EPS)

    def softmax(prefix, axes, x, probs, causal):
        agg(f"{prefix}.max", axes[:-1], "softmax_max", [x], causal=causal)
        agg(f"{prefix}.expsum", axes[:-1], "softmax_expsum", [x, f"{prefix}.max"], causal=causal)
        act(probs, axes, "softmax", [x, f"{prefix}.max", f"{prefix}.expsum"], causal=causal)

    act("embed.tok", ("T", "C"), "gather", ["wte.weight"], index=None)
    act("embed.pos", ("T", "C"), "gather", ["wpe.weight"], index=list(range(T)))
    act("embed.out", ("T", "C"), "add", ["embed.tok", "embed.pos"])
    x = "embed.out"
    for i in range(config.n_layer):
        h = f"h{i}"
        layernorm(f"{h}.ln_1", x, f"{h}.ln_1")
        act(f"{h}.attn.qkv", ("T", "3C"), "linear", [f"{h}.ln_1", f"{h}.attn.c_attn.weight", f"{h}.attn.c_attn.bias"])
        for j, part in enumerate("qkv"):   # k and v rows are key positions: axis "Tk"
            act(f"{h}.attn.{part}", ("H", "T" if part == "q" else "Tk", "A"), "split_heads", [f"{h}.attn.qkv"],
                offset=j * C, n_head=H)
        act(f"{h}.attn.scores", ("H", "T", "Tk"), "attn_scores", [f"{h}.attn.q", f"{h}.attn.k"],
            scale=1.0 / math.sqrt(config.head_dim), causal=True)
        softmax(f"{h}.attn", ("H", "T", "Tk"), f"{h}.attn.scores", f"{h}.attn.probs", True)
        act(f"{h}.attn.y", ("T", "C"), "attn_apply", [f"{h}.attn.probs", f"{h}.attn.v"], n_head=H)
        act(f"{h}.attn.proj", ("T", "C"), "linear", [f"{h}.attn.y", f"{h}.attn.c_proj.weight", f"{h}.attn.c_proj.bias"])
        act(f"{h}.attn.resid", ("T", "C"), "add", [x, f"{h}.attn.proj"])
        layernorm(f"{h}.ln_2", f"{h}.attn.resid", f"{h}.ln_2")
        act(f"{h}.mlp.fc", ("T", "4C"), "linear", [f"{h}.ln_2", f"{h}.mlp.c_fc.weight", f"{h}.mlp.c_fc.bias"])
        act(f"{h}.mlp.gelu", ("T", "4C"), "gelu", [f"{h}.mlp.fc"])
        act(f"{h}.mlp.proj", ("T", "C"), "linear", [f"{h}.mlp.gelu", f"{h}.mlp.c_proj.weight", f"{h}.mlp.c_proj.bias"])
        act(f"{h}.mlp.resid", ("T", "C"), "add", [f"{h}.attn.resid", f"{h}.mlp.proj"])
        x = f"{h}.mlp.resid"
    layernorm("ln_f", x, "ln_f")
    act("logits", ("T", "V"), "linear", ["ln_f", "lm_head.weight"])
    softmax("logits", ("T", "V"), "logits", "probs", False)
    return g


def _check_tokens(config: GPTConfig, tokens) -> np.ndarray:
    idx = np.asarray(tokens, dtype=np.int64).reshape(-1)    # [T]
    if idx.size == 0 or idx.size > config.block_size:
        raise InputError(f"sequence of {idx.size} tokens; this model accepts 1..{config.block_size}")
    if idx.min() < 0 or idx.max() >= config.vocab_size:
        raise InputError(f"token ids must lie in 0..{config.vocab_size - 1}")
    return idx


def _check_draft(config: GPTConfig, draft, n_new: int) -> list[int]:
    arr = np.asarray(draft)
    ok = arr.ndim == 1 and arr.size <= n_new and (arr.size == 0 or np.issubdtype(arr.dtype, np.integer))
    if not ok or (arr.size and (arr.min() < 0 or arr.max() >= config.vocab_size)):
        raise InputError(f"draft {draft!r} is not accepted; expected a list of at most {n_new} token ids "
                         f"in 0..{config.vocab_size - 1}")
    return arr.tolist()


def check_ablate(config: GPTConfig, ablate) -> dict[int, list[int]]:
    """(layer, head) pairs -> {layer: sorted heads}; InputError naming the accepted range otherwise."""
    out: dict[int, list[int]] = {}
    for pair in ablate or ():
        layer, head = (int(v) for v in pair)
        if not (0 <= layer < config.n_layer and 0 <= head < config.n_head):
            raise InputError(f"head ({layer}, {head}) does not exist; accepted: layer 0..{config.n_layer - 1}, "
                             f"head 0..{config.n_head - 1}")
        out.setdefault(layer, []).append(head)
    return {layer: sorted(set(heads)) for layer, heads in out.items()}


def forward(params: dict[str, np.ndarray], config: GPTConfig, tokens, *, ablate=()) -> Trace:
    """One float32 forward pass over one sequence, recording every weight and intermediate tensor.

    The arrays are tiny (T <= block size), so the cost is the number of numpy calls and Python steps, not
    FLOPs: each op is a few in-place ufunc calls, and tensors are filed once at the end under graph().
    `ablate`: (layer, head) pairs whose output is zeroed before the attention projection (head ablation);
    their h{i}.attn.y records the zeros, and its Op lists them under `zeroed_heads`."""
    idx = _check_tokens(config, tokens)                                              # [T]
    zeroed = check_ablate(config, ablate)
    T, C, H, A = idx.size, config.n_embd, config.n_head, config.head_dim
    g = graph(config, T)
    names: list[str] = list(param_spec(config))
    arrays: list[np.ndarray] = [params[n] for n in names]     # filed in graph order: weights, then compute order

    def rec(name, data):
        names.append(name)
        arrays.append(data)
        return data

    def layernorm(name, x, w):
        mean, rstd, y = F.layernorm_rows(x, params[w + ".weight"], params[w + ".bias"])    # [T], [T], [T, C]
        rec(name + ".mean", mean)
        rec(name + ".rstd", rstd)
        return rec(name, y)

    def linear(name, x, w, b=None):
        y = x @ params[w]                                                            # [T, out]
        if b is not None:
            y += params[b]
        return rec(name, y)

    def softmax(prefix, x, probs):
        mx = rec(prefix + ".max", np.maximum.reduce(x, -1))                          # [...]
        e = x - mx[..., None]                                                        # [..., K]
        np.exp(e, out=e)                                                             # masked: exp(-inf) = 0
        es = rec(prefix + ".expsum", np.add.reduce(e, -1))                           # [...]
        e /= es[..., None]
        return rec(probs, e)                                                         # [..., K]

    tok = rec("embed.tok", params["wte.weight"][idx])                                # [T, C]
    x = rec("embed.out", tok + rec("embed.pos", params["wpe.weight"][:T]))           # [T, C]
    mask_bias = F.causal_bias(T, x.dtype.type)                                       # [T, Tk] 0 / -inf
    scale = x.dtype.type(1.0 / math.sqrt(A))
    for i in range(config.n_layer):
        h = f"h{i}."
        qkv = linear(h + "attn.qkv", layernorm(h + "ln_1", x, h + "ln_1"),
                     h + "attn.c_attn.weight", h + "attn.c_attn.bias")               # [T, 3C]
        q, k, v = qkv.reshape(T, 3, H, A).transpose(1, 2, 0, 3)                      # [H, T, A] views
        rec(h + "attn.q", q)
        rec(h + "attn.k", k)
        rec(h + "attn.v", v)
        att = q @ k.transpose(0, 2, 1)                                               # [H, T, Tk]
        att *= scale
        att += mask_bias                                                             # causal mask: -inf
        probs = softmax(h + "attn", rec(h + "attn.scores", att), h + "attn.probs")   # [H, T, Tk]
        y = (probs @ v).transpose(1, 0, 2).reshape(T, C)                             # [T, C] heads side by side
        y = rec(h + "attn.y", F.zero_heads(y, zeroed.get(i, ()), A))
        x = rec(h + "attn.resid", x + linear(h + "attn.proj", y, h + "attn.c_proj.weight",
                                              h + "attn.c_proj.bias"))               # [T, C]
        fc = linear(h + "mlp.fc", layernorm(h + "ln_2", x, h + "ln_2"),
                    h + "mlp.c_fc.weight", h + "mlp.c_fc.bias")                      # [T, 4C]
        mp = linear(h + "mlp.proj", rec(h + "mlp.gelu", F.gelu(fc)),
                    h + "mlp.c_proj.weight", h + "mlp.c_proj.bias")                  # [T, C]
        x = rec(h + "mlp.resid", x + mp)                                             # [T, C]
    logits = linear("logits", layernorm("ln_f", x, "ln_f"), "lm_head.weight")        # [T, V]
    softmax("logits", logits, "probs")                                               # [T, V]
    if names != list(g):                   # recorded in graph order: weights, then compute order
        raise AssertionError("forward recorded tensors out of graph order")
    tensors = {n: Tensor(n, *g[n], d) for n, d in zip(names, arrays)}
    tensors["embed.tok"].op = Op("gather", ("wte.weight",), {"index": idx.tolist()})   # graph() leaves it open
    for i, heads in zeroed.items():
        y_op = tensors[f"h{i}.attn.y"].op
        tensors[f"h{i}.attn.y"].op = Op(y_op.kind, y_op.inputs, {**y_op.params, "zeroed_heads": heads})
    return Trace(config, idx.tolist(), tensors)


@functools.lru_cache(maxsize=256)
def _prefix_plan(config: GPTConfig, T: int) -> tuple[tuple[str, str, tuple[str, ...], Op, tuple], ...]:
    """Per activation/aggregate of a T-token pass: (name, role, axes, op, index cutting T / Tk axes to :T)."""
    cut = slice(0, T)
    return tuple((name, role, axes, op, tuple(cut if a in ("T", "Tk") else slice(None) for a in axes))
                 for name, (role, axes, op) in graph(config, T).items() if role != "weight")


def causal_prefix(trace: Trace, T: int) -> Trace:
    """The trace of a pass over trace.tokens[:T], read off the first T positions of `trace` (views, no copy).

    Attention is causal, so position t of a pass never sees tokens after t: activations [:T], scores and
    probs [:, :T, :T], aggregates [:T] / [:, :T] are those of a pass over the first T tokens. Names, roles,
    axes, ops and shapes are exactly forward()'s for T tokens (weights are shared with `trace`); values agree
    with a separate forward to float32 rounding (BLAS kernels and numpy's pairwise sums follow the number of
    rows, so additions happen in another order). Returns `trace` itself when T is its full length."""
    L = len(trace.tokens)
    if not 1 <= T <= L:
        raise ValueError(f"prefix length {T} outside 1..{L}")
    if T == L:
        return trace
    src = trace.tensors
    out = dict(src)                             # weights: the same Tensor objects; the rest replaced below
    for name, role, axes, op, index in _prefix_plan(trace.config, T):
        out[name] = Tensor(name, role, axes, op, src[name].data[index])
    tokens = trace.tokens[:T]
    out["embed.tok"].op = Op("gather", ("wte.weight",), {"index": list(tokens)})    # graph() leaves it open
    return Trace(trace.config, tokens, out)


def generate(params, config: GPTConfig, tokens, n_new: int, *, draft=None,
             ablate=()) -> tuple[list[int], list[Trace]]:
    """Greedy decoding: append argmax of the last position's logits n_new times; one trace per step.

    Returns (tokens + the n_new new ones, traces) where traces[j] is the pass over seq[:n0 + j] (n0 =
    len(tokens)) and seq[n0 + j] == argmax(traces[j]["logits"][-1]), exactly, always.

    Without a draft every step is its own forward() over the sequence so far (the plain loop).
    `draft` is a guess at the new tokens (e.g. the sorted input when sorting; up to n_new ids, the last one
    is never fed in). One pass over seq + draft checks all guesses at once, as in speculative decoding:
    step T's trace is read off that pass's first T positions (causal_prefix) and a guess is kept only while
    it equals that step's argmax; at the first miss the model's own token is appended and a new pass starts
    from there. So the draft never decides a token, and a wrong draft costs at most the plain loop's n_new
    passes. What a draft changes: each trace has forward(seq[:T])'s names, roles, axes, ops and shapes and
    equals it to float32 rounding, not bit for bit (different summation order); the tokens are the plain
    loop's unless a step's two top logits tie to within that rounding. Traces read off one pass share its
    memory, so their activations and aggregates are read-only views. `ablate`: as forward()."""
    seq = _check_tokens(config, tokens).tolist()
    n0 = len(seq)
    if n0 + n_new - 1 > config.block_size:
        raise InputError(f"{n0} tokens + {n_new} new exceed the model's block size {config.block_size}")
    guess = [] if draft is None else _check_draft(config, draft, n_new)[:n_new - 1]   # the last is never fed
    traces: list[Trace] = []
    while len(traces) < n_new:
        fed = seq + guess[len(seq) - n0:]                                            # known + guessed, [L]
        full = forward(params, config, fed, ablate=ablate)
        if len(fed) > len(seq):                    # several steps will share these arrays: writing is an error
            for t in full.tensors.values():
                if t.role != "weight":
                    t.data.setflags(write=False)
        for T in range(len(seq), len(fed) + 1):
            tr = causal_prefix(full, T)
            traces.append(tr)
            seq.append(int(np.argmax(tr["logits"][-1])))
            if len(traces) == n_new or (T < len(fed) and seq[-1] != fed[T]):
                break                              # done, or the guess at T was wrong: later rows are void
    return seq, traces


def sort_letters(text: str, weights=None) -> tuple[str, list[Trace]]:
    """"CBABBC" -> ("ABBBCC", six traces). `weights`: None (shipped), a path, or (config, params).

    The sorted input is passed to generate() as a draft: a model that sorts confirms it with one traced pass
    over 11 tokens; one that does not is overruled step by step, so the answer is always the model's own."""
    idx = encode(text, length=SORT_LENGTH)
    config, params = resolve_weights(weights)
    if config.vocab_size != 3 or config.block_size < 2 * SORT_LENGTH - 1:
        raise InputError(f"sorting needs a 3-letter vocabulary and block size >= {2 * SORT_LENGTH - 1}; "
                         f"these weights have vocab {config.vocab_size}, block {config.block_size}")
    seq, traces = generate(params, config, idx, SORT_LENGTH, draft=sorted(idx))   # verified, see generate
    return decode(seq[SORT_LENGTH:]), traces

"""Training the sort model in numpy: minGPT's sort demo data, AdamW, cosine decay, greedy evaluation.

A training example is the 6 input letters followed by their sorted version, fed as 11 tokens; the loss
counts only the 6 positions that predict the sorted letters (minGPT's -1 targets elsewhere).
"""
from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import numpy as np

from llmreel.model.backprop import forward_batch, loss_and_grads
from llmreel.model.config import GPTConfig, get_config
from llmreel.model.gpt import check_ablate
from llmreel.core.errors import InputError
from llmreel.model.weights import init_params

SORT_LENGTH = 6
# minGPT's configure_optimizers: weight decay on Linear weights only (not biases, LayerNorm, embeddings)
_DECAYED = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight", "lm_head.weight")


def all_inputs(length: int = SORT_LENGTH, vocab: int = 3) -> np.ndarray:
    """Every input sequence, [vocab**length, length] int64, in lexicographic order (AAAAAA first)."""
    return np.array(list(itertools.product(range(vocab), repeat=length)), dtype=np.int64)


def make_examples(inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """inputs [N, L] -> (x [N, 2L-1], y [N, 2L-1]): x = (inputs, sorted)[:-1], y = the next tokens with
    -1 (ignored) on the first L-1 positions, which only read the input."""
    L = inputs.shape[1]
    seq = np.concatenate([inputs, np.sort(inputs, axis=1)], axis=1)                  # [N, 2L]
    x, y = seq[:, :-1].copy(), seq[:, 1:].copy()                                     # [N, 2L-1]
    y[:, :L - 1] = -1
    return x, y


def greedy_sort_batch(params, config: GPTConfig, inputs: np.ndarray, *, ablate=(), remove=()) -> np.ndarray:
    """Greedy decoding of L tokens for every row of inputs [N, L] at once -> outputs [N, L].
    `ablate`: (layer, head) pairs zeroed before the attention projection, as gpt.forward; `remove`: steps
    left out (backprop.REMOVABLE)."""
    zeroed = check_ablate(config, ablate)
    seq = np.asarray(inputs, dtype=np.int64)
    L = seq.shape[1]
    for _ in range(L):
        logits = forward_batch(params, config, seq, ablate=zeroed, remove=remove)    # [N, T, V]
        seq = np.concatenate([seq, logits[:, -1].argmax(-1)[:, None]], axis=1)
    return seq[:, L:]


def _as_inputs(inputs) -> np.ndarray:
    if inputs is None:
        return all_inputs()
    if isinstance(inputs, str) or (isinstance(inputs, (list, tuple)) and inputs and isinstance(inputs[0], str)):
        from llmreel.model.tokenizer import encode
        items = [inputs] if isinstance(inputs, str) else inputs
        return np.array([encode(s, length=SORT_LENGTH) for s in items], dtype=np.int64)
    return np.asarray(inputs, dtype=np.int64).reshape(-1, SORT_LENGTH)


def sort_accuracy(params, config: GPTConfig, inputs=None) -> tuple[int, int]:
    """(n_correct, n_total): inputs whose greedy output is exactly their sorted letters (all 729 by
    default; also accepts an int array [N, 6] or strings like "CBABBC")."""
    inputs = _as_inputs(inputs)
    if len(inputs) == 0:
        return 0, 0
    ok = (greedy_sort_batch(params, config, inputs) == np.sort(inputs, axis=1)).all(axis=1)
    return int(ok.sum()), int(len(inputs))


def teacher_forced_correct(params, config: GPTConfig, x: np.ndarray, y: np.ndarray) -> int:
    """How many examples have every scored position right under teacher forcing: one forward pass.

    Equals the greedy count mathematically (greedy only ever feeds back correct tokens while it is
    right), at 1/6 of the cost; the training monitor uses it, `sort_accuracy` decodes greedily."""
    pred = forward_batch(params, config, x).argmax(-1)                               # [N, T]
    return int(((pred == y) | (y < 0)).all(axis=1).sum())


@dataclass
class TrainResult:
    params: dict[str, np.ndarray]
    config: GPTConfig
    seed: int
    steps: int                              # steps taken (may stop early once all training inputs sort)
    max_steps: int
    seconds: float
    loss: float                             # mean loss over the last eval interval
    accuracy: tuple[int, int]               # over all 729 inputs
    train_accuracy: tuple[int, int]
    held_out_accuracy: tuple[int, int] | None
    history: list[tuple[int, float, int]] = field(default_factory=list)   # (step, loss, train correct)

    @property
    def all_sorted(self) -> bool:
        return self.accuracy[0] == self.accuracy[1]


def _flat_params(params: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Copy params into one contiguous float32 buffer; return views into it (so AdamW is a few ops)."""
    flat = np.concatenate([p.ravel() for p in params.values()]).astype(np.float32)
    views, offset = {}, 0
    for k, p in params.items():
        views[k] = flat[offset:offset + p.size].reshape(p.shape)
        offset += p.size
    return views, flat


def lr_at(step: int, max_steps: int, lr: float, warmup: int, min_lr: float) -> float:
    """Linear warmup then cosine decay from lr to min_lr at max_steps."""
    if step < warmup:
        return lr * (step + 1) / warmup
    frac = min(1.0, (step - warmup) / max(1, max_steps - warmup))
    return min_lr + 0.5 * (lr - min_lr) * (1.0 + math.cos(math.pi * frac))


def train(config=None, *, seed: int = 0, steps: int = 800, hold_out: float = 0.0, progress: bool = True,
          batch_size: int = 64, lr: float = 3e-3, min_lr: float | None = None, warmup: int = 50,
          weight_decay: float = 0.1, betas: tuple[float, float] = (0.9, 0.95), eps: float = 1e-8,
          grad_clip: float = 1.0, eval_every: int = 25, stop_when_sorted: bool = True) -> TrainResult:
    """Train from minGPT initialisation (seed) with AdamW as minGPT (betas 0.9/0.95, weight decay on
    matrices only, global grad-norm clip) and cosine decay. With hold_out F, that fraction of the 729
    inputs is never trained on and reported separately. Stops early once every training input sorts."""
    config = get_config("nano-sort") if config is None else (config if isinstance(config, GPTConfig) else get_config(config))
    if config.vocab_size != 3 or config.block_size < 2 * SORT_LENGTH - 1:
        raise InputError("training sorts 6 letters: needs vocab 3 and block size >= 11")
    if not 0.0 <= hold_out < 1.0:
        raise InputError(f"--hold-out {hold_out} out of range; accepted: 0 <= F < 1")
    if steps < 1:
        raise InputError(f"--steps {steps}: must be at least 1")
    min_lr = lr * 0.1 if min_lr is None else min_lr
    rng = np.random.default_rng(seed)
    inputs = all_inputs()
    perm = rng.permutation(len(inputs))
    n_held = int(round(hold_out * len(inputs)))
    held, trained = inputs[np.sort(perm[:n_held])], inputs[np.sort(perm[n_held:])]
    X, Y = make_examples(trained)                                                    # [N, 11] each

    params, flat = _flat_params(init_params(config, seed))     # params: views into one flat buffer
    names = list(params)
    decay = np.concatenate([np.full(params[k].size, k.endswith(_DECAYED), np.float32) for k in names])
    m, v = np.zeros_like(flat), np.zeros_like(flat)
    b1, b2 = betas
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=steps, desc="train", unit="step", dynamic_ncols=True)
    t0 = time.perf_counter()
    history, losses, step = [], [], 0
    train_acc = (0, len(trained))
    try:
        for step in range(1, steps + 1):
            batch = rng.integers(0, len(X), batch_size)
            loss, grads = loss_and_grads(params, config, X[batch], Y[batch])
            losses.append(loss)
            g = np.concatenate([grads[k].ravel() for k in names])                     # [n_params]
            norm = math.sqrt(float(np.vdot(g, g)))
            g *= np.float32(min(1.0, grad_clip / (norm + 1e-6)))                       # global-norm clip
            lr_t = lr_at(step - 1, steps, lr, warmup, min_lr)
            flat *= 1.0 - np.float32(lr_t * weight_decay) * decay                     # decoupled decay (AdamW)
            m *= np.float32(b1)
            m += np.float32(1 - b1) * g
            v *= np.float32(b2)
            v += np.float32(1 - b2) * (g * g)
            denom = np.sqrt(v / np.float32(1 - b2 ** step))
            denom += np.float32(eps)
            flat -= np.float32(lr_t / (1 - b1 ** step)) * m / denom                    # bias-corrected Adam step
            if step % eval_every == 0 or step == steps:
                train_acc = (teacher_forced_correct(params, config, X, Y), len(X))
                mean_loss = float(np.mean(losses))
                losses = []
                history.append((step, mean_loss, train_acc[0]))
                if bar is not None:
                    bar.set_postfix(loss=f"{mean_loss:.4f}", sorted=f"{train_acc[0]}/{train_acc[1]}")
                if stop_when_sorted and train_acc[0] == train_acc[1]:
                    if bar is not None:
                        bar.update(step - bar.n)
                    break
            if bar is not None and step % 10 == 0:
                bar.update(step - bar.n)
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - t0
    params = {k: p.copy() for k, p in params.items()}                              # independent arrays
    return TrainResult(params=params, config=config, seed=seed, steps=step, max_steps=steps, seconds=seconds,
                       loss=history[-1][1] if history else float("nan"),
                       accuracy=sort_accuracy(params, config), train_accuracy=train_acc,
                       held_out_accuracy=sort_accuracy(params, config, held) if n_held else None,
                       history=history)

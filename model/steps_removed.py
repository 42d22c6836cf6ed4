"""Why each step is there, measured: the shipped model's accuracy over all 729 inputs with one step left
out, and how far the residual stream's numbers spread before each layer norm.

Accuracy is whole answers sorted right (greedy, train.greedy_sort_batch) out of all 3**6 inputs, as a
percentage. The steps: the position table, every layer norm (each passes its input unchanged), the
residual add (each block's results replace the stream instead of being added to it), every MLP, all of
self-attention, and each head alone (zeroed before the projection, as model/findings.py does). The
spread is the standard deviation of one column's numbers where a layer norm reads it, averaged over every
column of every input. The captions quote these numbers (scenes/captions.py); computing them takes a
few seconds, so the shipped model's are stored in weights/steps_removed.json (checked by a test) and
any other weights are measured once per process.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llmreel.model.backprop import forward_batch
from llmreel.model.config import GPTConfig
from llmreel.model.train import SORT_LENGTH, all_inputs, greedy_sort_batch, make_examples
from llmreel.model.weights import weights_digest


@dataclass(frozen=True)
class StepsRemoved:
    n_inputs: int
    full: float                          # accuracy of the model as trained, percent
    without: dict[str, float]            # "position" | "layer-norm" | "residual" | "mlp" | "attention" -> percent
    heads: dict[tuple[int, int], float]  # (layer, head) zeroed -> percent
    spread: dict[str, float]             # layer norm ("h0.ln_1", ..., "ln_f") -> mean std of the columns it reads

    def head_cost(self) -> tuple[tuple[int, int], float]:
        """The head whose removal costs most, and the points it costs."""
        worst = min(self.heads, key=lambda k: (self.heads[k], k))
        return worst, self.full - self.heads[worst]


def _percent(params, config: GPTConfig, inputs: np.ndarray, **kw) -> float:
    ok = (greedy_sort_batch(params, config, inputs, **kw) == np.sort(inputs, axis=1)).all(axis=1)
    return float(100.0 * ok.mean())


def measure(params, config: GPTConfig) -> StepsRemoved:
    """Every measurement above for these weights (a letters model of 3 tokens; about 0.3 s)."""
    inputs = all_inputs(vocab=config.vocab_size)
    without = {step: _percent(params, config, inputs, remove=(step,)) for step in ("position", "layer-norm",
                                                                                  "residual", "mlp")}
    everyone = [(i, h) for i in range(config.n_layer) for h in range(config.n_head)]
    without["attention"] = _percent(params, config, inputs, ablate=everyone)
    heads = {ih: _percent(params, config, inputs, ablate=[ih]) for ih in everyone}
    x, _ = make_examples(inputs)
    _, cache = forward_batch(params, config, x, keep=True)
    names = [f"h{i}.{n}" for i in range(config.n_layer) for n in ("ln_1", "ln_2")] + ["ln_f"]
    spread = {n: float(np.mean(1.0 / cache[n][1])) for n in names}      # cache[n] = (x normalised, 1/std)
    return StepsRemoved(len(inputs), _percent(params, config, inputs), without, heads, spread)


SHIPPED = Path(__file__).resolve().parent / "weights" / "steps_removed.json"
_CACHE: dict[str, StepsRemoved] = {}


def to_json(r: StepsRemoved) -> dict:
    return {"n_inputs": r.n_inputs, "full": r.full, "without": r.without,
            "heads": {f"{i}.{h}": v for (i, h), v in r.heads.items()}, "spread": r.spread}


def from_json(d: dict) -> StepsRemoved:
    heads = {tuple(int(x) for x in k.split(".")): v for k, v in d["heads"].items()}
    return StepsRemoved(d["n_inputs"], d["full"], d["without"], heads, d["spread"])  # type: ignore[arg-type]


def steps_removed(params, config: GPTConfig) -> StepsRemoved | None:
    """measure() for these weights: read from SHIPPED when it holds them (the shipped model), else
    measured once per process. None for a model that does not sort six letters of A/B/C."""
    if config.vocab_size != 3 or config.block_size < 2 * SORT_LENGTH - 1:
        return None
    key = weights_digest(config, params)
    if key not in _CACHE:
        shipped = json.loads(SHIPPED.read_text(encoding="utf-8")) if SHIPPED.is_file() else {}
        _CACHE[key] = from_json(shipped[key]) if key in shipped else measure(params, config)
    return _CACHE[key]


if __name__ == "__main__":      # python -m llmreel.model.steps_removed > model/weights/steps_removed.json
    from llmreel.model.weights import load_weights
    cfg, prm = load_weights(None)
    print(json.dumps({weights_digest(cfg, prm): to_json(measure(prm, cfg))}, indent=1))

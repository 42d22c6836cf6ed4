"""The findings of a set of weights, kept so that a plan need not measure them again.

Measuring (findings.find: 729 traced runs and 729 x 9 ablated sorts) takes 5-15 s on two cores; a plan of the
default film takes about one. So the findings are stored as JSON under the weights' digest (their config and
every array, not the file they came from) together with the criterion they were measured with:

- the shipped weights' findings ship beside them (`weights/nano_sort.findings.json`;
  `python -m llmreel.model.findings_cache` rewrites it, tests/test_model_findings_cache.py fails until then);
- any other weights' are measured once and written, whole, to the user's cache folder ($LLMREEL_CACHE, else
  $XDG_CACHE_HOME/llmreel, else ~/.cache/llmreel); a folder that cannot be written only costs the time.

A stored entry whose criterion differs from the code's (a threshold or a kind of letter changed) is measured
again.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np

from llmreel.core.files import write_text_atomic
from llmreel.model.config import GPTConfig
from llmreel.model.findings import (CAUSAL_POINTS, CHANCE_FACTOR, HOLD_SHARE, HYPOTHESES, MIN_PERCENT, Ablation,
                                    Finding, Findings, Measure, find)
from llmreel.model.weights import DEFAULT_WEIGHTS, resolve_weights, weights_digest

SHIPPED = Path(DEFAULT_WEIGHTS).with_name("nano_sort.findings.json")
CRITERION = {"hold_share": HOLD_SHARE, "min_percent": MIN_PERCENT, "chance_factor": CHANCE_FACTOR,
             "causal_points": CAUSAL_POINTS, "hypotheses": list(HYPOTHESES)}


def to_json(r: Findings, key: str) -> str:
    return json.dumps({"digest": key, "criterion": CRITERION, "config": r.config.to_dict(), "n_inputs": r.n_inputs,
                       "base_sorted": r.base_sorted, "measures": [asdict(m) for m in r.measures],
                       "ablations": [asdict(a) for a in r.ablations],
                       "findings": [{**asdict(f), "ablation": [f.ablation.layer, f.ablation.head]} for f in r.findings]},
                      indent=0) + "\n"


def from_json(text: str, params: dict[str, np.ndarray]) -> tuple[str, dict, Findings]:
    """(digest, criterion, Findings) of a stored entry; `params` are the weights it was measured on."""
    doc = json.loads(text)
    abl = [Ablation(**{**a, "letters": tuple(a["letters"])}) for a in doc["ablations"]]
    by_head = {(a.layer, a.head): a for a in abl}
    found = [Finding(**{**f, "steps": tuple(f["steps"]), "ablation": by_head[tuple(f["ablation"])]})
             for f in doc["findings"]]
    r = Findings(GPTConfig(**doc["config"]), doc["n_inputs"], doc["base_sorted"],
                 [Measure(**m) for m in doc["measures"]], abl, found, params)
    return doc["digest"], doc["criterion"], r


def cache_folder() -> Path:
    if os.environ.get("LLMREEL_CACHE"):
        return Path(os.environ["LLMREEL_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "llmreel"


def _stored(path: Path, key: str, params) -> Findings | None:
    try:
        got, criterion, r = from_json(path.read_text(encoding="utf-8"), params)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return r if got == key and criterion == CRITERION else None


def cached_find(weights=None) -> Findings:
    """findings.find(weights), read from the shipped file or the cache folder when they hold these weights
    measured with this criterion; otherwise measured and stored in the cache folder."""
    config, params = resolve_weights(weights)
    key = weights_digest(config, params)
    for path in (SHIPPED, cache_folder() / f"findings-{key[:32]}.json"):
        r = _stored(path, key, params)
        if r is not None:
            return r
    r = find((config, params))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, to_json(r, key))
    except OSError:
        pass                                   # no cache folder to write: the next plan measures again
    return r


def write_shipped() -> Path:
    """Measure the shipped weights and rewrite SHIPPED."""
    config, params = resolve_weights(None)
    write_text_atomic(SHIPPED, to_json(find((config, params)), weights_digest(config, params)))
    return SHIPPED


if __name__ == "__main__":
    print(write_shipped())

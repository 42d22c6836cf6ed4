"""Trace: every tensor one forward pass touched, in order, with the op that produced it.

Insertion order is: weights (GPT-2 names, orientation out = in @ W + b), then activations and
aggregates in compute order. A trace file is an `.npz` holding every array under its name plus
`__manifest__`, a 0-d string array of JSON (config, tokens, and per tensor: role, axes, shape, op),
so it loads with `allow_pickle=False`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from llmreel.core.errors import InputError
from llmreel.core.files import atomic_output
from llmreel.model.config import GPTConfig

ROLES = ("weight", "activation", "aggregate")
MANIFEST_KEY = "__manifest__"
TRACE_FORMAT = "llmreel-trace/1"


@dataclass(frozen=True)
class Op:
    kind: str                      # see llmreel.model.opgraph for the kinds and their dependencies
    inputs: tuple[str, ...]        # names of input tensors in this trace
    params: dict = field(default_factory=dict, hash=False, compare=True)   # JSON-able extras

    def to_json(self) -> dict:
        return {"kind": self.kind, "inputs": list(self.inputs), "params": self.params}

    @classmethod
    def from_json(cls, d: dict) -> "Op":
        return cls(d["kind"], tuple(d["inputs"]), dict(d.get("params", {})))


@dataclass(slots=True)
class Tensor:
    name: str
    role: str                      # "weight" | "activation" | "aggregate"
    axes: tuple[str, ...]          # axis names, e.g. ("T", "C"), ("H", "T", "Tk")
    op: Op | None                  # None for weights
    data: np.ndarray


class Trace:
    """Ordered named tensors of one forward pass over `tokens`."""

    def __init__(self, config: GPTConfig, tokens, tensors: dict[str, Tensor] | None = None):
        self.config = config
        self.tokens = tuple(int(t) for t in tokens)
        self.tensors: dict[str, Tensor] = {} if tensors is None else tensors

    def add(self, name: str, role: str, axes: tuple[str, ...], op: Op | None, data: np.ndarray) -> np.ndarray:
        """Record a tensor and return its data (so the forward pass reads like plain numpy)."""
        self.tensors[name] = Tensor(name, role, axes, op, data)
        return data

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.tensors[name].data
        except KeyError:
            raise KeyError(f"no tensor {name!r} in this trace") from None

    def __contains__(self, name) -> bool:
        return name in self.tensors

    def __len__(self) -> int:
        return len(self.tensors)

    def names(self, role: str | None = None) -> list[str]:
        if role is None:
            return list(self.tensors)
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; accepted: {', '.join(ROLES)}")
        return [n for n, t in self.tensors.items() if t.role == role]

    def manifest(self) -> dict:
        return {
            "format": TRACE_FORMAT,
            "config": self.config.to_dict(),
            "tokens": list(self.tokens),
            "tensors": [{"name": t.name, "role": t.role, "axes": list(t.axes), "shape": list(t.data.shape),
                         "dtype": str(t.data.dtype), "op": None if t.op is None else t.op.to_json()}
                        for t in self.tensors.values()],
        }

    def save(self, path) -> None:
        """Write an .npz (arrays + JSON manifest) atomically: a half-written file never appears."""
        path = Path(path)
        if path.suffix != ".npz":
            raise InputError(f"trace output {str(path)!r} must end in .npz")
        arrays = {name: t.data for name, t in self.tensors.items()}
        arrays[MANIFEST_KEY] = np.array(json.dumps(self.manifest()))
        with atomic_output(path) as tmp:
            np.savez(tmp, **arrays)

    @classmethod
    def load(cls, path) -> "Trace":
        path = Path(path)
        if not path.is_file():
            raise InputError(f"trace file {str(path)!r} not found; expected an .npz written by `llmreel trace`")
        try:
            with np.load(path, allow_pickle=False) as z:
                man = json.loads(str(z[MANIFEST_KEY][()]))
                arrays = {e["name"]: z[e["name"]] for e in man["tensors"]}
        except Exception as exc:  # zip/npz/json errors of every kind: not a trace file
            raise InputError(f"{str(path)!r} is not a readable llmreel trace (.npz with __manifest__): {exc}") from None
        trace = cls(GPTConfig(**man["config"]), man["tokens"])
        for e in man["tensors"]:
            op = None if e["op"] is None else Op.from_json(e["op"])
            trace.add(e["name"], e["role"], tuple(e["axes"]), op, arrays[e["name"]])
        return trace

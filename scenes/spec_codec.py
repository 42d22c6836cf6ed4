"""The SceneSpec's serialisation: dataclasses <-> a JSON document plus named numpy arrays, and equality
with arrays compared by value (spec.SceneSpec.save / load / digest / __eq__)."""
from __future__ import annotations

import dataclasses
import functools
from typing import Any, get_args, get_origin, get_type_hints

import numpy as np


def encode(obj: Any, arrays: dict[str, np.ndarray], key: str) -> Any:
    if isinstance(obj, np.ndarray):
        arrays[key] = obj
        return {"__array__": key}
    if dataclasses.is_dataclass(obj):
        return {f.name: encode(getattr(obj, f.name), arrays, f"{key}/{f.name}") for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {k: encode(v, arrays, f"{key}/{k}") for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [encode(v, arrays, f"{key}/{i}") for i, v in enumerate(obj)]
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if np.isfinite(f) else {"__float__": repr(f)}
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


@functools.lru_cache(maxsize=None)
def _type_hints(tp: type) -> dict[str, Any]:
    """get_type_hints, once per dataclass (it re-evaluates string annotations on every call)."""
    return get_type_hints(tp)


def decode(tp: Any, doc: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(doc, dict) and "__array__" in doc:
        return arrays[doc["__array__"]]
    if isinstance(doc, dict) and "__float__" in doc:
        return float(doc["__float__"])
    if dataclasses.is_dataclass(tp):
        hints = _type_hints(tp)
        return tp(**{f.name: decode(hints[f.name], doc[f.name], arrays)
                     for f in dataclasses.fields(tp) if f.name in doc})
    origin, args = get_origin(tp), get_args(tp)
    if origin is list:
        return [decode(args[0], v, arrays) for v in doc]
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v, arrays) for v in doc)
        return tuple(decode(a, v, arrays) for a, v in zip(args, doc))
    if origin is dict:
        return {k: decode(args[1], v, arrays) for k, v in doc.items()}
    return doc


def equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(equal(getattr(a, f.name), getattr(b, f.name))
                                          for f in dataclasses.fields(a))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    return a == b

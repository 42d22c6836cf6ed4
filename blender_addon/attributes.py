"""Arrays become named mesh attributes through one checked helper (dtype, domain, length)."""
from __future__ import annotations

import numpy as np

# Blender attribute type -> (numpy dtype, components per element, foreach_set property)
_TYPES = {
    "FLOAT": (np.float32, 1, "value"),
    "INT": (np.int32, 1, "value"),
    "FLOAT_VECTOR": (np.float32, 3, "vector"),
    "FLOAT_COLOR": (np.float32, 4, "color"),
    "FLOAT2": (np.float32, 2, "vector"),
}


def _domain_size(data, domain: str) -> int:
    """Elements of `domain` in a mesh or a Curves data block (its POINT and CURVE domains)."""
    if hasattr(data, "curves"):
        return {"POINT": len(data.points), "CURVE": len(data.curves)}[domain]
    return {"POINT": len(data.vertices), "EDGE": len(data.edges), "FACE": len(data.polygons),
            "CORNER": len(data.loops)}[domain]


def set_attribute(mesh, name: str, values, atype: str = "FLOAT", domain: str = "FACE"):
    """Create or overwrite attribute `name` on `mesh` (or a Curves data block) with `values` (one element per domain item).

    Checks: known type, values castable to that type without becoming non-finite where they were finite,
    shape [n] or [n, k] with n = the domain's size and k = the type's component count."""
    if atype not in _TYPES:
        raise ValueError(f"attribute {name!r}: type {atype!r} not one of {sorted(_TYPES)}")
    dtype, comps, prop = _TYPES[atype]
    arr = np.asarray(values)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"attribute {name!r}: dtype {arr.dtype} is not numeric")
    n = _domain_size(mesh, domain)
    want = (n,) if comps == 1 else (n, comps)
    if arr.shape != want:
        raise ValueError(f"attribute {name!r}: shape {arr.shape}, {domain} domain needs {want}")
    cast = np.ascontiguousarray(arr, dtype=dtype)
    if arr.dtype.kind == "f" and not np.array_equal(np.isfinite(cast), np.isfinite(arr)):
        raise ValueError(f"attribute {name!r}: values overflow {np.dtype(dtype).name}")
    attr = mesh.attributes.get(name)
    if attr is not None and (attr.data_type != atype or attr.domain != domain):
        mesh.attributes.remove(attr)
        attr = None
    if attr is None:
        attr = mesh.attributes.new(name, atype, domain)
    attr.data.foreach_set(prop, cast.ravel())
    return attr


def get_attribute(mesh, name: str) -> np.ndarray:
    """Read attribute `name` back as a numpy array ([n] or [n, k])."""
    attr = mesh.attributes[name]
    dtype, comps, prop = _TYPES[attr.data_type]
    out = np.empty(len(attr.data) * comps, dtype=dtype)
    attr.data.foreach_get(prop, out)
    return out if comps == 1 else out.reshape(-1, comps)

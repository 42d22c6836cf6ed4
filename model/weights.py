"""Weights: parameter table, random init, and reading/writing .safetensors / .npz files.

In memory, parameters use trace names (`wte.weight`, `h0.attn.c_attn.weight`, ..., `lm_head.weight`),
float32, orientation out = in @ W + b (c_attn.weight [C, 3C], lm_head.weight [C, V]).

Files may use either naming scheme (detected from the shape of c_attn.weight):
- minGPT / nanoGPT: `transformer.h.{i}.attn.c_attn.weight`, nn.Linear layout [out, in]; a leading
  `_orig_mod.` (torch.compile) and the `transformer.` prefix are optional; lm_head.weight [V, C].
- Hugging Face GPT-2: `h.{i}.attn.c_attn.weight`, Conv1D layout [in, out]; lm_head tied to wte when absent.
Mask buffers (`attn.bias`, `attn.masked_bias`) are ignored. Nothing is ever unpickled.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from pathlib import Path

import numpy as np

from llmreel.core.errors import InputError
from llmreel.core.files import atomic_output
from llmreel.model.config import PRESETS, GPTConfig, get_config

DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "weights" / "nano_sort.safetensors"
NPZ_METADATA_KEY = "__metadata__"
FORMATS = (".safetensors", ".npz")
# matrices stored [out, in] by nn.Linear and [in, out] by Conv1D (and by us)
_MATRICES = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")
_MASK_BUFFER = re.compile(r"^h\.?\d+\.attn\.(bias|masked_bias)$")
_LAYER = re.compile(r"^h\.?(\d+)\.(.+)$")


@functools.lru_cache(maxsize=32)
def param_spec(config: GPTConfig) -> dict[str, tuple[tuple[int, ...], tuple[str, ...]]]:
    """Parameter name -> (shape, axis names), in GPT-2 order (the order weights appear in a trace).
    Cached: do not mutate the returned dict."""
    C, V, P = config.n_embd, config.vocab_size, config.block_size
    spec = {"wte.weight": ((V, C), ("V", "C")), "wpe.weight": ((P, C), ("P", "C"))}
    for i in range(config.n_layer):
        h = f"h{i}"
        spec.update({
            f"{h}.ln_1.weight": ((C,), ("C",)), f"{h}.ln_1.bias": ((C,), ("C",)),
            f"{h}.attn.c_attn.weight": ((C, 3 * C), ("C", "3C")), f"{h}.attn.c_attn.bias": ((3 * C,), ("3C",)),
            f"{h}.attn.c_proj.weight": ((C, C), ("C", "C")), f"{h}.attn.c_proj.bias": ((C,), ("C",)),
            f"{h}.ln_2.weight": ((C,), ("C",)), f"{h}.ln_2.bias": ((C,), ("C",)),
            f"{h}.mlp.c_fc.weight": ((C, 4 * C), ("C", "4C")), f"{h}.mlp.c_fc.bias": ((4 * C,), ("4C",)),
            f"{h}.mlp.c_proj.weight": ((4 * C, C), ("4C", "C")), f"{h}.mlp.c_proj.bias": ((C,), ("C",)),
        })
    spec.update({"ln_f.weight": ((C,), ("C",)), "ln_f.bias": ((C,), ("C",)), "lm_head.weight": ((C, V), ("C", "V"))})
    return spec


def _as_config(config) -> GPTConfig:
    return config if isinstance(config, GPTConfig) else get_config(config)


def init_params(config, seed: int = 0) -> dict[str, np.ndarray]:
    """minGPT initialisation: N(0, 0.02) matrices and embeddings, N(0, 0.02/sqrt(2 n_layer)) for the
    residual projections (c_proj), zero biases, LayerNorm weight 1 / bias 0. float32."""
    config = _as_config(config)
    rng = np.random.default_rng(seed)
    proj_std = 0.02 / np.sqrt(2 * config.n_layer)
    params = {}
    for name, (shape, _) in param_spec(config).items():
        if name.endswith(".bias"):
            params[name] = np.zeros(shape, np.float32)
        elif ".ln_" in name or name.startswith("ln_f"):
            params[name] = np.ones(shape, np.float32)
        else:
            std = proj_std if name.endswith("c_proj.weight") else 0.02
            params[name] = (rng.standard_normal(shape, dtype=np.float32) * np.float32(std))
    return params


# ---------------------------------------------------------------- reading

def _read_arrays(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """All arrays and the string metadata of a .safetensors or .npz file (never unpickles)."""
    if not path.is_file():
        raise InputError(f"weights file {str(path)!r} not found; expected a .safetensors or .npz file")
    if path.suffix not in FORMATS:
        raise InputError(f"weights file {str(path)!r} has an unsupported type; accepted: .safetensors, .npz")
    try:
        if path.suffix == ".safetensors":
            import safetensors
            with safetensors.safe_open(str(path), framework="np") as f:
                meta = dict(f.metadata() or {})
                arrays = {k: f.get_tensor(k) for k in f.keys()}
        else:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            raw = arrays.pop(NPZ_METADATA_KEY, None)
            meta = {} if raw is None else {str(k): str(v) for k, v in json.loads(str(raw[()])).items()}
    except InputError:
        raise
    except Exception as exc:  # truncated, not this format, unsupported dtype, pickled objects...
        kind = "safetensors" if path.suffix == ".safetensors" else "npz (allow_pickle=False)"
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{str(path)!r} is not a readable {kind} weights file ({msg})") from None
    return arrays, meta


def _canonical(name: str) -> str:
    """Strip `_orig_mod.` / `module.` / `transformer.` and write layers as `h{i}.`."""
    for prefix in ("_orig_mod.", "module.", "transformer."):
        if name.startswith(prefix):
            name = name[len(prefix):]
    m = _LAYER.match(name)
    return f"h{m.group(1)}.{m.group(2)}" if m else name


def _file_config(path: Path, arrays: dict[str, np.ndarray], meta: dict[str, str], config) -> GPTConfig:
    """The config: given explicitly, else from the file's metadata, else the preset whose shapes match."""
    if config is not None:
        return _as_config(config)
    if "wte.weight" not in arrays or "wpe.weight" not in arrays or arrays["wte.weight"].ndim != 2 \
            or arrays["wpe.weight"].ndim != 2:
        raise InputError(f"{str(path)!r} lacks 2-D wte.weight / wpe.weight; not GPT-2 style weights")
    (V, C), P = arrays["wte.weight"].shape, arrays["wpe.weight"].shape[0]
    layers = {int(m.group(1)) for m in map(_LAYER.match, arrays) if m}
    n_layer = len(layers)
    try:
        meta_cfg = {k: int(meta[k]) for k in ("n_layer", "n_head", "n_embd", "vocab_size", "block_size") if k in meta}
    except ValueError:
        raise InputError(f"{str(path)!r} has non-integer config metadata {meta}") from None
    if "n_head" in meta_cfg:
        n_head = meta_cfg["n_head"]
        if n_head <= 0 or C % n_head:
            raise InputError(f"{str(path)!r} metadata n_head={n_head} does not divide n_embd={C}")
        return GPTConfig(n_layer, n_head, C, V, P)
    for cfg in PRESETS.values():
        if (cfg.n_layer, cfg.n_embd, cfg.vocab_size, cfg.block_size) == (n_layer, C, V, P):
            return cfg
    raise InputError(f"cannot tell n_head of {str(path)!r} (no metadata; no preset has n_layer={n_layer}, "
                     f"n_embd={C}, vocab={V}, block={P}); pass --config NAME, accepted: {', '.join(PRESETS)}")


def load_weights(path=None, config: str | GPTConfig | None = None) -> tuple[GPTConfig, dict[str, np.ndarray]]:
    """Read weights in either naming scheme -> (config, float32 params in trace names and orientation).

    Any problem (missing/truncated/foreign file, missing or unexpected tensor, wrong shape, NaN) is an
    InputError naming it."""
    path = Path(DEFAULT_WEIGHTS if path is None else path)
    raw, meta = _read_arrays(path)
    arrays: dict[str, np.ndarray] = {}
    for name, arr in raw.items():
        canon = _canonical(name)
        if _MASK_BUFFER.match(canon):
            continue
        arrays[canon] = arr
    # layer indices written h{i}; _file_config wants dotted names only for counting, both match _LAYER
    cfg = _file_config(path, arrays, meta, config)
    spec = param_spec(cfg)
    C = cfg.n_embd
    c_attn = arrays.get("h0.attn.c_attn.weight")
    linear_layout = c_attn is not None and c_attn.shape == (3 * C, C)    # nn.Linear [out, in]
    params = {}
    for name, (shape, _) in spec.items():
        if name == "lm_head.weight":
            if name in arrays:
                arr = arrays[name].T                 # torch stores lm_head as nn.Linear [V, C]
            elif not linear_layout and "wte.weight" in arrays:
                arr = arrays["wte.weight"].T         # Hugging Face GPT-2: tied to wte
            else:
                raise InputError(f"{str(path)!r} is missing tensor lm_head.weight")
        elif name not in arrays:
            raise InputError(f"{str(path)!r} is missing tensor {name} (needed by config n_layer={cfg.n_layer}, "
                             f"n_embd={C})")
        else:
            arr = arrays[name]
            if linear_layout and name.endswith(_MATRICES):
                arr = arr.T
        if tuple(arr.shape) != shape:
            raise InputError(f"{str(path)!r}: tensor {name} has shape {list(arr.shape)}, expected {list(shape)} "
                             f"for n_layer={cfg.n_layer}, n_head={cfg.n_head}, n_embd={C}, "
                             f"vocab={cfg.vocab_size}, block={cfg.block_size}")
        if not np.issubdtype(arr.dtype, np.floating):
            raise InputError(f"{str(path)!r}: tensor {name} has dtype {arr.dtype}; expected floating point")
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        if not np.isfinite(arr).all():
            raise InputError(f"{str(path)!r}: tensor {name} contains NaN or infinite values")
        params[name] = arr
    extra = sorted(set(arrays) - set(spec))
    if extra:
        raise InputError(f"{str(path)!r} has unexpected tensor(s) {', '.join(extra[:4])}"
                         f"{' ...' if len(extra) > 4 else ''} for n_layer={cfg.n_layer}; wrong --config?")
    return cfg, params


def read_metadata(path) -> dict[str, str]:
    """The string metadata stored with a weights file ({} when none)."""
    return _read_arrays(Path(path))[1]


def resolve_weights(weights) -> tuple[GPTConfig, dict[str, np.ndarray]]:
    """None -> shipped weights; a path -> load_weights(path); a (config, params) pair -> itself."""
    if weights is None or isinstance(weights, (str, os.PathLike)):
        return load_weights(weights)
    config, params = weights
    return _as_config(config), params


# ---------------------------------------------------------------- writing

def _file_name(name: str, scheme: str) -> str:
    m = re.match(r"^h(\d+)\.(.+)$", name)
    dotted = f"h.{m.group(1)}.{m.group(2)}" if m else name
    if scheme == "mingpt" and name != "lm_head.weight":
        return "transformer." + dotted
    return dotted


def save_weights(path, params: dict[str, np.ndarray], config, metadata: dict | None = None, *,
                 scheme: str = "mingpt") -> None:
    """Write float32 weights to .safetensors or .npz (atomically), config stored as metadata.

    scheme "mingpt": `transformer.h.{i}...` names, nn.Linear [out, in] matrices; "hf": Hugging Face
    GPT-2 names, Conv1D [in, out]. lm_head.weight is written [V, C] in both (torch's nn.Linear)."""
    config = _as_config(config)
    path = Path(path)
    if path.suffix not in FORMATS:
        raise InputError(f"weights output {str(path)!r} must end in .safetensors or .npz")
    if scheme not in ("mingpt", "hf"):
        raise ValueError(f"unknown scheme {scheme!r}; accepted: mingpt, hf")
    out = {}
    for name, (shape, _) in param_spec(config).items():
        arr = np.asarray(params[name], dtype=np.float32)
        if arr.shape != shape:
            raise ValueError(f"param {name} has shape {arr.shape}, expected {shape}")
        if name == "lm_head.weight" or (scheme == "mingpt" and name.endswith(_MATRICES)):
            arr = arr.T
        out[_file_name(name, scheme)] = np.ascontiguousarray(arr)
    meta = {"format": "llmreel-gpt", "scheme": scheme, **{k: str(v) for k, v in config.to_dict().items()}}
    for k, v in (metadata or {}).items():
        meta[str(k)] = v if isinstance(v, str) else json.dumps(v)
    with atomic_output(path) as tmp:
        if path.suffix == ".safetensors":
            from safetensors.numpy import save_file
            save_file(out, str(tmp), metadata=meta)
        else:
            np.savez(tmp, **out, **{NPZ_METADATA_KEY: np.array(json.dumps(meta))})


def weights_sha256(path) -> str:
    """Hex SHA-256 of the file's bytes (identifies the weights a trace or video came from)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def weights_digest(config: GPTConfig, params: dict[str, np.ndarray]) -> str:
    """sha256 of the config and every array (name, dtype, shape, bytes): the same weights from any file."""
    h = hashlib.sha256(json.dumps(config.to_dict(), sort_keys=True).encode())
    for name in sorted(params):
        a = np.ascontiguousarray(params[name])
        h.update(f"{name}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()

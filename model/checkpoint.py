"""A model to run, from what a user names: the shipped sort model, a weights file (its shape from its
metadata, a config.json beside it or --config), a Hugging Face GPT-2
folder (config.json + model.safetensors, its tokenizer files beside them), or a preset with seeded
random weights. `Model` carries the config, the parameters, a name for plans, and how to read text."""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from llmreel.core.errors import InputError
from llmreel.model import tokenizer as letters
from llmreel.model.bpe import BPETokenizer, folder_tokenizer, gpt2_tokenizer
from llmreel.model.config import PRESETS, STRUCTURE_ONLY, TIED_HEAD, GPTConfig, get_config, n_params
from llmreel.model.weights import DEFAULT_WEIGHTS, init_params, load_weights, weights_sha256

FOLDER = "a Hugging Face GPT-2 folder (config.json + model.safetensors) or a .safetensors / .npz file"
# config.json key -> GPTConfig field (n_ctx is the older name of n_positions)
_HF_KEYS = {"n_layer": "n_layer", "n_head": "n_head", "n_embd": "n_embd", "vocab_size": "vocab_size",
            "n_positions": "block_size"}
# what our forward pass computes; a config.json asking for something else is refused
_HF_FIXED = {"activation_function": ("gelu_new", "gelu_pytorch_tanh"), "model_type": ("gpt2",)}


@dataclass
class Model:
    config: GPTConfig
    params: dict[str, np.ndarray]
    name: str                       # shown in plans: file or folder name, or random-init:seed0:<preset>
    sha256: str = ""                # of the weights file ("" for in-memory or random weights)
    folder: Path | None = None      # where tokenizer files may sit beside the weights
    _tokenizer: BPETokenizer | None = field(default=None, repr=False)

    @property
    def is_letters(self) -> bool:
        """The sort model: its vocabulary is the letters A, B, C."""
        return self.config.vocab_size == len(letters.VOCAB)

    @functools.cached_property
    def tied(self) -> bool:
        """lm_head is wte transposed (GPT-2's tied output head)."""
        head, wte = self.params["lm_head.weight"], self.params["wte.weight"]
        if head.base is wte and head.shape == wte.T.shape and head.strides == wte.T.strides \
                and head.__array_interface__["data"] == wte.__array_interface__["data"]:
            return True                                  # wte's own numbers, seen transposed
        return bool(np.array_equal(head, wte.T))

    @property
    def n_params(self) -> int:
        return n_params(self.config, self.tied)

    def tokenizer(self) -> BPETokenizer:
        """The folder's own BPE files, else GPT-2's; InputError when the model's vocabulary is too small."""
        if self.is_letters:
            raise InputError("this is the letter (A/B/C) sort model: give --input letters, not --text")
        if self._tokenizer is None:
            tok = (folder_tokenizer(self.folder) if self.folder else None) or gpt2_tokenizer()
            if len(tok) > self.config.vocab_size:
                raise InputError(f"tokenizer from {tok.source} has {len(tok):,} ids but the model's vocabulary is "
                                 f"{self.config.vocab_size:,}; accepted: a tokenizer that fits the embedding")
            self._tokenizer = tok
        return self._tokenizer

    def token_text(self, i: int) -> str:
        """How a token id reads: a letter, the BPE token's text, or the id itself (no tokenizer to name it)."""
        if self.is_letters:
            return letters.VOCAB[i]
        try:
            return self.tokenizer().token_text(i)
        except InputError:
            return str(i)

    def summary(self) -> dict:
        """`plan --json`'s `model`: name, config and parameter count."""
        return {"name": self.name, "config": self.config.to_dict(), "parameters": self.n_params}


def config_from_json(path: Path) -> GPTConfig:
    """A Hugging Face GPT-2 config.json -> GPTConfig (InputError naming a missing or unsupported key)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{str(path)!r} is not readable JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict):
        raise InputError(f"{str(path)!r} must hold a JSON object of GPT-2 settings")
    if "n_positions" not in doc and "n_ctx" in doc:
        doc = {**doc, "n_positions": doc["n_ctx"]}
    missing = [k for k in _HF_KEYS if k not in doc]
    if missing:
        raise InputError(f"{str(path)!r} lacks {', '.join(missing)}; a GPT-2 config.json needs "
                         f"{', '.join(_HF_KEYS)}")
    for key, accepted in _HF_FIXED.items():
        if key in doc and doc[key] not in accepted:
            raise InputError(f"{str(path)!r}: {key} {doc[key]!r} is not supported; accepted: {', '.join(accepted)}")
    if doc.get("n_inner") not in (None, 4 * doc["n_embd"]):
        raise InputError(f"{str(path)!r}: n_inner {doc['n_inner']} is not 4 x n_embd; GPT-2's MLP is 4 x wider")
    if abs(float(doc.get("layer_norm_epsilon", 1e-5)) - 1e-5) > 1e-12:
        raise InputError(f"{str(path)!r}: layer_norm_epsilon {doc['layer_norm_epsilon']} is not GPT-2's 1e-05")
    values = {field_: doc[k] for k, field_ in _HF_KEYS.items()}
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values.values()):
        raise InputError(f"{str(path)!r}: {', '.join(_HF_KEYS)} must be positive integers")
    if values["n_embd"] % values["n_head"]:
        raise InputError(f"{str(path)!r}: n_head {values['n_head']} does not divide n_embd {values['n_embd']}")
    return GPTConfig(**values)


def _folder_weights(folder: Path) -> Path:
    """model.safetensors, else the folder's one .safetensors / .npz file."""
    if (folder / "model.safetensors").is_file():
        return folder / "model.safetensors"
    found = sorted(p for p in folder.iterdir() if p.suffix in (".safetensors", ".npz") and p.is_file())
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise InputError(f"folder {str(folder)!r} holds {len(found)} weights files ({', '.join(p.name for p in found[:3])}); "
                         "accepted: one model.safetensors (sharded checkpoints are not read)")
    pickled = [p.name for p in folder.iterdir() if p.suffix in (".bin", ".pt", ".pth", ".ckpt")]
    hint = f" ({pickled[0]} is a pickle, never loaded: save it as model.safetensors)" if pickled else ""
    raise InputError(f"folder {str(folder)!r} has no model.safetensors{hint}; expected {FOLDER}")


def load_model(path=None, config: str | GPTConfig | None = None) -> Model:
    """`--model PATH [--config NAME]` -> Model. No path: the shipped sort weights, or with another preset's
    `config` seeded random weights (minGPT init, the head tied as the preset's family has it)."""
    if path is None:
        if config is None or config == "nano-sort" or config == PRESETS["nano-sort"]:   # the shipped model's size
            if not Path(DEFAULT_WEIGHTS).is_file():                # before training has written the shipped file
                cfg = get_config("nano-sort")
                return Model(cfg, init_params(cfg, 0), "random-init:seed0:nano-sort")
            cfg, params = load_weights(DEFAULT_WEIGHTS)
            return Model(cfg, params, Path(DEFAULT_WEIGHTS).name, weights_sha256(DEFAULT_WEIGHTS))
        return random_model(config)
    p = Path(path)
    if p.is_dir():
        if config is not None:
            raise InputError(f"--config {config}: the folder {str(p)!r} gives its own config.json; drop --config")
        if not (p / "config.json").is_file():
            raise InputError(f"folder {str(p)!r} has no config.json; expected {FOLDER}")
        cfg = config_from_json(p / "config.json")
        weights = _folder_weights(p)
        cfg, params = load_weights(weights, cfg)
        return Model(cfg, params, p.resolve().name, weights_sha256(weights), folder=p)
    if not p.exists():
        raise InputError(f"--model {str(p)!r} not found; expected {FOLDER}")
    if config is None and (p.parent / "config.json").is_file():       # a file of a Hugging Face folder
        config = config_from_json(p.parent / "config.json")
    cfg, params = load_weights(p, config)
    return Model(cfg, params, p.name, weights_sha256(p), folder=p.parent)


def random_model(config: str | GPTConfig, seed: int = 0) -> Model:
    """A preset (or config) with seeded random weights: the shapes of a real model, for size checks."""
    cfg = config if isinstance(config, GPTConfig) else get_config(config)
    name = next((k for k, v in PRESETS.items() if v == cfg), "custom")
    if name in STRUCTURE_ONLY:
        raise InputError(f"--config {name} is structure-only ({n_params(cfg) / 1e9:.0f}B parameters): it is laid "
                         f"out, never run; accepted for running: "
                         f"{', '.join(k for k in PRESETS if k not in STRUCTURE_ONLY)}")
    params = init_params(cfg, seed)
    if name in TIED_HEAD:
        params["lm_head.weight"] = params["wte.weight"].T        # tied: the same numbers (no 150 MB copy)
    return Model(cfg, params, f"random-init:seed{seed}:{name}")

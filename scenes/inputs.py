"""The model and the input a plan runs: weights (shipped, a file, in memory or seeded random) and tokens."""
from __future__ import annotations

from pathlib import Path

from llmreel.core.errors import InputError
from llmreel.model.config import PRESETS, GPTConfig, get_config
from llmreel.model.gpt import SORT_LENGTH
from llmreel.model.tokenizer import VOCAB, decode, encode
from llmreel.model.weights import DEFAULT_WEIGHTS, init_params, load_weights, weights_sha256


def load_model(weights, config) -> tuple[GPTConfig, dict, str, str]:
    """(config, params, weights name, sha256). Shipped weights when present, else seeded random init."""
    if isinstance(weights, tuple):
        cfg, params = weights
        cfg = get_config(cfg) if isinstance(cfg, str) else cfg
        return cfg, params, "in-memory", ""
    if weights:
        path = Path(weights)
        cfg, params = load_weights(path, config)
        return cfg, params, path.name, weights_sha256(path)
    if config is not None:
        cfg = get_config(config) if isinstance(config, str) else config
        return cfg, init_params(cfg, 0), f"random-init:seed0:{config_name(cfg)}", ""
    if Path(DEFAULT_WEIGHTS).is_file():
        cfg, params = load_weights(DEFAULT_WEIGHTS)
        return cfg, params, Path(DEFAULT_WEIGHTS).name, weights_sha256(DEFAULT_WEIGHTS)
    cfg = get_config("nano-sort")                   # before training has produced the shipped file
    return cfg, init_params(cfg, 0), "random-init:seed0:nano-sort", ""


def config_name(cfg: GPTConfig) -> str:
    return next((k for k, v in PRESETS.items() if v == cfg), "custom")


def tokens(cfg: GPTConfig, input) -> tuple[list[int], str]:
    if isinstance(input, str):
        if cfg.vocab_size == len(VOCAB):
            ids = encode(input, length=SORT_LENGTH)
            return ids, decode(ids)
        ids = encode(input)
        return ids, decode(ids)
    ids = [int(t) for t in input]
    if not ids or min(ids) < 0 or max(ids) >= cfg.vocab_size:
        raise InputError(f"input token ids must lie in 0..{cfg.vocab_size - 1}")
    return ids, " ".join(map(str, ids))


def text_of(cfg: GPTConfig, ids) -> str:
    return decode(ids) if cfg.vocab_size == len(VOCAB) else " ".join(map(str, ids))

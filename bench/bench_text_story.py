"""The text story (scenes/gpt2_text.toml) at GPT-2 small's shapes (seeded random weights), a 16-token prompt:
the model run, the story's timeline, the whole plan, and the frame check in each aspect (its fault counts
by rule: the text rules must be zero). Prints the machine it ran on.

    .venv/bin/python bench/bench_text_story.py                  # GPT-2 small, 16:9 (~2-5 min on 2 cores)
    .venv/bin/python bench/bench_text_story.py --aspects 16:9,9:16,1:1 --layers 2
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import time

from common import machine

PROMPT = "The quick brown fox jumps over the lazy dog, and then the cat sat on"     # 16 GPT-2 tokens


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="gpt2", help="a preset of model/config.py (default gpt2)")
    ap.add_argument("--layers", type=int, default=None, help="fewer (or more) layers than the preset")
    ap.add_argument("--text", default=PROMPT, help="the prompt (default: 16 GPT-2 tokens)")
    ap.add_argument("--generate", type=int, default=1, help="new tokens (default 1)")
    ap.add_argument("--aspects", default="16:9", help="comma-separated aspects to plan and check")
    a = ap.parse_args()

    from llmreel.model.checkpoint import random_model
    from llmreel.model.config import get_config
    from llmreel.scenes.frame_check import TEXT_RULES, check_frames, summary
    from llmreel.scenes.plan import plan_run, plan_timeline

    cfg = get_config(a.config)
    if a.layers is not None:
        cfg = dataclasses.replace(cfg, n_layer=a.layers)
    print(f"machine: {machine()}, load avg {os.getloadavg()[0]:.1f}")
    t = time.perf_counter()
    model = random_model(cfg)
    print(f"{a.config} {cfg.n_layer} layers, seeded random weights: {model.n_params:,} parameters "
          f"({time.perf_counter() - t:.1f} s to make)")
    t = time.perf_counter()
    tl = plan_timeline(weights=model, text=a.text, generate=a.generate)
    print(f"timeline (model run, captions, frames): {time.perf_counter() - t:.1f} s; {len(tl.run.ids)} tokens, "
          f"{len(tl.beats)} beats, {(tl.beats[-1].last_frame) / tl.fps:.0f} s of film")
    bad = 0
    for aspect in a.aspects.split(","):
        t = time.perf_counter()
        spec, _ = plan_run(weights=model, text=a.text, generate=a.generate, aspect=aspect)
        planned = time.perf_counter() - t
        t = time.perf_counter()
        faults = summary(check_frames(spec))
        checked = time.perf_counter() - t
        text = {r: n for r, n in faults.items() if r in TEXT_RULES}
        bad += sum(text.values())
        print(f"  {aspect:>5}: plan {planned:5.1f} s, frame check {checked:5.1f} s; faults {faults or 'none'}"
              f"{'' if not text else '   TEXT RULES BROKEN'}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())

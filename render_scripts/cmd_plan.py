"""`llmreel plan`: compute the scene (layout + storyboard) of a story and print its chapter table."""
from __future__ import annotations

import json
import sys

from llmreel.core.files import check_output_file
from llmreel.core.options import LANGUAGES, PACE_RANGE
from llmreel.render_scripts.model_args import add_model_args, model_kwargs


def add_look_args(p, slide: bool = True) -> None:
    """`--theme` (every scene command) and, with `slide`, `--on` and `--transparent`: the options of a still
    for a slide, shared by plan, build and still so that a saved spec or .blend matches the still."""
    p.add_argument("--theme", default=None, help="colour theme: dark | light (default: the story's)")
    if slide:
        p.add_argument("--on", default=None,
                       help="the slide's background: light | dark (texts, outlines and paths that read on it)")
        p.add_argument("--transparent", action="store_true",
                       help="transparent background (RGBA); captions and titles outlined instead of on bands")


def check_look_args(args) -> dict:
    """The checked theme options as plan_scene keywords: `theme`, `on` and `bands` (InputError first)."""
    from llmreel.scenes.themes import check_slide, get_theme

    get_theme(args.theme)
    on = check_slide(getattr(args, "on", None), "--on")
    return {"theme": args.theme, "on": on, "bands": not getattr(args, "transparent", False)}


def register(subparsers) -> None:
    p = subparsers.add_parser("plan", help="plan a story: chapters, frames, captions, counts (no Blender)",
                              description="Run the model on the input, lay out every tensor and write the "
                                          "storyboard; print the chapter table, or --json, or save --out.")
    p.add_argument("story", nargs="?", default=None,
                   help="story name (sort_explainer, attention_only, gpt2_text, ...) or a .toml path; default "
                        "sort_explainer, or gpt2_text for a text model")
    p.add_argument("--input", default=None, help="six letters of A/B/C for the sort model, e.g. CBABBC "
                   "(default: the story's)")
    p.add_argument("--fps", type=int, default=None, help="frames per second (default: the story's)")
    p.add_argument("--aspect", default=None, help="16:9 | 9:16 | 1:1 (default: the story's)")
    p.add_argument("--pace", type=float, default=None, help="duration multiplier {:g}..{:g}".format(*PACE_RANGE))
    add_look_args(p)
    p.add_argument("--language", default=None, help=f"default caption language: {' | '.join(LANGUAGES)}")
    add_model_args(p)
    p.add_argument("--json", action="store_true", help="print the plan summary as JSON")
    p.add_argument("--out", default=None, help="save the SceneSpec (.npz) for build/render workers")
    p.add_argument("--check", action="store_true",
                   help="also run the frame check (text sizes and edges, subject fill, essential labels, "
                        "caption-picture agreement) over every 4th frame; exit 1 if it finds faults")
    p.set_defaults(func=run)


def run(args) -> int:
    from llmreel.scenes.plan import plan_run, plan_summary

    if args.out is not None:
        check_output_file(args.out, "--out", (".npz",))
    look = check_look_args(args)
    spec, model_run = plan_run(args.story, input=args.input, fps=args.fps, aspect=args.aspect, pace=args.pace,
                               language=args.language, **model_kwargs(args), **look)
    summary = plan_summary(spec, model_run)
    faults = None
    if args.check:
        from llmreel.scenes.frame_check import check_frames, cover, summary as fault_counts

        faults = check_frames(spec)
        summary["frame_check"] = fault_counts(faults)
        summary["cover"] = cover(spec)
    if args.out:
        spec.save(args.out)
    if args.json:
        _write(json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
        return 1 if faults else 0
    m = spec.meta
    fps = summary["fps"]
    print(f"story {m.story}: {m.input} -> {m.output}   weights {m.weights}   {fps} fps   "
          f"aspect {m.aspect[0]}:{m.aspect[1]}   theme {m.theme}")
    print(f"{'chapter':<16} {'first':>6} {'last':>6} {'seconds':>8}  title")
    for c in summary["chapters"]:
        secs = (c["last_frame"] - c["first_frame"] + 1) / fps
        print(f"{c['name']:<16} {c['first_frame']:>6} {c['last_frame']:>6} {secs:>8.1f}  {c['title']['en']}")
    total = (summary["frame_end"] - summary["frame_start"] + 1) / fps
    print(f"{'total':<16} {summary['frame_start']:>6} {summary['frame_end']:>6} {total:>8.1f}")
    k = summary["counts"]
    print(f"blocks {k['blocks']}   cells {k['cells']}   labels {k['labels']}   captions {k['captions']}"
          f"   highlights {len(spec.highlights)}   flying {len(spec.flying)}   value texts {len(spec.value_texts)}"
          + (f"   models to scale {k['solids']} ({k['slabs']} slabs)" if k["solids"] else ""))
    if args.out:
        print(f"saved {args.out}")
    if faults is not None:
        _print_cover(spec, summary["cover"])
        _print_faults(faults, spec.meta)
    return 1 if faults else 0


def _print_cover(spec, shares: dict[str, float], lowest: int = 4) -> None:
    """What blocks cover of the picture (frame_check.cover): over the film (each beat weighted by its
    length), per shot kind, and the beats that cover least."""
    beats = [b for b in spec.beats if b.id in shares]
    if not beats:
        return
    weight = {b.id: b.last_frame - b.first_frame + 1 for b in beats}

    def mean(ids):
        return sum(shares[i] * weight[i] for i in ids) / sum(weight[i] for i in ids)

    kinds = {}
    for b in beats:
        kinds.setdefault(b.shot, []).append(b.id)
    low = sorted(shares, key=shares.get)[:lowest]
    print(f"cover (share of the picture blocks fill): film {mean(list(shares)):.0%}   "
          + "   ".join(f"{k} {mean(ids):.0%}" for k, ids in kinds.items())
          + "   lowest: " + ", ".join(f"{i} {shares[i]:.0%}" for i in low))


def _print_faults(faults, meta, per_rule: int = 8) -> None:
    """The frame check's counts per rule and the first few faults of each, each with the moment
    `llmreel still --time` shows it at (seconds: the same at any preset's fps)."""
    from llmreel.scenes.frame_check import summary as fault_counts

    counts = fault_counts(faults)
    print("frame check: " + ("no faults" if not faults else "   ".join(f"{r} {n}" for r, n in counts.items())))
    for rule in counts:
        mine = [f for f in faults if f.rule == rule]
        for f in mine[:per_rule]:
            print(f"  {f}   [--time {(f.frame - meta.frame_start) / meta.fps:.2f}]")
        if len(mine) > per_rule:
            print(f"  ... {len(mine) - per_rule} more {rule}")


def _write(text: str) -> None:
    """Print, staying quiet when the reader has gone (e.g. `llmreel plan --json | head`)."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

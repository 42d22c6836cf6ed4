"""`--model PATH` (alias `--weights`), `--config NAME`, `--text "..."` and `--generate N`: which model a
command runs and on what prompt; defined once for sort, eval, trace, generate, plan, build, render, still
and contact-sheet."""
from __future__ import annotations

import argparse

from llmreel.core.errors import InputError
from llmreel.model.config import PRESETS, STRUCTURE_ONLY, get_config

MODEL_HELP = ("a Hugging Face GPT-2 folder (config.json + model.safetensors, with its tokenizer.json or "
              "vocab.json + merges.txt, else GPT-2's) or a .safetensors / .npz weights file (minGPT or "
              "Hugging Face names); default: the shipped nano-gpt that sorts letters")


def add_model_args(p: argparse.ArgumentParser, *, text: bool = True) -> None:
    """The model options; `text`: also --text and --generate (a prompt for a GPT-2-family model)."""
    p.add_argument("--model", "--weights", dest="model", metavar="PATH", default=None, help=MODEL_HELP)
    names = ", ".join(f"{k} (structure only)" if k in STRUCTURE_ONLY else k for k in PRESETS)
    p.add_argument("--config", metavar="NAME", default=None,
                   help=f"model shape for a weights file without config metadata, or with no --model a preset "
                        f"run with seeded random weights: {names}")
    if text:
        p.add_argument("--text", default=None, metavar='"..."',
                       help='the prompt of a text (GPT-2-family) model, e.g. "The cat sat on the"; '
                            '"<|endoftext|>" in it is that special token')
        p.add_argument("--generate", type=int, default=None, metavar="N",
                       help="new tokens a text model writes, one greedy step each (default 1)")


def model_kwargs(args) -> dict:
    """The checked model options as plan_scene keywords (an unknown --config: one line, before any work)."""
    if args.config is not None:
        get_config(args.config)
    if getattr(args, "text", None) is not None and getattr(args, "input", None) is not None:
        raise InputError("give --input (letters, the sort model) or --text (a text model's prompt), not both")
    return {"weights": args.model, "config": args.config, "text": getattr(args, "text", None),
            "generate": getattr(args, "generate", None)}


def load_args_model(args):
    """The Model the options name (model/checkpoint.py)."""
    from llmreel.model.checkpoint import load_model

    kw = model_kwargs(args)
    return load_model(kw["weights"], kw["config"])

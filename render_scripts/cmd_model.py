"""`llmreel sort | eval | findings | trace | generate | train`: thin calls into llmreel.model (numpy only, never bpy)."""
from __future__ import annotations

import shlex
import sys

from llmreel.core.errors import InputError
from llmreel.core.files import check_output_file
from llmreel.render_scripts.model_args import add_model_args, load_args_model

MAX_TRACE_LETTERS = 11


def _load(args):
    """(config, params) of the letter model the options name (sort and eval)."""
    from llmreel.model.config import get_config
    if args.model is None and args.config is not None and get_config(args.config).vocab_size != 3:
        raise InputError(f"--config {args.config} is a text model's shape; sorting needs the letter (A/B/C) model: "
                         "drop --config, or give sort weights with --model PATH")
    model = load_args_model(args)
    return model.config, model.params


def cmd_sort(args) -> int:
    from llmreel.model.gpt import SORT_LENGTH, sort_letters
    from llmreel.model.tokenizer import VOCAB, decode, encode
    encode(args.letters, length=SORT_LENGTH)          # validate before loading anything
    sorted_text, traces = sort_letters(args.letters, _load(args))
    text = decode(traces[0].tokens)
    for step, tr in enumerate(traces, 1):
        probs = tr["probs"][-1]                                                      # [V] next-token distribution
        order = probs.argsort()[::-1]
        top = "  ".join(f"{VOCAB[i]} {probs[i]:.4f}" if probs[i] >= 1e-4 else f"{VOCAB[i]} {probs[i]:.1e}"
                        for i in order)
        so_far = decode(tr.tokens[len(text):])
        print(f"step {step}: {text} {so_far:<{SORT_LENGTH - 1}} -> {VOCAB[order[0]]}   top: {top}")
    print(sorted_text)
    return 0


def cmd_eval(args) -> int:
    from llmreel.model.train import sort_accuracy
    config, params = _load(args)
    if config.vocab_size != 3 or config.block_size < 11:
        raise InputError(f"eval sorts 6 letters: needs vocab 3 and block size >= 11, got vocab "
                         f"{config.vocab_size}, block {config.block_size}")
    ok, total = sort_accuracy(params, config)
    print(f"{ok}/{total} sorted")
    return 0 if ok == total else 1


def cmd_findings(args) -> int:
    from llmreel.model.findings import find
    from llmreel.model.findings_report import json_report, markdown_report, text_report
    from llmreel.model.gpt import SORT_LENGTH
    from llmreel.model.tokenizer import decode, encode
    text = None if args.input is None else decode(encode(args.input, length=SORT_LENGTH))   # checked first
    if args.json and args.markdown:
        raise InputError("--json and --markdown: accepted: at most one of them")
    r = find(_load(args))
    if args.json:
        print(json_report(r, text))
    elif args.markdown:
        command = "llmreel findings --markdown" + (f" --input {text}" if text else "") + \
                  (f" --model {shlex.quote(args.model)}" if args.model else "")
        print(markdown_report(r, text, command), end="")
    else:
        print(text_report(r, text))
    return 0


def _summary(trace) -> str:
    """Weights in one line, then every activation/aggregate of the embedding, block 0 and the head."""
    names = trace.names()
    n_w = len(trace.names("weight"))
    lines = [f"{len(trace.tokens)} tokens, {len(names)} tensors: {n_w} weights, "
             f"{len(trace.names('activation'))} activations, {len(trace.names('aggregate'))} aggregates"]
    rows = [n for n in names if trace.tensors[n].role != "weight"
            and not (n.startswith("h") and not n.startswith("h0."))]
    lines.append(f"{'tensor':<18} {'kind':<15} {'axes':<14} {'shape':<12} {'min':>9} {'max':>9}")
    import numpy as np
    for n in rows:
        t = trace.tensors[n]
        fin = t.data[np.isfinite(t.data)]
        lo, hi = (fin.min(), fin.max()) if fin.size else (np.nan, np.nan)
        lines.append(f"{n:<18} {t.op.kind:<15} {','.join(t.axes):<14} {'x'.join(map(str, t.data.shape)):<12} "
                     f"{lo:>9.3f} {hi:>9.3f}")
        if n == "h0.mlp.resid" and trace.config.n_layer > 1:
            lines.append(f"{'h1..h' + str(trace.config.n_layer - 1):<18} (the same {sum(r.startswith('h0.') for r in rows)} "
                         f"tensors per block)")
    return "\n".join(lines)


def cmd_trace(args) -> int:
    from llmreel.model.gpt import forward
    from llmreel.model.tokenizer import VOCAB, decode, encode
    from llmreel.scenes.inputs import prepare
    out = check_output_file(args.out, "--out", (".npz",))
    model = load_args_model(args)
    if model.is_letters and args.text is None:
        if args.tokens is None:
            raise InputError(f"give TOKENS: 1 to {MAX_TRACE_LETTERS} letters from {', '.join(VOCAB)} "
                             "(or a text model's prompt with --model PATH --text \"...\")")
        tokens = encode(args.tokens)
        if len(tokens) > MAX_TRACE_LETTERS:
            raise InputError(f"{args.tokens!r} has {len(tokens)} letters; accepted: 1 to {MAX_TRACE_LETTERS} "
                             f"letters from {', '.join(VOCAB)}")
        shown = decode(tokens)
    else:
        run = prepare(model, text=args.text)                    # a letter model with --text: refused here
        if args.tokens is not None:
            raise InputError("TOKENS are letters for the sort model; give a text model its prompt with --text")
        tokens, shown = run.ids, repr(run.input_text)
    trace = forward(model.params, model.config, tokens)
    trace.save(out)
    nxt = int(trace["logits"][-1].argmax())
    note = f" ({model.name} weights)" if model.name.startswith("random-init") else ""
    print(_summary(trace))
    print(f"next token after {shown}: {model.token_text(nxt)!r} (id {nxt}){note}")
    print(f"wrote {out}")
    return 0


def cmd_generate(args) -> int:
    """Greedy continuation of a text model's prompt, with the top-5 tokens of every step."""
    import numpy as np

    from llmreel.model.gpt import generate
    from llmreel.scenes.inputs import prepare
    if args.text is None:
        raise InputError('give the prompt with --text "...", e.g. --text "The cat sat on the"')
    model = load_args_model(args)
    run = prepare(model, text=args.text, generate=args.generate or 1)
    seq, traces = generate(model.params, model.config, run.ids, run.n_new)
    show = model.token_text
    print(f"model {model.name}: {model.n_params:,} parameters; prompt {len(run.ids)} tokens: "
          + " ".join(f"{i} {show(i)!r}" for i in run.ids))
    for step, tr in enumerate(traces, 1):
        logits = tr["logits"][-1].astype(np.float64)                                # [V] the last position's
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        top = np.argsort(-probs, kind="stable")[:5]
        new = seq[len(run.ids) + step - 1]
        print(f"step {step}: {new} {show(new)!r}   top-5: "
              + "   ".join(f"{i} {show(i)!r} {probs[i]:.4f}" for i in top))
    print(f"continuation: {run.text_of(seq[len(run.ids):])!r}")
    print(run.text_of(seq))
    return 0


def cmd_train(args) -> int:
    from llmreel.model.train import train
    from llmreel.model.weights import FORMATS, save_weights
    out = check_output_file(args.out, "--out", FORMATS)
    if not 0.0 <= args.hold_out < 1.0:
        raise InputError(f"--hold-out {args.hold_out} out of range; accepted: 0 <= F < 1")
    if args.steps < 1:
        raise InputError(f"--steps {args.steps}: accepted: a positive number of steps")
    res = train(seed=args.seed, steps=args.steps, hold_out=args.hold_out, progress=not args.quiet,
                stop_when_sorted=not args.full_schedule)
    ok, total = res.accuracy
    print(f"trained {res.steps} steps (max {res.max_steps}) in {res.seconds:.1f} s, seed {res.seed}, "
          f"loss {res.loss:.4f}")
    print(f"train inputs sorted: {res.train_accuracy[0]}/{res.train_accuracy[1]}")
    if res.held_out_accuracy is not None:
        print(f"held-out inputs sorted: {res.held_out_accuracy[0]}/{res.held_out_accuracy[1]}")
    print(f"{ok}/{total} sorted")
    if ok != total:
        print(f"llmreel train: not all inputs sort ({ok}/{total}); no weights written", file=sys.stderr)
        return 1
    command = (f"llmreel train --seed {args.seed} --steps {args.steps} --hold-out {args.hold_out} "
               f"{'--full-schedule ' if args.full_schedule else ''}"
               f"--out {shlex.quote(str(out))}")
    save_weights(out, res.params, res.config, metadata={
        "command": command, "seed": res.seed, "steps": res.steps, "max_steps": res.max_steps,
        "hold_out": args.hold_out, "accuracy": f"{ok}/{total}", "train_seconds": round(res.seconds, 1)})
    print(f"wrote {out}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("sort", help="sort six letters of A/B/C with the trained model, e.g. CBABBC")
    p.add_argument("letters", help="exactly six letters from A, B, C (spaces ignored, any case)")
    add_model_args(p, text=False)
    p.set_defaults(func=cmd_sort)

    p = subparsers.add_parser("eval", help="greedy-sort all 729 inputs; exit 0 only if every one sorts")
    add_model_args(p, text=False)
    p.set_defaults(func=cmd_eval)

    p = subparsers.add_parser("findings", help="what the model learned: where each head attends over all 729 "
                              "inputs, what removing it costs, and the sentences that follow")
    add_model_args(p, text=False)
    p.add_argument("--input", metavar="LETTERS", help="also show each finding on this input (six letters "
                   "from A, B, C), with the real attention percentages")
    p.add_argument("--json", action="store_true", help="everything measured, as JSON")
    p.add_argument("--markdown", action="store_true", help="the report as Markdown (docs/findings.md)")
    p.set_defaults(func=cmd_findings)

    p = subparsers.add_parser("trace", help="one forward pass over TOKENS (or --text), every tensor written to an .npz")
    p.add_argument("tokens", nargs="?", default=None,
                   help=f"1 to {MAX_TRACE_LETTERS} letters from A, B, C (the sort model)")
    add_model_args(p)
    p.add_argument("--out", required=True, metavar="FILE.npz", help="trace file to write")
    p.set_defaults(func=cmd_trace)

    p = subparsers.add_parser("generate", help="continue a text model's prompt greedily; the top-5 tokens per step",
                              description="Run a GPT-2-family model on --text and print each new token with the "
                                          "five most probable (id, text, probability), then the continuation.")
    add_model_args(p)
    p.set_defaults(func=cmd_generate)

    p = subparsers.add_parser("train", help="train the sort model from scratch; writes weights only if 729/729 sort")
    p.add_argument("--seed", type=int, default=0, help="random seed (init, data order, hold-out split)")
    p.add_argument("--steps", type=int, default=800, help="maximum optimiser steps (cosine schedule length; "
                   "stops early once every training input sorts)")
    p.add_argument("--hold-out", type=float, default=0.0, metavar="F",
                   help="fraction of the 729 inputs never trained on, reported separately")
    p.add_argument("--full-schedule", action="store_true", help="run all --steps (the whole cosine decay) "
                   "instead of stopping once every training input sorts: larger margins, slower")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--out", required=True, metavar="FILE", help="weights to write (.safetensors or .npz)")
    p.set_defaults(func=cmd_train)

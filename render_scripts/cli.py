"""The `llmreel` command. Each subcommand is registered by a small `cmd_*.py` module and is a thin
call into its own package; subcommands that need no Blender never import bpy."""
from __future__ import annotations

import argparse
import importlib
import sys

from llmreel.core.errors import InputError

# Modules that add subcommands, in the order they appear in --help. Each has `register(subparsers)`.
COMMAND_MODULES = (
    "llmreel.render_scripts.cmd_model",    # sort, eval, findings, trace, generate, train
    "llmreel.render_scripts.cmd_plan",     # plan
    "llmreel.render_scripts.cmd_build",    # build
    "llmreel.render_scripts.cmd_render",   # render, still, contact-sheet
)


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and one line (no usage dump) on bad arguments."""

    def error(self, message):  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="llmreel", description="Turn a real, trained GPT into a 3D explainer video.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # that part of the pipeline is not written yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
    except InputError as exc:
        print(f"llmreel {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"llmreel {args.command}: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:   # past the door checks: e.g. a full disk; files are whole or absent
        print(f"llmreel {args.command}: failed: {exc}", file=sys.stderr)
        return 1
    return int(status or 0)


if __name__ == "__main__":
    sys.exit(main())

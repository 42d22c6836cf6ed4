"""`llmreel build [STORY] [--input ... | --model PATH --text ...] [--lang en|ko] [--theme ...] [--on light|dark] [--transparent]
--out F.blend`: plan the explainer, build it in Blender (headless) and save the .blend. Everything is checked
before bpy is imported."""
from __future__ import annotations

import argparse
import time

from llmreel.core.errors import InputError
from llmreel.core.files import check_input_file, check_output_file
from llmreel.core.options import LANGUAGES, PACE_RANGE, check_language, check_pace, parse_aspect
from llmreel.render_scripts.cmd_plan import add_look_args, check_look_args
from llmreel.render_scripts.model_args import add_model_args, model_kwargs


def check_threshold(value: int | None) -> int | None:
    if value is not None and value < 1:
        raise InputError(f"--image-threshold {value}: expected a positive cell count")
    return value


def cmd_build(args) -> int:
    out = check_output_file(args.out, "--out", (".blend",))
    check_language(args.lang, "--lang")
    threshold = check_threshold(args.image_threshold)
    look = check_look_args(args)
    if args.spec is not None:
        from llmreel.scenes.spec import SceneSpec

        if args.story is not None or args.input is not None or args.text is not None or args.model is not None:
            raise InputError("--spec builds a saved scene spec; do not also give STORY, --input, --text or --model")
        if args.theme is not None or args.on is not None:
            raise InputError("--spec builds a saved scene spec with its colours; plan it with --theme/--on")
        spec = SceneSpec.load(check_input_file(args.spec, "--spec", (".npz",)))
        bands = [c.band for c in spec.hud.cards] + [c.band for per in spec.hud.captions for c in per.values()]
        if args.transparent and any(b.color for b in bands):
            raise InputError("--transparent: this spec sets texts on opaque bands; plan it with --transparent")
    else:
        from llmreel.scenes.plan import plan_scene

        aspect = parse_aspect(args.aspect, "--aspect") if args.aspect is not None else None
        pace = check_pace(args.pace, "--pace") if args.pace is not None else None
        spec = plan_scene(args.story, input=args.input, language=args.lang, aspect=aspect, pace=pace,
                          **model_kwargs(args), **look)
    t0 = time.perf_counter()
    import bpy

    from llmreel.blender_addon import build

    bpy.ops.wm.read_factory_settings(use_empty=True)
    kwargs = {} if threshold is None else {"image_threshold": threshold}
    build.build_scene(spec, language=args.lang, captions=not args.no_captions, dof=args.dof,
                      cell_shape=args.cells, editable_text=args.editable_text, **kwargs)
    bpy.context.scene.render.film_transparent = bool(args.transparent)
    bpy.context.scene.render.engine = "BLENDER_WORKBENCH"     # what the scene is drawn for (and renders fast)
    build.save_blend(out)
    print(f"{out}: {len(spec.blocks)} blocks, frames {spec.meta.frame_start}-{spec.meta.frame_end} at "
          f"{spec.meta.fps} fps, built in {time.perf_counter() - t0:.1f} s")
    return 0


def register(subparsers) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "build", help="build the 3D scene in Blender and save it as a .blend",
        description="Plan the explainer and save it as a .blend that plays without the add-on.")
    p.add_argument("story", nargs="?", default=None,
                   help="story name or .toml file (default: sort_explainer, or gpt2_text for a text model)")
    p.add_argument("--input", default=None, help="six letters to sort, e.g. CBABBC")
    add_model_args(p)
    p.add_argument("--lang", default="en", help=f"caption and label language: {' | '.join(LANGUAGES)}")
    add_look_args(p)
    p.add_argument("--pace", type=float, default=None, help="duration multiplier, {:g} .. {:g}".format(*PACE_RANGE))
    p.add_argument("--aspect", default=None, help="W:H, e.g. 16:9 or 9:16")
    p.add_argument("--spec", default=None, help="build a saved SceneSpec (.npz) instead of planning")
    p.add_argument("--no-captions", action="store_true", help="no caption text objects")
    p.add_argument("--dof", action="store_true", help="camera depth of field on the shot's target")
    p.add_argument("--cells", choices=("tile", "box"), default="tile",
                   help="cell shape: tile (one quad, light to scrub and draw) or box (lit 3D cells)")
    p.add_argument("--editable-text", action="store_true",
                   help="keep texts as text objects you can retype in Blender (default: one mesh per group of "
                        "texts shown together, about twice as fast to scrub)")
    p.add_argument("--image-threshold", type=int, default=None,
                   help="blocks with more cells become one image-textured plane")
    p.add_argument("--out", required=True, help="output .blend file")
    p.set_defaults(func=cmd_build)

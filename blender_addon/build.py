"""Realise a SceneSpec in Blender: the public API scripts, operators and render workers call.

    build_scene(spec, scene=None, language=None, captions=True, image_threshold=..., merge_above=...)
    clear_scene(scene=None);  save_blend(path);  our_collection(scene=None)

`build_scene` dispatches to one realiser module per kind of element: world.py (scene settings, world,
lights), blocks.py, solids.py (models to scale), labels.py, paths.py, focus.py (highlights, flying cells, value texts), camera.py
(camera, HUD), hud.py (captions, title cards), compositor.py (glow), scene_io.py (chapters, clear, save).
Everything made lives in the "LLM Reel" collection (children per kind) and every data block carries the
`llmreel` custom property, so clearing/rebuilding touches nothing of the user's.
"""
from __future__ import annotations

import bpy

from . import animate, blocks, camera, compositor, focus, geometry, hud, keys, labels, merge, paths, solids, world
from .blocks import DEFAULT_IMAGE_THRESHOLD, MERGE_BLOCKS
from .nodes import tag
from .text import set_strokes
from .scene_io import clear_scene, collect_objects, mark_chapters, our_collection, save_blend

__all__ = ["COLLECTION_NAME", "DEFAULT_IMAGE_THRESHOLD", "build_scene", "clear_scene", "our_collection",
           "save_blend"]

COLLECTION_NAME = "LLM Reel"


def build_scene(spec, *, scene=None, language: str | None = None, captions: bool = True,
                image_threshold: int = DEFAULT_IMAGE_THRESHOLD, merge_above: int = MERGE_BLOCKS, glow: bool = True,
                dof: bool = False, cell_shape: str = "tile", editable_text: bool = False, text_resolution: int = 0,
                aliased: bool = False):
    """Realise the whole SceneSpec into `scene` (default: the context scene); replaces a previous build.
    `cell_shape`: "tile" (one quad per cell: light to draw and scrub) or "box" (lit 3D cells, for finals).
    Static texts, bands and outlines shown over the same frames become one mesh (see merge.py) unless
    `editable_text`; `text_resolution` > 0: curve steps per glyph segment (default text.TEXT_RESOLUTION);
    `aliased`: for pictures drawn without anti-aliasing (text.set_strokes: CJK strokes thickened);
    `merge_above`: with more blocks than this, sibling cell blocks share an object (block_lod.merge_groups)."""
    if cell_shape not in geometry.SHAPES:
        raise ValueError(f"unknown cell shape {cell_shape!r}: choose one of {', '.join(geometry.SHAPES)}")
    scene = scene or bpy.context.scene
    language = language or spec.meta.language
    clear_scene(scene)
    fonts_before = set(bpy.data.fonts)
    root = tag(bpy.data.collections.new(COLLECTION_NAME))
    root[keys.ROOT] = 1
    scene.collection.children.link(root)
    parts = {}
    for part in ("Blocks", "Labels", "Flow", "Focus", "Camera", "Lights", "Visibility", "Shown"):
        parts[part] = tag(bpy.data.collections.new(f"{COLLECTION_NAME} {part}"))
        root.children.link(parts[part])
    _exclude(scene, parts["Shown"])                      # its objects show through their instancers only
    world.setup_scene(scene, spec)
    world.add_world(scene, spec)
    vis = animate.Visibility(parts["Visibility"], parts["Shown"], spec.meta.frame_start, _empty,
                             homes=[parts[p] for p in ("Labels", "Flow", "Focus", "Camera")])
    solids.add_solids(spec, parts["Blocks"], vis)
    texts = None if editable_text else []               # texts to merge into meshes, never objects
    labels.add_labels(spec, parts["Labels"], language, vis, texts)
    paths.add_paths(spec, parts["Flow"], vis)
    focus.add_highlights(spec, parts["Focus"], vis)
    focus.add_flying_cells(spec, parts["Focus"], vis)
    focus.add_value_texts(spec, parts["Focus"], language, vis, texts)
    cam, shots = camera.add_camera(scene, spec, parts["Camera"])
    cam.data.dof.use_dof = bool(dof)
    plane = camera.add_hud(cam, shots, parts["Camera"], spec.hud)
    background = camera.add_background(cam, shots, spec, parts["Camera"])
    if captions:
        hud.add_captions(spec, plane, parts["Camera"], language, vis)
    hud.add_title_cards(spec, plane, parts["Camera"], language, vis, texts)
    if not editable_text:
        merge.merge_collections([parts[p] for p in ("Labels", "Focus", "Camera")] + list(vis.groups.values()),
                                texts, int(text_resolution), aliased)
    # the blocks after the merge: removing the merged objects costs in proportion to the file's size
    # (GPT-2 small: 742 data blocks took 13.5 s removed after its 821 block objects and their images)
    blocks.add_blocks(spec, parts["Blocks"], int(image_threshold), cell_shape, int(merge_above))
    built: list = []
    collect_objects(root, built)
    for obj in built:                                   # texts left as objects (all, or the captions)
        if obj.type == "FONT":
            if text_resolution > 0:
                obj.data.resolution_u = int(text_resolution)
            set_strokes(obj.data, aliased)
    world.add_lights(parts["Lights"], spec)
    mark_chapters(scene, spec, root)
    root[keys.LANGUAGE] = language
    root[keys.STORY] = spec.meta.story
    root[keys.INPUT] = spec.meta.input
    if glow:
        compositor.add_glow(scene, max((abs(z) for _, z in spec.hud.depth), default=abs(plane.location.z)),
                            background[keys.BACKGROUND_DEPTH])
    for font in set(bpy.data.fonts) - fonts_before:       # Blender's built-in font, loaded for text objects
        tag(font)
    return root


def _empty(name: str, coll):
    obj = tag(bpy.data.objects.new(name, None))
    obj.empty_display_size = 0.05
    coll.objects.link(obj)
    return obj


def _exclude(scene, coll) -> None:
    """Exclude `coll` from every view layer of `scene`."""
    def find(layer_coll):
        if layer_coll.collection == coll:
            return layer_coll
        for child in layer_coll.children:
            hit = find(child)
            if hit is not None:
                return hit
        return None

    for layer in scene.view_layers:
        lc = find(layer.layer_collection)
        if lc is not None:
            lc.exclude = True

"""What a build leaves in a scene and how it goes: the root collection, chapter markers, clearing (only what
the add-on made), purging its unused data and saving the .blend.

    our_collection(scene);  mark_chapters(scene, spec, root);  clear_scene(scene);  save_blend(path)
"""
from __future__ import annotations

import json
import os

import bpy

from llmreel.core.files import atomic_output

from . import compat, keys
from .nodes import is_ours

# the bpy.data collections that hold data blocks a build makes (see _kind)
ID_COLLECTIONS = ("objects", "meshes", "curves", "cameras", "lights", "materials", "node_groups",
                  "images", "actions", "worlds", "fonts", "collections", "hair_curves")


def our_collection(scene=None):
    scene = scene or bpy.context.scene
    for coll in scene.collection.children:
        if is_ours(coll) and coll.get(keys.ROOT):
            return coll
    return None


def mark_chapters(scene, spec, coll) -> None:
    chapters = [{"slug": c.slug, "title": c.title, "first": int(c.first_frame), "last": int(c.last_frame)}
                for c in spec.chapters]
    coll[keys.CHAPTERS] = json.dumps(chapters, ensure_ascii=False)
    names = []
    for c in spec.chapters:
        marker = scene.timeline_markers.new(f"▸ {c.slug}", frame=int(c.first_frame))
        names.append(marker.name)
    coll[keys.MARKERS] = json.dumps(names)


def collect_objects(coll, out: list) -> None:
    out.extend(coll.objects)
    for child in coll.children:
        collect_objects(child, out)


def _purge_ours() -> None:
    """Remove tagged data blocks nobody uses any more (repeat: materials free node groups, and so on)."""
    changed = True
    while changed:
        changed = False
        ours = [i for attr in ID_COLLECTIONS for i in getattr(bpy.data, attr) if is_ours(i)]
        if not ours:
            return
        users = bpy.data.user_map(subset=ours)        # real referrers (a loaded font counts 1 user itself)
        for idb in ours:
            if not users.get(idb):
                getattr(bpy.data, ID_COLLECTIONS[_kind(idb)]).remove(idb)
                changed = True


def _kind(idb) -> int:
    return {"OBJECT": 0, "MESH": 1, "CURVE": 2, "CAMERA": 3, "LIGHT": 4, "MATERIAL": 5, "NODETREE": 6,
            "IMAGE": 7, "ACTION": 8, "WORLD": 9, "FONT": 10, "COLLECTION": 11,
            "CURVES": 12}[idb.id_type]


def clear_scene(scene=None) -> None:
    """Remove only what build_scene made in `scene` (objects, data, actions, markers, world, compositor)."""
    scene = scene or bpy.context.scene
    root = our_collection(scene)
    if root is not None:
        for name in json.loads(root.get(keys.MARKERS, "[]")):
            marker = scene.timeline_markers.get(name)
            if marker is not None:
                scene.timeline_markers.remove(marker)
        objs: list = []
        collect_objects(root, objs)
        colls = [root] + list(root.children_recursive)
        for obj in {o for o in objs if is_ours(o)}:
            bpy.data.objects.remove(obj)
        for coll in colls:
            if is_ours(coll):
                bpy.data.collections.remove(coll)
    if scene.world is not None and is_ours(scene.world):
        scene.world = bpy.data.worlds.get(scene.get(keys.PREV_WORLD, ""))
    if scene.camera is None and scene.get(keys.PREV_CAMERA):
        scene.camera = bpy.data.objects.get(scene[keys.PREV_CAMERA])
    tree = compat.compositor_tree(scene, create=False)
    if tree is not None and is_ours(tree) and hasattr(scene, "compositing_node_group"):
        scene.compositing_node_group = None
    elif tree is not None and is_ours(tree):
        tree.nodes.clear()
    for key in (keys.PREV_WORLD, keys.PREV_CAMERA):
        if key in scene:
            del scene[key]
    _purge_ours()


def pack_ours() -> None:
    """Pack the fonts and images the add-on made into the .blend (it renders on a machine without them)."""
    for font in bpy.data.fonts:
        if is_ours(font) and font.packed_file is None and font.filepath != "<builtin>":
            font.pack()
    for img in bpy.data.images:
        if is_ours(img) and img.packed_file is None:
            img.pack()


def save_blend(path) -> None:
    """Pack fonts and images, make 3D views show the colour attribute (scrubbing plays the animation),
    write atomically. Blender writes to a sibling name that does not exist yet (it would otherwise back the
    old file up as .blend1)."""
    path = os.path.abspath(os.fspath(path))
    pack_ours()
    for screen in bpy.data.screens:
        for area in screen.areas:
            for space in area.spaces:
                if space.type == "VIEW_3D":
                    space.shading.type = "SOLID"
                    space.shading.light = "FLAT"
                    space.shading.color_type = "VERTEX"
                    space.shading.background_type = "WORLD"
    with atomic_output(path) as tmp:
        bpy.ops.wm.save_as_mainfile(filepath=str(tmp), copy=True, compress=True, check_existing=False)

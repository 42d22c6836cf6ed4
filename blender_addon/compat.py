"""The one place for Blender 4.2 LTS .. 5.0 API differences.

Everything else in the add-on (and the render workers) calls these helpers instead of testing versions.
Feature checks look at RNA (`bl_rna`), not version numbers, so point releases that back-port an API work.
"""
from __future__ import annotations

import bpy

VERSION = bpy.app.version


def _has_prop(rna_struct, name: str) -> bool:
    return name in rna_struct.bl_rna.properties


def _has_func(rna_struct, name: str) -> bool:
    return name in rna_struct.bl_rna.functions


# ---- render engines ------------------------------------------------------------------------------
def eevee_engine_id() -> str:
    """'BLENDER_EEVEE_NEXT' in 4.2-4.4, 'BLENDER_EEVEE' from 4.5/5.0 on."""
    return "BLENDER_EEVEE_NEXT" if VERSION < (4, 5, 0) else "BLENDER_EEVEE"


ENGINE_IDS = {"workbench": "BLENDER_WORKBENCH", "cycles": "CYCLES"}


def engine_id(name: str) -> str:
    """Engine id for a user-facing name: workbench | eevee | cycles (case-insensitive)."""
    key = name.lower()
    if key == "eevee":
        return eevee_engine_id()
    if key in ENGINE_IDS:
        return ENGINE_IDS[key]
    raise ValueError(f"unknown render engine {name!r}; accepted: workbench, eevee, cycles")


def set_engine(scene, name: str) -> None:
    scene.render.engine = engine_id(name)


# ---- output formats ------------------------------------------------------------------------------
def set_image_output(scene, file_format: str = "PNG", color_mode: str = "RGB", color_depth: str = "8") -> None:
    """Still-image output; 5.0 wants media_type set before file_format."""
    s = scene.render.image_settings
    if _has_prop(s, "media_type"):
        s.media_type = "IMAGE"
    s.file_format = file_format
    s.color_mode = color_mode
    if file_format in {"PNG", "TIFF", "OPEN_EXR"}:
        s.color_depth = color_depth if file_format != "OPEN_EXR" else "16"


def set_video_output(scene, container: str = "MPEG4", codec: str = "H264", quality: str = "HIGH",
                     audio: bool = False) -> None:
    """FFmpeg video output (H.264 in MP4 by default). In 5.0 `media_type='VIDEO'` must precede FFMPEG."""
    s = scene.render.image_settings
    if _has_prop(s, "media_type"):
        s.media_type = "VIDEO"
    s.file_format = "FFMPEG"
    ff = scene.render.ffmpeg
    ff.format = container
    ff.codec = codec
    ff.constant_rate_factor = quality
    if not audio:
        ff.audio_codec = "NONE"


# ---- compositor ----------------------------------------------------------------------------------
def compositor_tree(scene, create: bool = True, name: str = "LLM Reel Compositor"):
    """The scene's compositor node tree: 5.0 keeps it in `scene.compositing_node_group` (a node group with
    a Group Output), 4.x in `scene.node_tree` after `use_nodes = True`. Returns (tree, output_node_kind)."""
    if _has_prop(scene, "compositing_node_group"):
        tree = scene.compositing_node_group
        if tree is None and create:
            tree = bpy.data.node_groups.new(name, "CompositorNodeTree")
            scene.compositing_node_group = tree
        return tree
    if create:
        scene.use_nodes = True
    return scene.node_tree


def compositor_uses_group_output() -> bool:
    """True when the compositor result is the tree's Group Output (5.0) rather than a Composite node."""
    return not hasattr(bpy.types, "CompositorNodeComposite")


# ---- animation -----------------------------------------------------------------------------------
def ensure_action(idblock, name: str):
    """The action animating `idblock`, created (and slot-assigned on layered-action versions) if missing."""
    ad = idblock.animation_data or idblock.animation_data_create()
    if ad.action is None:
        ad.action = bpy.data.actions.new(name)
    return ad.action


def fcurve_ensure(idblock, data_path: str, index: int = 0, name: str | None = None):
    """F-curve for `data_path[index]` on `idblock` (4.4+: slotted actions; 4.2: action.fcurves)."""
    action = ensure_action(idblock, name or f"{idblock.name} Action")
    if _has_func(action, "fcurve_ensure_for_datablock"):
        return action.fcurve_ensure_for_datablock(idblock, data_path, index=index)
    fc = action.fcurves.find(data_path, index=index)
    return fc if fc is not None else action.fcurves.new(data_path, index=index)


def action_fcurves(action) -> list:
    """All f-curves of an action, legacy or layered."""
    if action is None:
        return []
    if _has_prop(action, "layers") and len(action.layers):
        out = []
        for layer in action.layers:
            for strip in layer.strips:
                for bag in getattr(strip, "channelbags", []):
                    out.extend(bag.fcurves)
        return out
    return list(getattr(action, "fcurves", []))


# ---- geometry nodes / attributes -----------------------------------------------------------------
def new_node_group(name: str, kind: str = "GeometryNodeTree"):
    group = bpy.data.node_groups.new(name, kind)
    if kind == "GeometryNodeTree" and _has_prop(group, "is_modifier"):
        group.is_modifier = True
    return group


def set_modifier_input(mod, group, socket_name: str, value) -> str:
    """Set a Geometry Nodes modifier input by the socket's name; returns the key (for keyframing)."""
    for item in group.interface.items_tree:
        if getattr(item, "item_type", None) == "SOCKET" and item.in_out == "INPUT" and item.name == socket_name:
            mod[item.identifier] = value
            return item.identifier
    raise KeyError(socket_name)


def set_active_color(mesh, name: str) -> None:
    """Make a colour attribute the one Workbench and 'Attribute' colour mode show."""
    ca = mesh.color_attributes
    attr = ca.get(name)
    ca.active_color = attr
    ca.render_color_index = [a.name for a in ca].index(name)
    ca.default_color_name = name      # kept by name on evaluated meshes, so GN output stays the shown one
    ca.active_color_name = name


# Workbench's 'Attribute' colour mode (the add-on's viewport and draft look) shows the material colour for
# meshes without a colour attribute from Blender 5.0 on; 4.2 shows them light grey.
WORKBENCH_NEEDS_COLOR_ATTRIBUTE = bpy.app.version < (5, 0, 0)


def flat_color_attribute(mesh, face_rgb) -> None:
    """On Blenders whose Workbench needs it, give `mesh` a face-corner colour attribute equal to each
    face's flat colour (`face_rgb`: one RGB for all faces, or [F, 3]) and make it the shown one."""
    import numpy as np

    if not WORKBENCH_NEEDS_COLOR_ATTRIBUTE or not len(mesh.polygons):
        return
    nf = len(mesh.polygons)
    rgb = np.broadcast_to(np.asarray(face_rgb, np.float32)[..., :3], (nf, 3))
    totals = np.empty(nf, np.int32)
    mesh.polygons.foreach_get("loop_total", totals)
    rgba = np.concatenate([np.repeat(rgb, totals, axis=0), np.ones((int(totals.sum()), 1), np.float32)], axis=1)
    attr = mesh.color_attributes.get("Col") or mesh.color_attributes.new("Col", "FLOAT_COLOR", "CORNER")
    attr.data.foreach_set("color", rgba.ravel())
    set_active_color(mesh, "Col")


# ---- files ---------------------------------------------------------------------------------------
def bpy_fonts_dir() -> str:
    """Folder of the fonts Blender ships (holds 'Noto Sans CJK Regular.woff2' for Korean)."""
    import os

    return os.path.join(bpy.utils.system_resource("DATAFILES"), "fonts")

"""The "LLM Reel" tab of the 3D View sidebar: settings, Build/Rebuild/Clear, chapters, cell inspector."""
from __future__ import annotations

import bpy

from . import cell_inspector, keys, merge
from .scene_io import our_collection
from .props import current_chapter


def selected_face(obj):
    """Index of the active (else first selected) face of a mesh object, or None."""
    if obj is None or obj.type != "MESH":
        return None
    if obj.mode == "EDIT":
        import bmesh

        bm = bmesh.from_edit_mesh(obj.data)
        face = bm.faces.active or next((f for f in bm.faces if f.select), None)
        return face.index if face is not None else None
    mesh = obj.data
    if 0 <= mesh.polygons.active < len(mesh.polygons) and mesh.polygons[mesh.polygons.active].select:
        return mesh.polygons.active
    for poly in mesh.polygons:
        if poly.select:
            return poly.index
    return None


def inspector_text(obj) -> str:
    if obj is not None and merge.TEXTS_KEY in obj:              # a merged group of texts, bands, outlines
        words = [r["body"] for r in merge.built_items([obj]) if r.get("body")]
        shown = " · ".join(words[:6]) + (" …" if len(words) > 6 else "")
        return (f"{len(words)} texts shown together, merged into one mesh: {shown}. "
                "Rebuild with 'Editable text' on to retype them.")
    if obj is None or obj.get(keys.BLOCK) is None:
        return "Select a cell of an LLM Reel block (Edit Mode, face select)."
    face = selected_face(obj)
    if face is None:
        return f"{obj[keys.BLOCK]}: select a cell (face) to inspect it."
    try:
        return cell_inspector.cell_info(obj, face)
    except ValueError as exc:
        return str(exc)


class LLMREEL_UL_chapters(bpy.types.UIList):
    def draw_item(self, context, layout, data, item, icon, active_data, active_propname, index=0):
        row = layout.row()
        row.label(text=item.title, icon="MARKER")
        row.label(text=f"{item.first_frame}-{item.last_frame}")


class _Sidebar:
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "LLM Reel"


class LLMREEL_PT_main(_Sidebar, bpy.types.Panel):
    bl_label = "LLM Reel"

    def draw(self, context):
        settings = context.scene.llmreel
        col = self.layout.column(align=False)
        col.prop(settings, "input_letters")
        col.prop(settings, "weights_file")
        col.prop(settings, "story_file")
        col.prop(settings, "theme")
        row = col.row(align=True)
        row.prop(settings, "language")
        row.prop(settings, "captions", text="", icon="FONT_DATA")
        col.prop(settings, "pace")
        col.prop(settings, "aspect")
        col.prop(settings, "editable_text")
        row = col.row(align=True)
        built = our_collection(context.scene) is not None
        row.operator("llmreel.rebuild" if built else "llmreel.build", icon="FILE_REFRESH" if built else "PLAY")
        row.operator("llmreel.clear", icon="TRASH")


class LLMREEL_PT_chapters(_Sidebar, bpy.types.Panel):
    bl_label = "Chapters"
    bl_parent_id = "LLMREEL_PT_main"

    def draw(self, context):
        settings = context.scene.llmreel
        now = current_chapter(settings, context.scene.frame_current)
        self.layout.label(text=f"Now: {now.title}" if now else "Now: -", icon="TIME")
        self.layout.template_list("LLMREEL_UL_chapters", "", settings, "chapters", settings, "chapter_index", rows=4)


class LLMREEL_PT_inspector(_Sidebar, bpy.types.Panel):
    bl_label = "Cell Inspector"
    bl_parent_id = "LLMREEL_PT_main"

    def draw(self, context):
        obj = context.active_object
        col = self.layout.column(align=True)
        if obj is not None and obj.get(keys.BLOCK) is not None:
            col.label(text=f"{obj.get(keys.FORMAL)}  ({obj.get(keys.ROLE)}, "
                           f"{obj[keys.SHAPE][0]}×{obj[keys.SHAPE][1]} {obj.get(keys.AXES, '')})")
        for line in _wrap(inspector_text(obj), 48):
            col.label(text=line)


def _wrap(text: str, width: int) -> list[str]:
    lines, cur = [], ""
    for word in text.split(" "):
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    return lines + ([cur] if cur else [])


CLASSES = (LLMREEL_UL_chapters, LLMREEL_PT_main, LLMREEL_PT_chapters, LLMREEL_PT_inspector)

"""Panel settings, stored on the scene as `scene.llmreel` (a PropertyGroup), and the chapter list items."""
from __future__ import annotations

import json

import bpy
from bpy.props import (BoolProperty, CollectionProperty, EnumProperty, FloatProperty, IntProperty,
                       PointerProperty, StringProperty)

from llmreel.core.options import LANGUAGE_NAMES, LANGUAGES as OPTION_LANGUAGES

from . import keys

ASPECTS = (("16:9", "16:9", "Landscape video"), ("9:16", "9:16", "Portrait (phones)"),
           ("1:1", "1:1", "Square"), ("4:3", "4:3", "Classic"))
LANGUAGES = tuple((code, LANGUAGE_NAMES[code], "") for code in OPTION_LANGUAGES)


def _theme_items(self, context):
    try:
        from llmreel.scenes.themes import THEMES
        names = list(THEMES)
    except ImportError:
        names = ["dark", "light"]
    return [(n, n.title(), "") for n in names]


def _jump_to_chapter(self, context):
    """Clicking a chapter in the list moves the timeline to its first frame."""
    items = self.chapters
    if 0 <= self.chapter_index < len(items):
        context.scene.frame_set(items[self.chapter_index].first_frame)


class LLMReelChapter(bpy.types.PropertyGroup):
    slug: StringProperty()
    title: StringProperty()
    first_frame: IntProperty()
    last_frame: IntProperty()


class LLMReelSettings(bpy.types.PropertyGroup):
    input_letters: StringProperty(name="Input", default="CBABBC",
                                  description="Letters to sort (A, B, C), e.g. CBABBC")
    weights_file: StringProperty(name="Weights", subtype="FILE_PATH",
                                 description=".safetensors or .npz weights; empty = the bundled trained model")
    story_file: StringProperty(name="Story", subtype="FILE_PATH",
                               description="Story file (.toml); empty = the default story")
    theme: EnumProperty(name="Theme", items=_theme_items)
    language: EnumProperty(name="Captions", items=LANGUAGES, default="en")
    captions: BoolProperty(name="Show captions", default=True)
    pace: FloatProperty(name="Pace", default=1.0, min=0.25, max=4.0, description="Multiplier on every duration")
    aspect: EnumProperty(name="Aspect", items=ASPECTS, default="16:9")
    editable_text: BoolProperty(
        name="Editable text", default=False,
        description="Keep labels, captions and titles as text objects you can retype. Off: each group of "
                    "texts shown together is one mesh, which makes scrubbing about twice as fast")
    headless_command: StringProperty(name="Command", description="What 'Render Headless' saved the file for: "
                                     "run it in a shell, here or on another machine with llmreel installed")
    chapters: CollectionProperty(type=LLMReelChapter)
    chapter_index: IntProperty(name="Chapter", default=-1, update=_jump_to_chapter)


def fill_chapters(settings, root) -> None:
    """Copy the chapter list stored on the built collection into the panel's list."""
    settings.chapters.clear()
    for ch in json.loads(root.get(keys.CHAPTERS, "[]")) if root is not None else []:
        item = settings.chapters.add()
        item.slug = ch["slug"]
        item.title = ch["title"].get(settings.language) or ch["title"].get("en", ch["slug"])
        item.first_frame, item.last_frame = ch["first"], ch["last"]


def current_chapter(settings, frame: int):
    for item in settings.chapters:
        if item.first_frame <= frame <= item.last_frame:
            return item
    return None


CLASSES = (LLMReelChapter, LLMReelSettings)


def register_props() -> None:
    bpy.types.Scene.llmreel = PointerProperty(type=LLMReelSettings)


def unregister_props() -> None:
    if hasattr(bpy.types.Scene, "llmreel"):
        del bpy.types.Scene.llmreel

"""Story files: TOML in scenes/ saying which chapters and beats a cut shows, for how long, and how.

    name = "sort_explainer"
    input = "CBABBC"          # letters of A/B/C
    weights = ""              # "" = the shipped weights; else a .safetensors / .npz path
    fps = 30
    aspect = "16:9"           # 16:9 | 9:16 | 1:1 (any W:H of positive integers)
    pace = 1.0                # global multiplier on every duration (0.25 .. 4)
    theme = "dark"            # see llmreel.scenes.themes.THEMES
    language = "en"           # default caption language: en | ko

    [[chapter]]
    slug = "introduction"     # one of storyboard.CHAPTER_SLUGS, in that order
    pace = 1.0                # per-chapter multiplier
    beats = ["task", "tokens"]            # optional subset, in canonical order (default: all)
    seconds = { task = 6 }                # optional per-beat seconds
    captions.task.en = "The input is {input}."   # optional caption override per language;
                                                 # {input} {output} {tokens} {n} are filled in

Timing is in seconds; frames come from the fps in effect. Unknown keys or bad values -> InputError.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from llmreel.core.errors import InputError
from llmreel.core.options import LANGUAGES, check_fps, check_pace, parse_aspect

STORY_DIR = Path(__file__).resolve().parent
DEFAULT_STORY = STORY_DIR / "sort_explainer.toml"

_TOP_KEYS = ("name", "title", "input", "weights", "fps", "aspect", "pace", "theme", "language", "chapter")
_CHAPTER_KEYS = ("slug", "pace", "beats", "seconds", "captions", "loop_seconds", "loop_speedup")


@dataclass
class ChapterCut:
    slug: str
    pace: float = 1.0
    beats: list[str] | None = None                              # None = every beat of the chapter
    seconds: dict[str, float] = field(default_factory=dict)
    captions: dict[str, dict[str, str]] = field(default_factory=dict)   # beat -> lang -> template
    loop_seconds: float | None = None                           # output chapter: first fed-back pass
    loop_speedup: float | None = None                           # each later pass lasts this fraction


@dataclass
class Story:
    name: str
    path: str
    title: dict[str, str]
    input: str
    weights: str
    fps: int
    aspect: tuple[int, int]
    pace: float
    theme: str
    language: str
    chapters: list[ChapterCut]


def list_stories() -> list[str]:
    """Names of the story files shipped in scenes/."""
    return sorted(p.stem for p in STORY_DIR.glob("*.toml"))


def _unknown(keys, accepted, where: str) -> None:
    bad = [k for k in keys if k not in accepted]
    if bad:
        raise InputError(f"{where}: unknown key {bad[0]!r}; accepted: {', '.join(accepted)}")


def _str(value, where: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{where}: expected a string, got {value!r}")
    return value


def _lang_dict(value, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected a table of languages ({', '.join(LANGUAGES)})")
    _unknown(value, LANGUAGES, where)
    return {k: _str(v, f"{where}.{k}") for k, v in value.items()}


def _chapter(doc, where: str) -> ChapterCut:
    from llmreel.scenes.storyboard import CHAPTER_SLUGS, beat_names

    if not isinstance(doc, dict):
        raise InputError(f"{where}: expected a [[chapter]] table")
    _unknown(doc, _CHAPTER_KEYS, where)
    slug = doc.get("slug")
    if slug not in CHAPTER_SLUGS:
        raise InputError(f"{where}: bad chapter slug {slug!r}; accepted: {', '.join(CHAPTER_SLUGS)}")
    where = f"chapter {slug!r}"
    names = beat_names(slug)
    cut = ChapterCut(slug, check_pace(doc.get("pace", 1.0), f"{where} pace"))
    if "beats" in doc:
        beats = doc["beats"]
        if not isinstance(beats, list) or not beats or any(b not in names for b in beats):
            raise InputError(f"{where}: bad beats {beats!r}; accepted: a non-empty list of {', '.join(names)}")
        if [names.index(b) for b in beats] != sorted({names.index(b) for b in beats}):
            raise InputError(f"{where}: beats must be unique and in story order: {', '.join(names)}")
        cut.beats = list(beats)
    seconds = doc.get("seconds", {})
    if not isinstance(seconds, dict):
        raise InputError(f"{where}: seconds must be a table beat = seconds")
    _unknown(seconds, names, f"{where} seconds")
    for beat, s in seconds.items():
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not 0.5 <= s <= 120:
            raise InputError(f"{where} seconds.{beat} = {s!r}; accepted: a number 0.5..120")
        cut.seconds[beat] = float(s)
    captions = doc.get("captions", {})
    if not isinstance(captions, dict):
        raise InputError(f"{where}: captions must be a table beat.language = text")
    _unknown(captions, names, f"{where} captions")
    cut.captions = {b: _lang_dict(v, f"{where} captions.{b}") for b, v in captions.items()}
    for key in ("loop_seconds", "loop_speedup"):
        if key in doc:
            if slug != "output":
                raise InputError(f"{where}: {key} only applies to chapter 'output'")
            v = doc[key]
            lo, hi = (1.0, 60.0) if key == "loop_seconds" else (0.3, 1.0)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                raise InputError(f"{where} {key} = {v!r}; accepted: a number {lo:g}..{hi:g}")
            setattr(cut, key, float(v))
    return cut


def _resolve(path_or_name) -> Path:
    if path_or_name is None:
        return DEFAULT_STORY
    p = Path(path_or_name)
    if p.suffix == ".toml" or p.exists() or "/" in str(path_or_name):
        if not p.is_file():
            raise InputError(f"story file {str(p)!r} not found; accepted: a .toml path or one of "
                             f"{', '.join(list_stories())}")
        return p
    if str(path_or_name) in list_stories():
        return STORY_DIR / f"{path_or_name}.toml"
    raise InputError(f"unknown story {str(path_or_name)!r}; accepted: {', '.join(list_stories())} or a .toml path")


def load_story(path_or_name: str | Path | None = None) -> Story:
    """Read and validate a story: a shipped name ("sort_explainer", "attention_only"), a path, or None."""
    from llmreel.scenes.themes import THEMES

    path = _resolve(path_or_name)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read story {str(path)!r}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"story {str(path)!r} is not valid TOML: {exc}") from None
    where = f"story {path.name}"
    _unknown(doc, _TOP_KEYS, where)
    theme = _str(doc.get("theme", "dark"), f"{where} theme")
    if theme not in THEMES:
        raise InputError(f"{where}: unknown theme {theme!r}; accepted: {', '.join(THEMES)}")
    language = _str(doc.get("language", "en"), f"{where} language")
    if language not in LANGUAGES:
        raise InputError(f"{where}: unknown language {language!r}; accepted: {', '.join(LANGUAGES)}")
    chapters = doc.get("chapter")
    if not isinstance(chapters, list) or not chapters:
        raise InputError(f"{where}: needs at least one [[chapter]] table")
    cuts = [_chapter(c, f"{where} chapter {i + 1}") for i, c in enumerate(chapters)]
    from llmreel.scenes.storyboard import CHAPTER_SLUGS
    order = [CHAPTER_SLUGS.index(c.slug) for c in cuts]
    if order != sorted(set(order)):
        raise InputError(f"{where}: chapters must be unique and in story order: {', '.join(CHAPTER_SLUGS)}")
    name = _str(doc.get("name", path.stem), f"{where} name")
    return Story(
        name=name,
        path=str(path),
        title=_lang_dict(doc.get("title", {"en": name, "ko": name}), f"{where} title"),
        input=_str(doc.get("input", "CBABBC"), f"{where} input"),
        weights=_str(doc.get("weights", ""), f"{where} weights"),
        fps=check_fps(doc.get("fps", 30), f"{where} fps"),
        aspect=parse_aspect(doc.get("aspect", "16:9")),
        pace=check_pace(doc.get("pace", 1.0), f"{where} pace"),
        theme=theme,
        language=language,
        chapters=cuts,
    )

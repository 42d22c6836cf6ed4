"""Story files: TOML in scenes/ saying which chapters and beats a cut shows, for how long, and how.

    name = "sort_explainer"
    model = "letters"         # the model it is written for: "letters" (the sort model) | "text" (GPT-2 family)
                              # | "any" (it never shows the model's own values: the scale story)
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
    subtitle = { en = "...", ko = "..." } # optional: the title card's subtitle
    beats = ["task", "tokens"]            # optional subset, in canonical order (default: all)
    seconds = { task = 6 }                # optional per-beat seconds
    captions.task.en = "The input is {input}."   # optional caption override per language;
                                                 # {input} {output} {tokens} {n} are filled in

    together = true                       # chapter "transformer" only: the later blocks in one quick beat

    [chapter.beat.tokens]                 # optional: override any field of one beat (docs/beat-overrides.md)
    seconds = 6                           # 0.5 .. 120
    caption = { en = "...", ko = "..." }  # caption templates, per language
    focus = ["wte.weight", "embed.tok"]   # tensors the shot frames ("*": the whole model)
    shot = { yaw = 10, pitch = 6, orbit = -4, lens = 35, fill = 0.8, framing = "whole" }

Timing is in seconds; frames come from the fps in effect. Unknown keys or bad values -> InputError.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from llmreel.core.errors import InputError
from llmreel.core.options import LANGUAGES, check_fps, check_pace, parse_aspect
from llmreel.scenes.beats import beat_names
from llmreel.scenes.storyboard import CHAPTER_SLUGS, FRAMINGS
from llmreel.scenes.themes import THEMES

STORY_DIR = Path(__file__).resolve().parent
DEFAULT_STORY = STORY_DIR / "sort_explainer.toml"
TEXT_STORY = STORY_DIR / "gpt2_text.toml"         # the default story for a text (GPT-2-family) model
MODEL_KINDS = ("letters", "text", "any")           # a story's `model`: the kind of model it is written for

_TOP_KEYS = ("name", "title", "model", "input", "weights", "fps", "aspect", "pace", "theme", "language", "chapter")
_CHAPTER_KEYS = ("slug", "pace", "beats", "seconds", "captions", "beat", "loop_seconds", "loop_speedup",
                 "together", "subtitle")
_BEAT_KEYS = ("seconds", "caption", "focus", "shot")
SECONDS_RANGE = (0.5, 120.0)
# shot override key -> (lowest, highest) accepted; angles in degrees (see docs/beat-overrides.md)
SHOT_RANGES = {"yaw": (-60.0, 60.0), "pitch": (-45.0, 45.0), "orbit": (-30.0, 30.0), "lens": (10.0, 300.0),
               "fill": (0.1, 1.0)}
SHOT_KEYS = (*SHOT_RANGES, "framing")


@dataclass
class ChapterCut:
    slug: str
    pace: float = 1.0
    beats: list[str] | None = None                              # None = every beat of the chapter
    seconds: dict[str, float] = field(default_factory=dict)
    captions: dict[str, dict[str, str]] = field(default_factory=dict)   # beat -> lang -> template
    focus: dict[str, list[str]] = field(default_factory=dict)           # beat -> tensor names ("*": all)
    shots: dict[str, dict[str, float | str]] = field(default_factory=dict)   # beat -> SHOT_KEYS -> value
    loop_seconds: float | None = None                           # output chapter: first fed-back pass
    loop_speedup: float | None = None                           # each later pass lasts this fraction
    together: bool = False                                      # transformer chapter: the later blocks in one quick beat
    subtitle: dict[str, str] = field(default_factory=dict)     # the title card's subtitle, per language


@dataclass
class Story:
    name: str
    path: str
    title: dict[str, str]
    model: str                      # MODEL_KINDS: the kind of model its captions are written for
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


def _number(value, lo: float, hi: float, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise InputError(f"{where} = {value!r}; accepted: a number {lo:g}..{hi:g}")
    return float(value)


def _shot(value, where: str) -> dict[str, float | str]:
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected a table of {', '.join(SHOT_KEYS)}")
    _unknown(value, SHOT_KEYS, where)
    out: dict[str, float | str] = {}
    for key, v in value.items():
        if key == "framing":
            if v not in FRAMINGS:
                raise InputError(f"{where}.framing = {v!r}; accepted: {', '.join(FRAMINGS)}")
            out[key] = v
        else:
            out[key] = _number(v, *SHOT_RANGES[key], f"{where}.{key}")
    return out


def _focus(value, where: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(t, str) and t for t in value):
        raise InputError(f"{where} = {value!r}; accepted: a non-empty list of tensor names, or [\"*\"] for the "
                         f"whole model")
    return list(dict.fromkeys(value))


def _beat_overrides(cut: ChapterCut, doc, names: list[str], where: str) -> None:
    """[chapter.beat.<name>] tables: any field of one beat; a field set twice (also by the chapter's
    seconds / captions tables) is refused."""
    if not isinstance(doc, dict):
        raise InputError(f"{where}: beat must be a table of beat tables, e.g. [chapter.beat.{names[0]}]")
    _unknown(doc, names, f"{where} beat")
    for name, over in doc.items():
        at = f"{where} beat.{name}"
        if not isinstance(over, dict):
            raise InputError(f"{at}: expected a table of {', '.join(_BEAT_KEYS)}")
        _unknown(over, _BEAT_KEYS, at)
        if "seconds" in over:
            if name in cut.seconds:
                raise InputError(f"{at}.seconds: also set in the chapter's seconds table; accepted: one of the two")
            cut.seconds[name] = _number(over["seconds"], *SECONDS_RANGE, f"{at}.seconds")
        if "caption" in over:
            if name in cut.captions:
                raise InputError(f"{at}.caption: also set in the chapter's captions table; accepted: one of the two")
            cut.captions[name] = _lang_dict(over["caption"], f"{at}.caption")
        if "focus" in over:
            cut.focus[name] = _focus(over["focus"], f"{at}.focus")
        if "shot" in over:
            cut.shots[name] = _shot(over["shot"], f"{at}.shot")


def _chapter(doc, where: str) -> ChapterCut:
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
        cut.seconds[beat] = _number(s, *SECONDS_RANGE, f"{where} seconds.{beat}")
    captions = doc.get("captions", {})
    if not isinstance(captions, dict):
        raise InputError(f"{where}: captions must be a table beat.language = text")
    _unknown(captions, names, f"{where} captions")
    cut.captions = {b: _lang_dict(v, f"{where} captions.{b}") for b, v in captions.items()}
    _beat_overrides(cut, doc.get("beat", {}), names, where)
    for key in ("loop_seconds", "loop_speedup"):
        if key in doc:
            if slug != "output":
                raise InputError(f"{where}: {key} only applies to chapter 'output'")
            lo, hi = (1.0, 60.0) if key == "loop_seconds" else (0.3, 1.0)
            setattr(cut, key, _number(doc[key], lo, hi, f"{where} {key}"))
    if "subtitle" in doc:
        cut.subtitle = _lang_dict(doc["subtitle"], f"{where} subtitle")
    if "together" in doc:
        if slug != "transformer" or not isinstance(doc["together"], bool):
            raise InputError(f"{where}: together = {doc['together']!r}; accepted: true or false, in chapter "
                             f"'transformer' only")
        cut.together = doc["together"]
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
    """Read and validate a story: a shipped name ("sort_explainer", "attention_only", "gpt2_text"), a path,
    or None (the default story: the sort model's)."""
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
    order = [CHAPTER_SLUGS.index(c.slug) for c in cuts]
    if order != sorted(set(order)):
        raise InputError(f"{where}: chapters must be unique and in story order: {', '.join(CHAPTER_SLUGS)}")
    name = _str(doc.get("name", path.stem), f"{where} name")
    model = _str(doc.get("model", "letters"), f"{where} model")
    if model not in MODEL_KINDS:
        raise InputError(f"{where}: model = {model!r}; accepted: {', '.join(MODEL_KINDS)}")
    return Story(
        name=name,
        path=str(path),
        title=_lang_dict(doc.get("title", {"en": name, "ko": name}), f"{where} title"),
        model=model,
        input=_str(doc.get("input", "CBABBC"), f"{where} input"),
        weights=_str(doc.get("weights", ""), f"{where} weights"),
        fps=check_fps(doc.get("fps", 30), f"{where} fps"),
        aspect=parse_aspect(doc.get("aspect", "16:9")),
        pace=check_pace(doc.get("pace", 1.0), f"{where} pace"),
        theme=theme,
        language=language,
        chapters=cuts,
    )

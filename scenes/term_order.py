"""Every term defined before the film uses it, one new term at a time (glossary.py holds the terms).

The film's texts in the order it shows them: each chapter's title card ("Title. Subtitle"), then its
beats' captions. A term is defined where its glossary entry says (a beat's caption, or a chapter's title
card); a text fails when it uses a term before that text (or a term the film never defines), and when it
brings more than one term new to the viewer, or when the text meant to define a term the film uses does
not say it (and a later one uses it). `plan_timeline` refuses a story whose caption overrides break this (`check_story`); the
templates are checked, so what a field fills in (a text model's tokens) never counts. `bursts` finds any 20 seconds that bring more than three new terms.
"""
from __future__ import annotations

import re

from llmreel.core.errors import InputError
from llmreel.scenes.glossary import BY_KEY, TERMS, terms_in
from llmreel.scenes.storyboard import CHAPTERS, BeatPlan

BURST_SECONDS = 20.0
BURST_TERMS = 3
_FIELD = re.compile(r"\{[^{}]*\}")


def film_texts(beats: list[BeatPlan], lang: str, filled: bool = True,
               templates: dict[str, dict[str, str]] | None = None) -> list[tuple[str, str, int]]:
    """(where, text, first frame) in the order the film shows them (a card's subtitle the story's own where
    it gives one); `filled` False: the caption templates with their fields left out; `templates` {beat id:
    {lang: template}}: those instead of the beats' own, and the default subtitles."""
    titles = {slug: (t, sub) for slug, t, sub in CHAPTERS}
    i = 0 if lang == "en" else 1
    out, chapter = [], None
    for b in beats:
        if b.chapter != chapter:
            chapter = b.chapter
            title, sub = titles[chapter]
            own = b.subtitle.get(lang) if b.subtitle and templates is None else None
            out.append((f"{chapter} (title card)", f"{title[i]}. {own or sub[i]}", b.first_frame))
        text = b.caption[lang] if filled else _FIELD.sub(" ", (templates or {}).get(b.id, b.templates)[lang])
        out.append((b.id, text, b.first_frame))
    return out


def _defines(where: str, key: str) -> bool:
    """Whether the text at `where` (a beat id, e.g. "output.loop.2", or "<slug> (title card)") is the one
    the term's glossary entry names."""
    t = BY_KEY[key]
    for d in (t.defined_in, *t.also):
        if where == d or where.startswith(d + ".") if "." in d else where == f"{d} (title card)":
            return True                                 # a beat (or one it expands to), or a title card
    return False


def order_faults(texts: list[tuple[str, str, int]], lang: str) -> list[str]:
    """Uses of a term before the text that defines it (or of a term nothing shown defines), and texts that
    bring more than one new term."""
    uses = [terms_in(text, lang) for _, text, _ in texts]
    where_defined: dict[str, int] = {}              # the first defining text that says the term, else the first
    for t in TERMS:
        places = [n for n, (where, _, _) in enumerate(texts) if _defines(where, t.key)]
        if places:
            where_defined[t.key] = next((n for n in places if t.key in uses[n]), places[0])
    faults, seen = [], set()
    for n, (where, text, _) in enumerate(texts):
        used = uses[n]
        faults += [f"{where}: is meant to define {BY_KEY[k].en[0]!r} but does not say it" for k, d in
                   where_defined.items() if d == n and k not in used and any(k in u for u in uses[n + 1:])]
        for key in used:
            d = where_defined.get(key)
            if key not in seen and (d is None or d > n):
                faults.append(f"{where}: {BY_KEY[key].en[0]!r} used before "
                              + (f"{texts[d][0]} defines it" if d is not None else "any text shown defines it"))
        new = [k for k in used if k not in seen]
        if len(new) > 1:
            faults.append(f"{where}: {len(new)} new terms ({', '.join(BY_KEY[k].en[0] for k in new)})")
        seen.update(used)
    return faults


def bursts(texts: list[tuple[str, str, int]], lang: str, fps: int) -> list[str]:
    """Any BURST_SECONDS window that brings more than BURST_TERMS new terms."""
    seen: set[str] = set()
    firsts: list[tuple[int, str]] = []
    for where, text, frame in texts:
        for key in terms_in(text, lang):
            if key not in seen:
                seen.add(key)
                firsts.append((frame, key))
    out = []
    for i, (f0, _) in enumerate(firsts):
        inside = [k for f, k in firsts[i:] if f - f0 < BURST_SECONDS * fps]
        if len(inside) > BURST_TERMS:
            out.append(f"{len(inside)} new terms within {BURST_SECONDS:g} s from frame {f0}: {', '.join(inside)}")
    return out


def check_story(beats: list[BeatPlan], canonical: dict[str, dict[str, str]], story: str) -> None:
    """InputError (one line) naming the first text of the story, in either language, whose caption override
    uses a term before the film defines it or brings more than one new term, or that such an override
    leaves undefined: a fault the same cut with the `canonical` templates ({beat id: {lang: template}})
    does not have. (A cut alone may leave out a defining beat: a short film for viewers who know the terms.)"""
    for lang in ("en", "ko"):
        ours = order_faults(film_texts(beats, lang, filled=False), lang)
        theirs = set(order_faults(film_texts(beats, lang, filled=False, templates=canonical), lang))
        faults = [f for f in ours if f not in theirs]
        if faults:
            raise InputError(f"story {story}: {faults[0]} ({lang}); accepted: captions that use only terms defined "
                             f"earlier in the film and bring at most one new term each (docs/glossary.md)")

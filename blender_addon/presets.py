"""Render presets and the user's overrides, resolved into one `RenderSettings` (plain data, no bpy).

A preset fixes the picture's short side; the long side follows the scene's aspect ratio, so
`--aspect 9:16` turns the draft's 854x480 into 480x854 without a new preset.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from llmreel.core.errors import InputError
from llmreel.core.options import check_device, check_language, parse_resolution

ENGINES = ("workbench", "cycles", "eevee")


@dataclass(frozen=True)
class RenderSettings:
    """Everything that decides how a frame looks (part of the frame key) plus how fast it is made."""
    width: int
    height: int
    engine: str                 # workbench | cycles | eevee
    samples: int                # Cycles/EEVEE samples; Workbench anti-aliasing samples (0 = off)
    denoise: bool               # Cycles: OpenImageDenoise
    captions: bool              # burn captions into the picture
    language: str               # caption / label language
    transparent: bool = False   # film alpha (stills for slides)
    compositor: bool = True     # the add-on's compositor glow (costly on the CPU: off for drafts)
    text_resolution: int = 0    # curve steps per glyph segment (0 = text.TEXT_RESOLUTION), fixed when texts are
                                # merged at build. Software GL draws every triangle on one core and text
                                # is a third of them, so drafts use 2
    cell_shape: str = "tile"    # "tile": one quad per cell (cheap to draw); "box": shaded slabs with thickness
    smaa: bool = False          # compositor anti-aliasing (SMAA) on top of the engine's samples
    glow_gain: float = 0.0      # Workbench + compositor: flashing cells reach 1 + this (the glare blooms them)
    dof: float = 0.0            # depth of field around the camera's target (compositor): blur radius at full
                                # defocus in pixels per 1000 px of picture width (0 = off)
    device: str = "cpu"         # cpu | gpu: what Cycles computes on (Workbench and EEVEE draw with OpenGL)

    def key_fields(self) -> dict:
        """The fields that change pixels (all of them: threads and workers are not settings)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Preset:
    short_side: int
    fps: int
    engine: str
    samples: int
    denoise: bool
    compositor: bool
    text_resolution: int = 0
    cell_shape: str = "tile"
    glow_gain: float = 0.0
    dof: float = 0.0
    smaa: bool = False


PRESETS: dict[str, Preset] = {
    # Workbench, no anti-aliasing at 12 fps, no compositor, coarse text, flat tiles: lets `make demo`
    # render the whole story in minutes on 2 cores. Slabs cost +40% CPU per draft frame against tiles
    # here (0.29 s against 0.18 s per frame in bench_presets), and `make demo` with them took 15 min wall
    # while other work shared the machine (load ~4): over its 10 min, so drafts draw tiles. The gradient
    # and the paths' halos stay (0.18 s per frame with them, as before them).
    "draft": Preset(short_side=480, fps=12, engine="workbench", samples=0, denoise=False,
                    compositor=False, text_resolution=2),
    # Workbench at 24 fps, anti-aliased by the compositor's SMAA (measured on a medium shot, CPU seconds
    # per 720p frame: no anti-aliasing 0.35, SMAA 0.53, Workbench FXAA 0.85, 8x 2.5 with the old glare),
    # no glare (nothing blooms without HDR flashes), slabs (+7% CPU at 720p against tiles), text at 3 steps
    # per glyph segment.
    "preview": Preset(short_side=720, fps=24, engine="workbench", samples=0, denoise=False,
                      compositor=True, text_resolution=3, cell_shape="box", smaa=True),
    # Workbench at 1080p with 8x anti-aliasing, slabs, and the compositor: flashing cells go above 1
    # (glow_gain) and bloom through the glare, and a depth of field focused on the camera's target blurs
    # what lies well behind or before it in close-ups (compositor.py: a blurred copy, 6 px per 1000 px of
    # width, mixed in by depth; wide shots 2,000+ units away stay sharp; captions always do). Measured
    # by bench/bench_presets.py: 5.65 s per frame (6.5 CPU s), the glare ~0.65 s and the depth of field
    # under 0.1 s of it. A true Defocus node cost ~40 CPU s per frame, Workbench's own depth of field
    # blurs the captions (they ride the camera far nearer than the subject), Workbench shadows 8-11 s.
    # Cycles, measured here: ~4 s at 1 sample + ~0.9 s per sample + ~11 s denoising per 1080p frame, and
    # 32 samples took 140-215 s per frame under load: over the 8 s budget for a picture of flat colours.
    "final": Preset(short_side=1080, fps=24, engine="workbench", samples=8, denoise=False, compositor=True,
                    cell_shape="box", glow_gain=3.0, dof=6.0),
}


def size_for_aspect(short_side: int, aspect: tuple[int, int]) -> tuple[int, int]:
    """Picture size with the given short side and aspect; the long side rounded up to an even number
    (H.264 with 4:2:0 chroma needs even sides): 480 @ 16:9 -> (854, 480)."""
    aw, ah = aspect
    long_side = short_side * max(aw, ah) / min(aw, ah)
    long_even = int(-(-round(long_side, 6) // 2) * 2)
    return (long_even, short_side) if aw >= ah else (short_side, long_even)


def resolve(quality: str, *, aspect: tuple[int, int] = (16, 9), resolution: str | None = None,
            engine: str | None = None, samples: int | None = None, language: str = "en",
            captions: bool = True, transparent: bool = False, device: str = "cpu") -> RenderSettings:
    """Preset `quality` with the user's overrides applied; every value checked (InputError)."""
    if quality not in PRESETS:
        raise InputError(f"unknown quality {quality!r}: choose one of {', '.join(PRESETS)}")
    p = PRESETS[quality]
    w, h = parse_resolution(resolution) if resolution else size_for_aspect(p.short_side, aspect)
    engine = (engine or p.engine).lower()
    if engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if samples is not None and not 0 <= samples <= 4096:
        raise InputError(f"bad samples {samples}: expected 0..4096")
    if samples is None:
        samples = p.samples if engine == p.engine else {"workbench": 0, "cycles": 16, "eevee": 16}[engine]
    if engine != "workbench":
        samples = max(1, samples)
    check_language(language)
    check_device(device, "--device")
    return RenderSettings(width=w, height=h, engine=engine, samples=samples,
                          denoise=p.denoise and engine == "cycles", captions=captions,
                          language=language, transparent=transparent, compositor=p.compositor,
                          text_resolution=p.text_resolution, cell_shape=p.cell_shape, glow_gain=p.glow_gain,
                          smaa=p.smaa and p.compositor,
                          dof=p.dof, device=device if engine == "cycles" else "cpu")


def preset_fps(quality: str) -> int:
    if quality not in PRESETS:
        raise InputError(f"unknown quality {quality!r}: choose one of {', '.join(PRESETS)}")
    return PRESETS[quality].fps

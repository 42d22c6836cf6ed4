"""Beats of the scale chapter (any story may include it, after its other chapters): nano-gpt, then the
camera pulls back past GPT-2 small and GPT-2 XL until GPT-3 fills the frame (scenes/scale.py draws and
frames them). No tensor is revealed here: each beat's focus is the model it ends on."""
from __future__ import annotations

from llmreel.scenes.scale import solid_id
from llmreel.scenes.storyboard import SCALE, BeatDef, Shot

# The models are parameters drawn to scale, so the captions name parameters and layers only: the terms a
# viewer who starts the film here has heard defined (scenes/glossary.py: "parameter" is defined here).
SHOT = Shot(kind="medium")


def _beat(key: str, seconds: float, en: str, ko: str) -> BeatDef:
    """The beat that ends on model `key` (scale.MODELS), its caption templates (en, ko)."""
    return BeatDef(SCALE, key, seconds, (en, ko), focus=lambda ctx: [solid_id(key)], shot=SHOT)


SCALE_BEATS = [
    _beat("nano", 8.0,
          "nano-gpt: {nano_layers} layers, {nano_width} wide, {nano_params} parameters, the numbers it "
          "learned. Each slab is one table of them, one square per parameter.",
          "nano-gpt: 층 {nano_layers}개, 폭 {nano_width}, 파라미터(모델이 배운 수) {nano_params_ko}. "
          "판 하나가 그런 수의 표 하나, 칸 하나가 파라미터 하나입니다."),
    _beat("gpt2", 8.0,
          "GPT-2 small is built the same way, bigger: {gpt2_layers} layers, {gpt2_width} wide, "
          "{gpt2_params} parameters.",
          "GPT-2 small{은/는} 같은 방식으로 더 크게 만들었습니다. 층 {gpt2_layers}개, 폭 {gpt2_width}, "
          "파라미터 {gpt2_params_ko}."),
    _beat("gpt2-xl", 8.0,
          "GPT-2 XL: {gpt2_xl_layers} layers, {gpt2_xl_width} wide, {gpt2_xl_params} parameters.",
          "GPT-2 XL{은/는} 층 {gpt2_xl_layers}개, 폭 {gpt2_xl_width}, 파라미터 {gpt2_xl_params_ko}입니다."),
    _beat("gpt3", 10.0,
          "GPT-3: {gpt3_layers} layers, {gpt3_width} wide, {gpt3_params} parameters, about {ratio} times "
          "nano-gpt, each square still one parameter.",
          "GPT-3{은/는} 층 {gpt3_layers}개, 폭 {gpt3_width}, 파라미터 {gpt3_params_ko:으로/로} nano-gpt의 약 "
          "{ratio_ko}입니다. 칸 하나는 여전히 파라미터 하나입니다."),
]

"""The friendly names of the blocks (English and Korean), by the kind of tensor they show, and the
section headings: the words the wall's titles use (layout.py places them)."""
from __future__ import annotations

_TITLES: dict[str, tuple[str, str]] = {
    "wte.weight": ("Token table", "토큰 표"),
    "wpe.weight": ("Position table", "위치 표"),
    "embed.tok": ("Token columns", "토큰 열"),
    "embed.pos": ("Position columns", "위치 열"),
    "embed.out": ("Residual stream", "잔차 스트림"),
    "ln": ("Layer norm", "레이어 정규화"),
    "ln.mean": ("Mean", "평균"),
    "ln.rstd": ("1 / spread", "1 / 퍼짐"),
    "ln.weight": ("Scale γ", "스케일 γ"),
    "ln.bias": ("Shift β", "이동 β"),
    "q.weight": ("Query weights", "쿼리 가중치"),
    "k.weight": ("Key weights", "키 가중치"),
    "v.weight": ("Value weights", "값 가중치"),
    "q.bias": ("Q bias", "Q 편향"),
    "k.bias": ("K bias", "K 편향"),
    "v.bias": ("V bias", "V 편향"),
    "attn.q": ("Query", "쿼리"),
    "attn.k": ("Key", "키"),
    "attn.v": ("Value", "값"),
    "attn.scores": ("Attention scores", "어텐션 점수"),
    "attn.max": ("Max", "최댓값"),
    "attn.expsum": ("Exp sum", "지수 합"),
    "attn.probs": ("Attention shares", "어텐션 비율"),
    "attn.y": ("Heads joined", "헤드 결합"),
    "attn.c_proj.weight": ("Projection weights", "투영 가중치"),
    "attn.c_proj.bias": ("Projection bias", "투영 편향"),
    "attn.proj": ("Projection", "투영"),
    "attn.resid": ("Residual stream", "잔차 스트림"),
    "mlp.c_fc.weight": ("MLP weights (expand)", "MLP 가중치 (확장)"),
    "mlp.c_fc.bias": ("MLP bias", "MLP 편향"),
    "mlp.fc": ("MLP hidden", "MLP 은닉"),
    "mlp.gelu": ("GELU", "GELU"),
    "mlp.c_proj.weight": ("MLP weights (project)", "MLP 가중치 (투영)"),
    "mlp.c_proj.bias": ("MLP bias", "MLP 편향"),
    "mlp.proj": ("MLP output", "MLP 출력"),
    "mlp.resid": ("Residual stream", "잔차 스트림"),
    "lm_head.weight": ("Output weights", "출력 가중치"),
    "logits": ("Logits", "로짓"),
    "logits.max": ("Max", "최댓값"),
    "logits.expsum": ("Exp sum", "지수 합"),
    "probs": ("Probabilities", "확률"),
}


def block_title(key: str) -> dict[str, str]:
    en, ko = _TITLES[key]
    return {"en": en, "ko": ko}


SECTION_TITLES: dict[str, tuple[str, str]] = {
    "embedding": ("Embedding", "임베딩"),
    "ln_f": ("Final layer norm", "최종 레이어 정규화"),
    "output": ("Output", "출력"),
}

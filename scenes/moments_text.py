"""Focus moments of a text (GPT-2-family) model, where the sort story's name letters: the prompt's token
columns lifted out of the embedding table, the top predictions' rows of the LM head and the logits with
their token strings, the picked token by its text, and the text so far growing by one token each pass.
`text_moments` swaps them in for those beats (the others' moments show numbers only and serve both)."""
from __future__ import annotations

import numpy as np

from llmreel.scenes.captions_text import quoted, top_tokens
from llmreel.scenes.geometry import block_cell, leader, value_text_box
from llmreel.scenes.moments import Moments, languages, next_pick, wrap_formula
from llmreel.scenes.spec import ValueText
from llmreel.scenes.storyboard import BeatPlan, arrival

NBSP = "\u00a0"
TOP_SHOWN = 5               # predictions a value text lists with their token strings
LIFTED = 16                 # prompt tokens whose columns fly out of the embedding table
MAX_LINES = 3               # lines of the text so far


def _name(m: Moments, v: int) -> str:
    """Token v's text, quoted, braces doubled (it goes into a value text's format string)."""
    return quoted(m.token_name(v)).replace("{", "{{").replace("}", "}}")


def token_columns(m: Moments, beat: BeatPlan) -> None:
    """Each prompt token's column of the token table framed and its first number flown to its column of
    token vectors; the last token's number (the column the story follows) named by its text."""
    toks = [int(v) for v in m.trace.tokens[:m.n_in]]
    for j, tok in enumerate(toks[:LIFTED]):
        m.column(beat, "wte.weight", tok)
        m.fly(beat, ("wte.weight", (tok, 0)), "embed.tok", (0, j))
    t = m.t                                            # the followed column, as the captions follow it
    m.column(beat, "embed.tok", t)
    m.value(beat, f"{_name(m, toks[t])} {{}}", [("wte.weight", (toks[t], 0))], ("embed.tok", (t, 0)))


def top_logits(m: Moments, beat: BeatPlan) -> None:
    """The top predictions' rows of the LM head and their logits in the last column, named by their text."""
    t = m.t
    top = top_tokens(m.trace["probs"][t], TOP_SHOWN)
    C = m.trace.config.n_embd
    for v in top:
        m.highlight(beat, "lm_head.weight", (v, v + 1), (0, C))
    m.fly(beat, ("lm_head.weight", (0, top[0])), "logits", (top[0], t))
    top_list(m, beat, "logits", t, top, "   ".join(f"{_name(m, v)} {{}}" for v in top))


def top_list(m: Moments, beat: BeatPlan, bid: str, t: int, top: list[int], text, frame_rows: bool = True,
             **kw) -> None:
    """The numbers of tokens `top` in column `t` of a vocabulary-long block (their rows framed unless not
    `frame_rows`): the list hangs by the first's row, read down; where the vocabulary is drawn shorter
    (layout.VOCAB_SPAN: rows finer than a pixel, the first's row anywhere along the column) at the column's
    top, beside its title, a leader line from the first's row to the list (one: five ran side by side in the
    narrow gap), so that one close-up holds the block's name and the numbers."""
    b = m.blocks.get(bid)
    if b is None:
        return
    short = b.row_step > 0
    v = m.value(beat, text, [(bid, (t, k)) for k in top], (bid, (t, 0 if short else top[0])), hang=True, **kw)
    for k, tok in enumerate(top):
        lead = leader(b, (tok, t), v, 0) if short and v is not None and k == 0 else ()
        if frame_rows or lead:
            m.highlight(beat, bid, (tok, tok + 1), (t, t + 1), frames=v.frames if lead else None, leader=lead)


def top_probabilities(m: Moments, beat: BeatPlan) -> None:
    t = m.t
    top = top_tokens(m.trace["probs"][t], TOP_SHOWN)
    m.column(beat, "probs", t)
    top_list(m, beat, "probs", t, top, "   ".join(f"{_name(m, v)} {{}}" for v in top), small=True)


def picked(m: Moments, col: int) -> int:
    return int(np.argmax(m.trace["probs"][col]))


def pick_token(m: Moments, beat: BeatPlan) -> None:
    """The most likely token framed and named, flown to the column it is fed back into."""
    t = m.t
    best = picked(m, t)
    m.highlight(beat, "probs", (best, best + 1), (t, t + 1))
    emb = m.blocks.get("embed.tok")
    if t + 1 < len(m.trace.tokens) and emb is not None:
        m.fly(beat, ("probs", (t, best)), "embed.tok", (emb.shape[0] - 1, t + 1))
    top_list(m, beat, "probs", t, [best], f"{_name(m, best)}   p = {{}}", frame_rows=False, small=True, now=True,
             frames=m.settled(beat))
    text_so_far(m, beat, 1, m.window(beat, 0.6, 1.0))        # after the number: it keeps the spot by its cell


def new_token(m: Moments, beat: BeatPlan) -> None:
    """The pass's new column framed top and bottom; the text so far, and as the pass ends the token it picks
    and the text one token longer."""
    col = m.n_in + beat.pass_index - 2
    for bid in ("embed.out", "probs"):
        m.column(beat, bid, col)
    best = picked(m, col)
    frames = m.window(beat, 0.7, 1.0)
    top_list(m, beat, "probs", col, [best], next_pick(_name(m, best)), frame_rows=False, frames=frames, small=True,
             now=True)
    # the text so far from the start (the shot holds on it while the pass runs), then one token longer
    arrive = float(arrival(beat.first_frame, beat.last_frame, m.fps))      # once the camera has arrived
    text_so_far(m, beat, beat.pass_index - 1, (arrive, frames[0] - 1), "before")
    text_so_far(m, beat, beat.pass_index, frames)


def whole_text(m: Moments, beat: BeatPlan) -> None:
    """The output columns framed and the prompt with every new token appended, to the end."""
    b = m.blocks.get("probs")
    if b is not None:
        m.highlight(beat, "probs", (0, b.shape[0]), (m.n_in - 1, b.shape[1]))
    text_so_far(m, beat, len(m.trace.tokens) - m.n_in + 1, m.window(beat, 0.2, 1.0))


def text_so_far(m: Moments, beat: BeatPlan, n_new: int, frames, tag: str = "") -> None:
    """The prompt and the first `n_new` tokens written, each new one in brackets ("The cat sat on the[ mat]"),
    large, beside the probability of the last one picked (a value text with no number in it; placed as
    numbers are, clear of the blocks and of the numbers on screen with it: a vocabulary-long column of
    probabilities puts anything under it out of the shot)."""
    b = m.blocks.get("probs")
    if b is None:
        return
    new = [picked(m, c) for c in range(m.t, m.t + n_new)]
    # lines break between the prompt's words or before a new token, never inside one's brackets
    keep = "".join(f"[{m.token_name(v)}]".replace(" ", NBSP) for v in new)
    text = languages(wrap_formula(so_far(m.input_text, keep, m.line_chars), m.line_chars).replace(NBSP, " "))
    size = m.number_size(b.id)
    cell = block_cell(b, (m.t + n_new - 1, new[-1]))
    # first under the pick's number (one place to read), else where a number would go
    pick = [v for v in m.values if v.id.startswith(f"value:{beat.id}:probs")]
    under = []
    if pick:                  # under it, a little further from the column: lines below recede along it
        lo = value_text_box(pick[-1].text, pick[-1].size, pick[-1].location)[0]
        own_lo, own_hi = value_text_box(text, size, (0.0, 0.0, 0.0))
        under = [(lo[0] - own_lo[0] + k * size, lo[2] - 1.0 * m.size - own_hi[2]) for k in (1, 2, 3)]
    loc = m.place(text, size, b, cell, frames, first=under) or m.place(text, size, b, cell, None, fallback=True)
    m.values.append(ValueText(id=f"value:{beat.id}:{tag}", text=text, location=loc, size=float(size), frames=frames,
                              block=b.id))


def so_far(prompt: str, new: str, chars: int) -> str:
    """The prompt and the new tokens `new`, in at most MAX_LINES lines of `chars`: a long prompt's first words
    give way to "…" (one frame holds the text at a number's size beside the pick's number: a 16-token prompt
    in five lines did not, in 1:1, above the caption band)."""
    text, cut = prompt + new, 0
    while wrap_formula(text, chars).count("\n") >= MAX_LINES:
        cut = prompt.find(" ", cut + 1)
        if cut < 0:
            break
        text = "…" + prompt[cut:] + new
    return text


TEXT_MOMENTS = {"embedding.token": token_columns, "softmax.logits": top_logits, "softmax.probs": top_probabilities,
                "output.pick": pick_token, "output.loop": new_token, "output.answer": whole_text}


def text_moments(beats: list[BeatPlan]) -> None:
    """A text model's beats take these moments where the sort story's name letters."""
    for b in beats:
        b.moments = TEXT_MOMENTS.get(f"{b.chapter}.{b.base}", b.moments)

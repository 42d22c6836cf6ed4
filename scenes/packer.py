"""The box packer of the wall (layout.py): a block's slot and the rectangle it owns with its labels (title,
tensor name, axis tags), and horizontal / vertical stacks of such rectangles with gaps, so that no two
blocks or name tags overlap for any config.

A node is ("leaf", Slot) | ("text", id, texts, size) | ("space", id, w, h) | ("h" | "v", [nodes], gap). A
"space" reserves an empty rectangle (e.g. where the GELU curve is drawn). Stacks align children to the top
(h) or to the right (v). Sizes are (width, height).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from llmreel.model.config import GPTConfig
from llmreel.scenes.axis_tags import TURN, axis_words, col_tag_width, row_tag_width, thickness, turned
from llmreel.scenes.spec import Label, Pitches
from llmreel.scenes.text_metrics import advance_width

PITCH = 1.0        # world units between neighbouring cell centres
FORMAL = 0.75      # a tensor name's size, of its block's title: legible wherever a close-up shows the title
DIM = 0.7          # an axis tag's size, of its block's title
CELL = 0.84        # cell edge
DEPTH = 0.30       # cell thickness (Y)
THIN = 0.03       # a text model's thin block's title per unit of its length (a full block's: 0.06): GPT-2's
                  # MLP bias, beside 3,072-tall neighbours titled 184 units, reads at 92, not 48, so a shot
                  # of the three need not come as close as the base size asks (letter models: base size)
TALL = 8.0         # a block more than this many title sizes tall has its row tag at its top, not its middle


@dataclass
class Slot(Pitches):
    """One block before it has values: what it shows and where it sits."""
    id: str
    tensor: str
    index_prefix: tuple[int, ...]
    axis_range: tuple[int, int]      # [start, stop) of the tensor's last axis; (0, 0) = all of it
    transpose: bool
    role: str
    title: dict[str, str]
    formal: str
    row_axis: str
    col_axis: str
    rows: int
    cols: int
    section: str = ""
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    labels: list[Label] = field(default_factory=list)   # name tag, formal name, axis tags (block = id)
    pitch: float = PITCH                                 # between its cell centres (larger for a few small blocks)
    row_step: float = 0.0                                # between its rows / columns where not `pitch`: a
    col_step: float = 0.0                                # vocabulary axis drawn shorter (VOCAB_SPAN)
    tag_right: bool = False                              # its turned row tag right of it (mark_tags_right)

    @property
    def height(self) -> float:
        return self.rows * self.row_pitch

    @property
    def width(self) -> float:
        return self.cols * self.col_pitch


@dataclass
class Sizes:
    """Text sizes and gaps in world units, adapted to the config so labels stay legible."""
    title: float
    gap: float
    section_gap: float
    letters: bool = True        # the model's tokens are letters (axis tags count letters, else tokens)

    @classmethod
    def for_config(cls, config: GPTConfig, letters: bool = True) -> "Sizes":
        title = max(4.0, config.n_embd / 16.0) * PITCH
        return cls(title=title, gap=max(1.5 * PITCH, 0.6 * title), section_gap=2.5 * title, letters=letters)


def text_width(text: str, size: float) -> float:
    """Advance width of `text` drawn for a role of text size `size` (measured fonts, text_metrics.py)."""
    return advance_width(text, size)


# ---- box packer -----------------------------------------------------------------------------------
def slot_title(slot: Slot, sz: Sizes) -> float:
    """Title size of a block: big blocks get bigger tags, so a shot framing them can still read them."""
    # by its cells as drawn, not counting a vocabulary's axis (drawn shorter): the logits' column of 50,257
    # tokens is read at its top, where the five most likely hang, and keeps its neighbours' title size
    long = max([n * (step or PITCH) for n, step in ((slot.rows, slot.row_step), (slot.cols, slot.col_step))
                if not 0 < step < PITCH], default=PITCH)
    if min(slot.rows, slot.cols) == 1:                  # biases, LN scales, aggregates: thin, base size
        return sz.title if sz.letters else max(sz.title, THIN * long)
    return max(sz.title, 0.06 * long)


def _tags(slot: Slot, sz: Sizes) -> tuple[dict[str, str], dict[str, str]]:
    """(row tag, column tag) of a slot, in words (axis_tags.py)."""
    return (axis_words(slot.row_axis, slot.rows, sz.letters), axis_words(slot.col_axis, slot.cols, sz.letters))


def _col_line(cols: dict[str, str], t: float) -> tuple[float, float]:
    """(height the column tag's line adds over the block, its baseline above the block's top edge)."""
    lo, hi = thickness(cols, DIM * t)
    return 0.2 * t - lo + hi, 0.25 * t - lo


def _leaf_size(slot: Slot, sz: Sizes) -> tuple[float, float, float, float]:
    """(width, height, block left offset, block top offset) of a slot's rectangle incl. labels: the title
    and tensor name lines, the column tag over the block, the row tag left of it (turned when it fits)."""
    t = slot_title(slot, sz)
    rows, cols = _tags(slot, sz)
    left = 0.45 * t + row_tag_width(rows, DIM * t, slot.height)
    w_text = max(text_width(s, t) for s in slot.title.values())
    w_text = max(w_text, text_width(slot.formal, FORMAL * t))
    width = max(left + slot.width, w_text, col_tag_width(cols, DIM * t)) + 0.3 * t
    head = (1.45 + FORMAL) * t + _col_line(cols, t)[0]                  # title, formal and column tag lines
    foot = max(0.3 * t, (0.4 + DIM) * t - _col_line(cols, t)[0])        # the rectangle as tall as with the tag under
    return width, head + slot.height + foot, width - 0.3 * t - slot.width, head


def node_size(node, sz: Sizes) -> tuple[float, float]:
    kind = node[0]
    if kind == "leaf":
        return _leaf_size(node[1], sz)[:2]
    if kind == "text":
        _, _, texts, size = node
        return max(text_width(s, size) for s in texts.values()) + size, 1.6 * size
    if kind == "space":
        return node[2], node[3]
    _, children, gap = node
    sizes = [node_size(c, sz) for c in children]
    if kind == "h":
        return sum(w for w, _ in sizes) + gap * (len(sizes) - 1), max(h for _, h in sizes)
    return max(w for w, _ in sizes), sum(h for _, h in sizes) + gap * (len(sizes) - 1)


def mark_tags_right(node) -> None:
    """Stand the turned row tag of a weight matrix followed by its bias right of it, between the two
    (in place): the weights' rows are the bias's and the output's, and a shot that cannot hold the whole
    row of blocks legibly (the projection's 93 units in a square frame) and cuts the weights' left side
    still reads it. The tag takes the gap and the bias's rectangle under its title (a bias's title is
    wider than its column), so no rectangle changes."""
    if node[0] not in ("h", "v"):
        return
    children = node[1]
    for a, b in zip(children, children[1:]):
        if (node[0] == "h" and a[0] == b[0] == "leaf" and a[1].role == b[1].role == "weight"
                and a[1].cols > 1 and b[1].cols == 1):
            a[1].tag_right = True
    for c in children:
        mark_tags_right(c)


@dataclass
class Placed:
    slots: list[Slot] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)                          # section headings
    spaces: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)


def place(node, right: float, top: float, sz: Sizes, out: Placed) -> None:
    """Place `node` with its rectangle's top-right corner at (right, top)."""
    kind = node[0]
    if kind == "leaf":
        slot = node[1]
        w, h, bx, by = _leaf_size(slot, sz)
        x0, t = right - w, slot_title(slot, sz)
        slot.origin = (x0 + bx + slot.col_pitch / 2, 0.0, top - by - slot.row_pitch / 2)
        bl, bt = x0 + bx, top - by                                        # block left / top edge
        br, bb = bl + slot.width, bt - slot.height
        y = -DEPTH / 2 - 0.02
        def tag(suffix, kind, text, location, size, align, color):
            return Label(id=f"{slot.id}:{suffix}", kind=kind, text=text, location=_vec(location),
                         size=float(size), align=align, color=color, block=slot.id)
        rows, cols = _tags(slot, sz)
        d = DIM * t
        # the column tag over the block, centred, or ending at its right edge when wider than the block
        narrow = col_tag_width(cols, d) <= slot.width
        col_z = bt + _col_line(cols, t)[1]
        if turned(rows, d, slot.height):                  # up the left edge, its descenders towards the block:
            # centred on the block, or ending at its top on a block taller than a close-up's frame holds
            # (beside the name and the column tag that a shot of its head shows)
            high = slot.height > TALL * t
            # 0.4 of a title from the cells: a label stands in front of the wall, and a shot from the side
            # moves it over the block's first column by a pixel or two at 0.3
            x = br + 0.4 * t + thickness(rows, d)[1] if slot.tag_right else bl - 0.4 * t + thickness(rows, d)[0]
            row = tag("rows", "dim", rows, (x, y, bt if high else (bt + bb) / 2),
                      d, "right" if high else "center", "text_dim")
            row.rotation = TURN
        else:
            row = tag("rows", "dim", rows, (bl - 0.3 * t, y, (bt + bb) / 2 - 0.35 * d), d, "right", "text_dim")
        slot.labels = [
            tag("title", "title", dict(slot.title), (x0, y, top - 0.95 * t), t, "left", "text"),
            tag("formal", "formal", {"en": slot.formal, "ko": slot.formal},
                (x0, y, top - (1.15 + FORMAL) * t), FORMAL * t, "left", "text_dim"),
            tag("cols", "dim", cols, ((bl + br) / 2 if narrow else br, y, col_z), d,
                "center" if narrow else "right", "text_dim"),
            row,
        ]
        out.slots.append(slot)
        return
    if kind == "space":
        _, sid, w, h = node
        out.spaces[sid] = (right - w, top, right, top - h)
        return
    if kind == "text":
        _, lid, texts, size = node
        w, _ = node_size(node, sz)
        out.labels.append(Label(id=lid, kind="section", text=dict(texts), size=float(size),
                                location=_vec((right - w, -DEPTH / 2 - 0.02, top - 1.1 * size))))
        return
    _, children, gap = node
    if kind == "h":
        x = right
        for child in reversed(children):
            place(child, x, top, sz, out)
            x -= node_size(child, sz)[0] + gap
    else:
        z = top
        for child in children:
            place(child, right, z, sz, out)
            z -= node_size(child, sz)[1] + gap


def _vec(p) -> tuple[float, float, float]:
    return tuple(float(v) for v in p)  # type: ignore[return-value]

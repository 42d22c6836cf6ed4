"""The frame check (scenes/frame_check.py) over the default and attention_only stories in 16:9, 9:16 and
1:1: every text obeys every text rule in every sampled frame; the check finds faults planted in a good
spec; and the counts of what is not yet right (subject fill, essentials, caption agreement) never grow:
the issue's full pass is not reached yet."""
from __future__ import annotations

import copy

import numpy as np
import pytest

from llmreel.scenes.frame_check import TEXT_RULES, check_frames, summary
from llmreel.scenes.plan import plan_scene

STORIES = (None, "attention_only")
ASPECTS = ("16:9", "9:16", "1:1")

# What the check still finds (measured when the level of detail and the shot rules landed): a ceiling
# that only comes down (a deliberate layout change may trade one count for another: say so when it does).
CEILING = {
    # issue 12 (every term defined before use, one at a time; a why with a measured number per chapter; a
    # roadmap and a recap) made the default story 46 beats instead of 34 and its captions longer (3-4 lines
    # in 9:16 and 1:1, where the caption band leaves less of the frame): more close-ups, each able to miss
    # a title, its fill or a caption's block. Measured then: 16:9 essential 19 -> 9, the rest below.
    # Title cards moved from the middle of the frame (where they hid the subject) to its top, the shot
    # framed below while they show: 9:16 +1 (an axis tag of self-attention.why), 1:1 -1; attention_only 1:1 -1.
    # Axis tags in words (axis_tags.py: the column tag over the block, the row tag turned up its left edge)
    # raised these, measured on main at 9/4/4, 21/3/5, 29/3/5, 0/2/1, 6/2/2, 11/2/1: no text-rule fault,
    # 1:1 essential 29 -> 23 (no tag under the caption band now), attention_only 1:1 11 -> 8; but 16:9
    # 9 -> 19, 9:16 21 -> 27, attention_only 9:16 6 -> 7, 1:1 fill 3 -> 4, 16:9 caption 4 -> 5 (faults of the
    # tags themselves 19 -> 21 over the six). The blocks sit a line lower in their rectangles (the column
    # tag's line), so thresholds flip: the MLP's pan along its 192-row blocks (mlp.expand, 16:9) now has
    # their middles inside the frame at its midpoint with every name out of frame above (8 of the 10); a
    # medium shot of the final layer norm, framed on its titles, leaves ln_f.rstd's centre just under the
    # safe area (caption). To take down with the shots, not the tags.
    # Sticky titles (scenes/sticky.py: a title and tensor name ride along a pan inside the safe area, along
    # their block's top edge, smaller where the block leaves less room): essential 19/27/23 -> 18/19/15,
    # attention_only 9:16 7 -> 1, 1:1 8 -> 5; the rest unchanged.
    # Pans along tall blocks hold their top, where they are named (shots.shot_boxes: the MLP's 192 rows are
    # not panned to their bottom; a window starts on a larger block's top left), and GELU's number is the
    # first bent one from the top: essential 18/19/15 -> 8/6/5, attention_only 9:16 1 -> 0, 1:1 5 -> 3. A
    # trade, said here: the medium shot of the second layer norm (mlp.norm), settling on the names of its
    # weights, no longer reaches its output as it starts lighting (16:9 caption 5 -> 6; 1:1 5 -> 7 with
    # mlp.expand's and softmax.norm's outputs, one fewer layer-norm.column).
    # Five 'why' and wide beats frame their own subject instead of panning the whole model's sparse wall
    # (embedding.width: the tables and columns; self-attention.heads: block 0's three heads, whole where
    # they fill WIDE_FILL; keys, values: head 0's key and value with their weights; projection.keep: the
    # addition), and a camera that would arrive after a block its caption shows starts lighting cuts
    # instead (cuts.lit_unseen): embedding.token's caption faults 3 -> 0, 1:1 qkv fill and 9:16 scores
    # fill gone; the values close-up (a 6:1 row) fills 29% of 16:9 (fill +1 in both stories).
    # A turned row tag stands 0.4 of a title from its block's cells, not 0.3 (seen from the side, a label in
    # front of the wall moved over the first column by a pixel or two): 16:9 essential 8 -> 6 (the MLP's
    # output and residual tags); a trade: 1:1 5 -> 6 (the position table's tag, now at the safe edge).
    # The embedding's sum is a medium shot of the three columns with 'a + b' over '= total' (an addition's
    # numbers in two lines): 16:9 essential 6 -> 3 (the position columns' name, axes no longer cut at the
    # left edge of a close-up); a trade: 1:1 6 -> 7 (the position columns' title at its left edge there).
    # The output's blocks of three letters drawn with cells twice as far apart (layout.OUTPUT_PITCH: the
    # picked letter's row reads from afar; what blocks cover of softmax.probs 1% -> 3%, the answer 2% -> 5%):
    # a trade, 9:16 essential 6 -> 5 and 1:1 7 -> 6, but 16:9 3 -> 5 (the output weights' axis tag and the
    # logits' title cut by the pans along the now longer output stack).
    # Softmax and the scores light the followed column first, its numbers with them (as Q/K/V did), a shot
    # frames each number with the block it reports (ValueText.block), the camera going from the first
    # number to the last where legibility holds fewer at once, and the layer norm's why frames the layer
    # norm (the stream passing beside it), not the stream's block above it across the empty wall. Softmax's
    # caption shows what it names ("the largest score", "their sum", "the results"): max, sum and shares.
    # 57 -> 41 over the six: softmax fill 6 -> 2 (30% less a hair in 16:9), its caption 4 -> 0, scores 3 -> 0,
    # layer-norm.why 2 -> 0, layer-norm.column's mean in view.
    # A number waits for a title card only where the card would cover it (cards.after_cards, measured through
    # the camera): the output's pick shows its letter as the camera arrives under the card (fill 3 -> 0, one
    # essential); the layer norm's numbers stand over its column where the stream leaves no room beside it
    # (9:16 and 1:1: its blocks and numbers in one frame, caption 2 -> 0 in 9:16, 1:1 fill 1 -> 0). 41 -> 35.
    # A wide or square frame's layer norms stand as wide as tall (layout._layernorm_stack: the mean and
    # 1 / spread rows beside the normalised block, on the stream's side), so one medium shot holds the whole
    # group; the column beat's numbers stand past the stream in short lines, beside it: the three layer
    # norms' caption faults gone (16:9 3 -> 0, 1:1 5 -> 2), layer-norm.column's titles legible; a trade:
    # layer-norm.why, the group framed whole with its titles, fills 29% of 16:9 (fill 2 -> 3). 34 -> 27.
    # In a wide frame the output's softmax steps stand side by side under the weights and logits, the
    # probabilities right under the logits (layout: the group as wide as the frame), and a pan without
    # numbers to end on ends holding whole what its beat shows lighting (shots.shot_boxes), not the block
    # nearest its corner: softmax.probs' title legible (16:9), self-attention.mix's end window keeps 'Heads
    # joined' and the scores' titles (1:1, both stories: 5 -> 3, 3 -> 1); a trade in 16:9: the logits close-up
    # holds the logits as they light, with the weights' left end (its two axis tags) out of frame (1 -> 2). 27 -> 23.
    # The layer norm's why (side 0.22 -> 0.12) and attention's softmax (0.16 -> 0.1) seen a little more face
    # on: their groups, framed whole with their titles at 29-30% of a wide frame, fill 31-32% (16:9 fill 3 -> 1,
    # attention_only 2 -> 1). 23 -> 20.
    # The values close-up seen more from its side in a wide frame (Shot.wide_side 0.4: the 6:1 row, shortened,
    # fills 31% of 16:9 with its titles; 0.45 leaves the weights' row tag too oblique to read): fill 1 -> 0
    # in both stories. 20 -> 18.
    # "Blue blocks are weights" declares the weights it shows, not the green blocks the shot holds beside them
    # (the next caption's): 9:16 holds the query and key weights, framed whole in height, where it panned
    # to the query and key across 99 units (caption 2 -> 0 in both stories). 18 -> 14.
    # A cut into a beat whose numbers come later holds the blocks lighting first and cuts in on the numbers
    # as they appear, where it pushed towards their empty place (the queries, 1:1: fill 1 -> 0 in both). 14 -> 12.
    # A key whose frame edge cuts a block of the subject through, its centre inside (seen without its name
    # and axes), moves sideways up to EDGE_SHIFT to leave it under half in view (cuts.clear_edges): the MLP's
    # hidden block beside GELU, 9:16 (essential 4 -> 0; a one-unit move: the picture barely changes). 12 -> 8.
    # A close-up whose far labels perspective shrinks looks more squarely where that keeps the subject larger
    # (shots.FLAT), and clear_edges measures blocks with their labels (a block whole whose name or axis tag
    # the edge cuts), moves as often as each move clears one more block, and never moves a number out: the
    # logits close-up's '48 numbers', the position table's row tag and the position columns' title (1:1), the
    # addition's output as the keep beat pans to it (1:1). 8 -> 4.
    # In a wide frame the output weights' 48 columns stand one unit apart, their 3 rows two (level with the
    # logits' rows; layout.py): the row of weights and logits 142 units wide is 94, and the logits close-up
    # reads it whole with its axis tags (16:9 essential 1 -> 0). 3 -> 2.
    (None, "16:9"): {"essential": 0, "fill": 0, "caption": 0},
    (None, "9:16"): {"essential": 0, "fill": 0, "caption": 0},
    # A square or tall frame's caption wraps out to the title-safe margins (hud.caption_wrap: 90% of the
    # width, not 80%), one line fewer where it ran to four: the layer norm's column in view as it lights
    # (1:1 caption 1 -> 0). 4 -> 3.
    (None, "1:1"): {"essential": 1, "fill": 0, "caption": 0},
    ("attention_only", "16:9"): {"essential": 0, "fill": 0, "caption": 0},
    ("attention_only", "9:16"): {"essential": 0, "fill": 0, "caption": 0},
    ("attention_only", "1:1"): {"essential": 1, "fill": 0, "caption": 0},
}

_SPECS: dict = {}


def spec_for(story, aspect):
    if (story, aspect) not in _SPECS:
        s = plan_scene(story, aspect=aspect)
        _SPECS[(story, aspect)] = (s, check_frames(s))
    return _SPECS[(story, aspect)]


@pytest.mark.parametrize("story", STORIES)
@pytest.mark.parametrize("aspect", ASPECTS)
def test_texts_obey_every_text_rule_in_every_frame(story, aspect):
    """Labels (by level of detail) and the focus moments' numbers (by framing) are large enough, inside
    the title-safe area, clear of the caption band, title cards, cells and each other."""
    spec, faults = spec_for(story, aspect)
    bad = [f for f in faults if f.rule in TEXT_RULES]
    assert not bad, "\n".join(map(str, bad[:20]))
    # and level of detail still shows labels: not everything was hidden
    mids = [(b.first_frame + b.last_frame) // 2 for b in spec.beats]
    drawn = [sum(any(a <= f <= z for a, z in l.visible) for l in spec.labels) for f in mids]
    assert np.mean(np.array(drawn) >= 1) >= 0.4, drawn


@pytest.mark.parametrize("story", STORIES)
@pytest.mark.parametrize("aspect", ASPECTS)
def test_what_is_not_yet_right_never_grows(story, aspect):
    _, faults = spec_for(story, aspect)
    have, ceiling = summary(faults), CEILING[(story, aspect)]
    grown = {r: (n, ceiling.get(r, 0)) for r, n in have.items() if n > ceiling.get(r, 0)}
    assert not grown, grown


@pytest.mark.parametrize("aspect", ASPECTS)
def test_scale_story_keeps_every_rule(aspect):
    """The scale story (four models to scale, the camera pulling back a thousandfold): no fault of any
    rule, measured over its solids (fill, essentials: each model's name legible in its own beat; captions:
    the model named in view), and each beat's model is named on screen at its midpoint."""
    spec, faults = spec_for("scale", aspect)
    assert not faults, "\n".join(map(str, faults[:20]))
    for b in spec.beats:
        mid = (b.first_frame + b.last_frame) // 2
        title = next(l for l in spec.labels if l.block == b.focus[0] and l.kind == "title")
        assert any(a <= mid <= z for a, z in title.visible), (b.id, title.visible)


def test_every_beat_declares_its_shot_and_caption_blocks():
    spec, _ = spec_for(None, "16:9")
    kinds = {b.shot for b in spec.beats}
    assert kinds <= {"establishing", "medium", "close-up", "insert"} and {"establishing", "close-up"} <= kinds
    ids = {b.id for b in spec.blocks}
    for b in spec.beats:
        assert set(b.shows) <= ids, b.id
    weights = next(b for b in spec.beats if b.id == "introduction.weights")
    roles = {spec.block(i).role for i in weights.shows}
    assert roles == {"weight"}                          # "Blue blocks are weights" (the green: the next caption)


def test_check_finds_planted_faults():
    """A good spec, then one fault of each kind planted: the check names each."""
    spec, faults = spec_for("attention_only", "16:9")
    before = summary(faults)
    bad = copy.deepcopy(spec)
    def shown(b):                                              # a title on screen at the beat's midpoint
        mid = (b.first_frame + b.last_frame) // 2
        return next((l for l in bad.labels if l.kind == "title" and any(a <= mid <= z for a, z in l.visible)), None)
    beat = next(b for b in bad.beats[len(bad.beats) // 2:] if shown(b))         # a beat from the middle on
    mid, title = (beat.first_frame + beat.last_frame) // 2, shown(beat)
    tiny = copy.deepcopy(title)
    tiny.id, tiny.size, tiny.visible = "planted:tiny", title.size * 0.05, [(float(mid), float(mid + 8))]
    bad.labels.append(tiny)
    twin = copy.deepcopy(title)                                # on top of the title itself
    twin.id, twin.visible = "planted:overlap", [(float(mid), float(mid + 8))]
    title.visible = [(float(mid), float(mid + 8))]
    bad.labels.append(twin)
    found = summary(check_frames(bad))
    assert found.get("small", 0) > before.get("small", 0)
    assert found.get("overlap", 0) > before.get("overlap", 0)
    # the subject far from the camera's frame: fill fails; a caption about an unlit block: caption fails
    filled = {f.beat for f in faults if f.rule == "fill"}
    other = next(b for b in bad.beats if b.id not in filled and b.shot != "establishing")
    key = next(k for k in bad.camera if k.frame >= other.first_frame)
    far = max(bad.blocks, key=lambda b: np.linalg.norm(np.subtract(b.origin, key.target)))
    other.focus = [far.id]
    unlit = next(b for b in bad.blocks if np.min(b.t_on) > beat.last_frame         # not lit, nor previewed then
                 and not any(a <= beat.last_frame and z >= beat.first_frame for a, z in b.preview))
    beat.shows = [unlit.id]
    found = check_frames(bad)
    assert any(f.rule == "fill" and f.beat == other.id for f in found)
    assert any(f.rule == "caption" and f.what == unlit.id for f in found)


def test_numbers_alone_do_not_fill_a_frame():
    """A beat whose numbers are in view but none of its blocks (they were framed, then moved far off) fails
    the fill rule, however much of the frame the numbers cover."""
    from llmreel.scenes.frame_check import settled, subject_fill
    spec, _ = spec_for(None, "16:9")
    beat = next(b for b in spec.beats if b.id == "projection.residual")
    frames = settled(spec, beat)
    assert subject_fill(spec, beat, spec.meta.aspect, frames).min(0)[1] > 0      # as planned: blocks in view
    moved = copy.deepcopy(spec)
    for b in moved.blocks:
        if b.id in beat.focus:
            b.origin = (b.origin[0] + 1e4, b.origin[1], b.origin[2])
    fill = subject_fill(moved, next(b for b in moved.beats if b.id == beat.id), moved.meta.aspect, frames)
    assert np.all(fill == 0)


@pytest.mark.parametrize("story", STORIES)
@pytest.mark.parametrize("aspect", ASPECTS)
def test_no_frame_shows_only_the_empty_wall(story, aspect):
    """Every frame shows some block: a move between two distant shots is a cut, never a slide over black."""
    from llmreel.scenes.legibility import block_screen
    from llmreel.scenes.screen import Cameras, overlaps
    spec, _ = spec_for(story, aspect)
    frames = np.arange(spec.meta.frame_start, spec.meta.frame_end + 1, 2, dtype=np.float64)
    xy, on = block_screen(spec.blocks, Cameras(spec.camera, frames), spec.meta.aspect, frames)
    seen = on & (xy[..., 4] > 0) & overlaps(xy, np.array([[0.0, 1.0, 0.0, 1.0]]))[..., 0]
    assert seen.any(1).all(), frames[~seen.any(1)][:10]


@pytest.mark.parametrize("story", STORIES)
@pytest.mark.parametrize("aspect", ASPECTS)
def test_numbers_are_not_written_across_the_residual_stream(story, aspect):
    """The focus moments' numbers keep clear of the residual stream's tube (on the wall, where both lie)."""
    from llmreel.scenes.geometry import value_text_bounds
    from llmreel.scenes.paths import tube_boxes
    spec, _ = spec_for(story, aspect)
    tubes = tube_boxes([p for p in spec.paths if p.role == "residual"])
    assert tubes
    for v in spec.value_texts:
        lo, hi = value_text_bounds(v)
        crossed = [t for t in tubes if lo[0] < t[1][0] and t[0][0] < hi[0] and lo[2] < t[1][2] and t[0][2] < hi[2]]
        assert not crossed, (v.id, v.text)


@pytest.mark.parametrize("aspect", ASPECTS)
def test_a_fill_fault_is_any_settled_frame_that_falls_short(aspect):
    """Fill is a fault when any settled frame of a beat falls short of either share, not only the frame
    where the two shares sum lowest (a frame at 29.6% area with a wide span once passed unseen)."""
    from llmreel.scenes.frame_check import FILL_AREA, FILL_SPAN, settled, subject_fill

    spec, faults = spec_for(None, aspect)
    a = tuple(int(x) for x in aspect.split(":"))
    short = set()
    for b in spec.beats:
        frames = settled(spec, b)
        fill = subject_fill(spec, b, a, frames) if len(frames) else np.ones((0, 2))
        if ((fill[:, 0] < FILL_AREA) | (fill[:, 1] < FILL_SPAN)).any():
            short.add(b.id)
    assert short == {f.beat for f in faults if f.rule == "fill"}


def test_union_share_counts_each_covered_cell_once():
    """What blocks cover (frame_check.union_share): on random boxes the difference-array raster agrees with
    testing every cell centre against every box, overlaps counted once; a box over a quarter of the rect
    covers a quarter; boxes outside it cover nothing."""
    from llmreel.scenes.frame_check import union_share

    rng = np.random.default_rng(3)
    rect, grid = (0.1, 0.9, 0.2, 0.95), 40
    cx = rect[0] + (np.arange(grid) + 0.5) / grid * (rect[1] - rect[0])
    cy = rect[2] + (np.arange(grid) + 0.5) / grid * (rect[3] - rect[2])
    for n in (1, 2, 7, 30):
        a, b = rng.uniform(-0.2, 1.2, (n, 2)), rng.uniform(-0.2, 1.2, (n, 2))
        boxes = np.stack([np.minimum(a[:, 0], b[:, 0]), np.maximum(a[:, 0], b[:, 0]),
                          np.minimum(a[:, 1], b[:, 1]), np.maximum(a[:, 1], b[:, 1])], 1)
        inx = (cx[None, :] >= boxes[:, :1]) & (cx[None, :] <= boxes[:, 1:2])
        iny = (cy[None, :] >= boxes[:, 2:3]) & (cy[None, :] <= boxes[:, 3:4])
        brute = (inx[:, None, :] & iny[:, :, None]).any(0).mean()
        assert union_share(boxes, rect, grid) == pytest.approx(brute), n
    quarter = np.array([[0.1, 0.5, 0.2, 0.575]])
    assert union_share(np.concatenate([quarter, quarter]), rect, grid) == pytest.approx(0.25)
    assert union_share(np.array([[0.92, 1.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.19]]), rect, grid) == 0.0


def test_cover_measures_what_the_picture_holds():
    """frame_check.cover per beat of the default film: a share of the safe area for every beat, and the
    close-ups of projection and MLP (blocks of weights filling the frame) hold more than a whole-model shot
    of the sparse wall."""
    from llmreel.scenes.frame_check import cover

    spec, _ = spec_for(None, "16:9")
    shares = cover(spec)
    assert set(shares) == {b.id for b in spec.beats} and all(0 <= v <= 1 for v in shares.values())
    assert shares["mlp.project"] > 2 * shares["introduction.roadmap"] > 0


def test_a_long_block_is_seen_by_its_pieces_in_front_of_the_camera():
    """frame_check.seen_boxes: a vocabulary-long column (5,000 rows) running from behind the camera to far
    in front of it is seen by the union of its pieces in front (a box over the frame), where its whole box,
    projected through the camera plane, read as behind the camera (unseen: the fill and caption rules
    missed such blocks); a short block's box is its own; a block wholly behind is unseen."""
    from llmreel.scenes.camera import box_corners
    from llmreel.scenes.cull import LONG
    from llmreel.scenes.frame_check import seen_boxes
    from llmreel.scenes.screen import Cameras, box_screen
    from llmreel.scenes.spec import Block, CameraKey

    def block(bid, rows, origin):
        return Block(id=bid, tensor=bid, index_prefix=(), transpose=False, role="activation",
                     title={"en": bid, "ko": bid}, formal=bid, row_axis="C", col_axis="T", origin=origin,
                     pitch=1.0, cell=0.84, depth=0.3, scale=1.0, values=np.zeros((rows, 4), np.float32),
                     t_on=np.zeros((rows, 4), np.float32))

    # close to the wall, two thousand rows down the column, looking further down along it
    cam = CameraKey(0.0, (1.5, -8.0, -2000.0), (1.5, 0.0, -2040.0), 35.0)
    blocks = [block("logits", 5000, (0.0, 0.0, 0.0)), block("probs", 3, (1.0, 0.0, -2030.0)),
              block("wpe", 3, (0.0, -80.0, 60.0))]
    assert 5000 / 4 > LONG
    cams = Cameras([cam], [0.0])
    xy, on = seen_boxes(blocks, cams, (16, 9), np.array([0.0]))
    whole = box_screen(np.array([box_corners(*b.bounds()) for b in blocks]), cams, (16, 9))[0]
    assert on.all()
    long_, short, behind = xy[0]
    assert long_[4] > 0 and long_[0] < 0.5 < long_[1] and long_[2] < 0.5 < long_[3], long_   # over the frame
    assert whole[0, 4] <= 0                                             # its whole box: "behind the camera"
    assert np.allclose(short, whole[1])                                 # a short block: its own box
    assert behind[4] <= 0                                               # wholly behind: unseen

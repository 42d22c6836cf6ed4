"""A pan's extra keys: the camera waits or hurries so that each block a caption shows is in the window
when it starts lighting (shots.beat_keys), and how far down a pan along tall blocks ends."""
from __future__ import annotations

import numpy as np

TALL_SHOWN = 0.8      # a block taller than the window ends its pan this share of the window under its top
                      # (labels included: under them the block itself must fill over half the window)
FOLLOW_MARGIN = 0.2    # a followed block's centre stays this share of the window inside its edges


def follow(w0, w1, lit: dict, boxes: dict, start: float, end: float, fps: int) -> list[tuple[int, float]]:
    """Extra keys (frame, u) for a pan from window w0 (u = 0, at `start`) to w1 (u = 1, at `end`) so that
    each block of `lit` (id -> its cells' reveal frames) is in the window when it starts lighting: the
    camera waits or hurries, never turns back (the data flows one way). Moments closer than half a second
    share one key."""
    (a0, b0), (a1, b1) = (np.asarray(w0[0]), np.asarray(w0[1])), (np.asarray(w1[0]), np.asarray(w1[1]))
    size = b0 - a0
    events = []
    for bid, t_on in lit.items():
        t = t_on[(t_on > start) & (t_on < end)]
        if not t.size or bid not in boxes:
            continue
        c = (np.asarray(boxes[bid][0]) + np.asarray(boxes[bid][1])) / 2
        for share in (FOLLOW_MARGIN, 0.0):          # its centre inside by the margin, else at least inside (a
            lo_u, hi_u = 0.0, 1.0                   # block at the end window's edge: the pan's last stop)
            for ax in (0, 2):                       # a0 + u (a1 - a0) + m <= c <= b0 + u (b1 - b0) - m
                m, d = share * size[ax], a1[ax] - a0[ax]
                if abs(d) < 1e-9:                   # the pan does not move this way: nothing to choose
                    continue
                for bound, sign in ((c[ax] - m - a0[ax], 1), (c[ax] + m - b0[ax], -1)):
                    if (d > 0) == (sign > 0):
                        hi_u = min(hi_u, bound / d)
                    else:
                        lo_u = max(lo_u, bound / d)
            if lo_u <= hi_u:
                events.append((float(t.min()), lo_u, hi_u))
                break
    stops, u, gap = [], 0.0, 0.5 * fps              # [frame, u, lowest u, highest u] per key
    for f, lo_u, hi_u in sorted(events):
        if f - start < gap or end - f < gap or u > hi_u:  # at either end, or passed already
            continue
        last = stops[-1] if stops else None
        if last and f - last[0] < gap and max(last[2], lo_u) <= min(last[3], hi_u):
            last[2], last[3] = max(last[2], lo_u), min(last[3], hi_u)     # one key for moments close
            last[1] = u = max(last[1], last[2])                            # together that it can show
            continue
        if last and f - last[0] < 0.1 * fps:
            continue
        u = max(u, lo_u)
        stops.append([f, u, lo_u, hi_u])
    return [(int(f), u) for f, u, _, _ in stops]

"""What this model learned, measured from its own trace: where each head's attention goes, and which heads matter.

Over all 729 inputs the model sorts greedily; at output step s (1..6) the predicting column is the last one,
position 5 + s - 1 (the last input letter for s = 1, then each newly written letter). For every head
(layer, head), step and hypothesis (a class of visible positions, below) we read the head's attention row of
the predicting column from the traced forward pass (gpt.generate) and measure, per input:

    share = the head's attention on the class's positions        even = |class| / visible positions
    holds = share >= 1/2   (the head puts at least half of its attention on the class)

rate = the fraction of inputs where it holds; chance = the fraction where evenly spread attention (share =
even) would already hold. A measurement passes when rate >= 95%, rate >= 2 x chance (both compared as exact
counts over the inputs) and the mean share is at least twice the mean even share (so a class that covers
nearly half the positions, such as the 5 written letters of 11 visible at letter 6, cannot pass by getting
a little more than its even part). The passing steps of one head and hypothesis make one Finding. Each
head is also removed (its output zeroed before the projection: gpt.forward's `ablate`) and all inputs
re-sorted greedily (batched: train.greedy_sort_batch); the finding is *causal* when that costs at least
5 points of whole-answer accuracy. The sentences (templates in
findings_text.py) follow what passed; nothing here names a head or a number in advance.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from llmreel.core.errors import InputError
from llmreel.model.config import GPTConfig
from llmreel.model.gpt import SORT_LENGTH, generate
from llmreel.model.tokenizer import decode, encode
from llmreel.model.train import all_inputs, greedy_sort_batch
from llmreel.model.weights import resolve_weights

HOLD_SHARE = 0.5          # a head "looks at" a class when at least this share of its attention goes there
MIN_PERCENT = 95          # ... in at least this percentage of the inputs
CHANCE_FACTOR = 2         # ... at least this many times as often as evenly spread attention would, and with
                          #     at least this many times its mean share
CAUSAL_POINTS = 5         # removing the head costs at least this many points of accuracy


def _answer(seq, s, col):   # input letters equal to the letter the model writes at this step
    return (col < SORT_LENGTH) & (seq[:, :col.size] == seq[:, SORT_LENGTH + s][:, None])


def _written(seq, s, col):  # the letters already written (output columns, the predicting one included)
    return np.broadcast_to(col >= SORT_LENGTH, (len(seq), col.size))


def _same(seq, s, col):     # input letters equal to the letter in the predicting column
    return (col < SORT_LENGTH) & (seq[:, :col.size] == seq[:, col[-1]][:, None])


def _later(seq, s, col):    # input letters after the predicting column's letter in the alphabet
    return (col < SORT_LENGTH) & (seq[:, :col.size] > seq[:, col[-1]][:, None])


# key -> the class rule: (sequences [N, 12] input + output, step index 0..5, visible columns) -> mask [N, cols]
HYPOTHESES = {"answer": _answer, "written": _written, "same": _same, "later": _later}


@dataclass(frozen=True)
class Measure:
    """One head, one output step, one hypothesis, over all inputs."""
    layer: int
    head: int
    step: int                 # 1..6: which output letter
    hypothesis: str           # a key of HYPOTHESES
    n_inputs: int
    n_hold: int               # inputs where the head gives the class >= HOLD_SHARE of its attention
    n_chance: int             # inputs where evenly spread attention would
    share: float              # mean share of the head's attention on the class
    even: float               # mean share evenly spread attention would give it

    @property
    def rate(self) -> float:
        return self.n_hold / self.n_inputs

    @property
    def chance(self) -> float:
        return self.n_chance / self.n_inputs

    @property
    def passes(self) -> bool:
        return (self.n_hold * 100 >= MIN_PERCENT * self.n_inputs and self.n_hold >= CHANCE_FACTOR * self.n_chance
                and self.share >= CHANCE_FACTOR * self.even)


@dataclass(frozen=True)
class Ablation:
    """Sorting all inputs with one head's output zeroed."""
    layer: int
    head: int
    n_inputs: int
    n_sorted: int                              # inputs whose whole answer is still right
    letters: tuple[float, ...]                 # per output letter: fraction of inputs with that letter right
    base_sorted: int                           # the intact model's count

    @property
    def accuracy(self) -> float:
        return self.n_sorted / self.n_inputs

    @property
    def base_accuracy(self) -> float:
        return self.base_sorted / self.n_inputs

    @property
    def drop(self) -> float:
        """Points of accuracy lost (100 * fraction)."""
        return 100.0 * (self.base_sorted - self.n_sorted) / self.n_inputs

    @property
    def causal(self) -> bool:
        return (self.base_sorted - self.n_sorted) * 100 >= CAUSAL_POINTS * self.n_inputs


@dataclass(frozen=True)
class Finding:
    """A head that puts most of its attention on one class of letters at one or more output steps."""
    layer: int
    head: int
    hypothesis: str
    steps: tuple[int, ...]                     # output letters (1..6) where it passes
    rate: float                                # the lowest rate over those steps
    chance: float                              # the highest chance over those steps
    share: float                               # the lowest mean share over those steps
    even: float                                # the highest mean even share over those steps
    ablation: Ablation

    @property
    def causal(self) -> bool:
        return self.ablation.causal


@dataclass
class Findings:
    """Everything measured for one set of weights."""
    config: GPTConfig
    n_inputs: int
    base_sorted: int
    measures: list[Measure]
    ablations: list[Ablation]
    findings: list[Finding]
    params: dict[str, np.ndarray] = field(repr=False, compare=False, default_factory=dict)   # the weights measured

    @property
    def spread_steps(self) -> tuple[int, ...]:
        """Output letters no finding covers: there the work is spread over several heads."""
        covered = {s for f in self.findings for s in f.steps}
        return tuple(s for s in range(1, SORT_LENGTH + 1) if s not in covered)

    def ablation(self, layer: int, head: int) -> Ablation:
        return next(a for a in self.ablations if (a.layer, a.head) == (layer, head))


def _check_sorter(config: GPTConfig) -> None:
    if config.vocab_size != 3 or config.block_size < 2 * SORT_LENGTH - 1:
        raise InputError(f"findings need the sort model: vocab 3 and block size >= {2 * SORT_LENGTH - 1}; "
                         f"these weights have vocab {config.vocab_size}, block {config.block_size}")


def attention_rows(params, config: GPTConfig, inputs: np.ndarray) -> tuple[list[list[np.ndarray]], np.ndarray]:
    """(rows, outputs): rows[s][l] [N, H, 5 + s + 1] is the attention of every head of layer l from step s's
    predicting column, read from each input's traced greedy run (gpt.generate); outputs [N, 6] are the
    letters that run wrote. The batched greedy answers serve only as drafts: one traced pass per input."""
    N, L = inputs.shape
    drafts = greedy_sort_batch(params, config, inputs)
    rows = [[np.empty((N, config.n_head, L + s), np.float32) for _ in range(config.n_layer)] for s in range(L)]
    outputs = np.empty_like(inputs)
    for i in range(N):
        seq, traces = generate(params, config, inputs[i].tolist(), L, draft=drafts[i].tolist())
        outputs[i] = seq[L:]
        for s, tr in enumerate(traces):
            for layer in range(config.n_layer):
                rows[s][layer][i] = tr[f"h{layer}.attn.probs"][:, -1, :]
    return rows, outputs


def measure(rows, seq: np.ndarray, config: GPTConfig) -> list[Measure]:
    """Every (layer, head, step, hypothesis) measurement; classes empty for every input are skipped."""
    N = len(seq)
    out = []
    for s in range(SORT_LENGTH):
        col = np.arange(SORT_LENGTH + s)                                      # visible columns
        for key, rule in HYPOTHESES.items():
            mask = rule(seq, s, col)                                          # [N, cols]
            if not mask.any():
                continue
            even = mask.sum(1) / col.size                                     # [N]
            n_chance = int((even >= HOLD_SHARE).sum())
            for layer in range(config.n_layer):
                share = (rows[s][layer] * mask[:, None, :]).sum(-1)           # [N, H]
                for head in range(config.n_head):
                    out.append(Measure(layer, head, s + 1, key, N, int((share[:, head] >= HOLD_SHARE).sum()),
                                       n_chance, float(share[:, head].mean()), float(even.mean())))
    return out


def ablations(params, config: GPTConfig, inputs: np.ndarray) -> list[Ablation]:
    """Greedy sorting of all inputs with each head removed in turn."""
    want = np.sort(inputs, axis=1)
    base = int((greedy_sort_batch(params, config, inputs) == want).all(1).sum())
    out = []
    for layer in range(config.n_layer):
        for head in range(config.n_head):
            right = greedy_sort_batch(params, config, inputs, ablate=[(layer, head)]) == want     # [N, 6]
            out.append(Ablation(layer, head, len(inputs), int(right.all(1).sum()),
                                tuple(float(v) for v in right.mean(0)), base))
    return out


def group(measures: list[Measure], abl: list[Ablation]) -> list[Finding]:
    """One Finding per (head, hypothesis) with at least one passing step, in head order."""
    out = []
    by_head = {(a.layer, a.head): a for a in abl}
    keys = sorted({(m.layer, m.head, list(HYPOTHESES).index(m.hypothesis)) for m in measures if m.passes})
    for layer, head, k in keys:
        hyp = list(HYPOTHESES)[k]
        ok = [m for m in measures if (m.layer, m.head, m.hypothesis) == (layer, head, hyp) and m.passes]
        out.append(Finding(layer, head, hyp, tuple(m.step for m in ok), min(m.rate for m in ok),
                           max(m.chance for m in ok), min(m.share for m in ok), max(m.even for m in ok),
                           by_head[(layer, head)]))
    return out


def find(weights=None) -> Findings:
    """Measure everything over all 729 inputs. `weights`: None (shipped), a path, or (config, params)."""
    config, params = resolve_weights(weights)
    _check_sorter(config)
    inputs = all_inputs()
    rows, outputs = attention_rows(params, config, inputs)                    # outputs [N, 6]: the model's answers
    meas = measure(rows, np.concatenate([inputs, outputs], 1), config)        # sequences [N, 12]
    abl = ablations(params, config, inputs)
    base = int((outputs == np.sort(inputs, axis=1)).all(1).sum())
    return Findings(config, len(inputs), base, meas, abl, group(meas, abl), params)


@dataclass(frozen=True)
class Evidence:
    """One head's attention from the predicting column on one input at one step, from its traced pass."""
    text: str                                  # the input, e.g. "CBABBC"
    output: str                                # the model's answer
    step: int                                  # 1..6
    layer: int
    head: int
    hypothesis: str
    column: int                                # the predicting column (its position)
    letters: str                               # the visible letters, positions 0..column
    shares: tuple[float, ...]                  # attention from the predicting column to each visible position
    marked: tuple[int, ...]                    # positions of the hypothesis's class

    @property
    def share(self) -> float:
        return float(sum(self.shares[p] for p in self.marked))

    @property
    def holds(self) -> bool:
        return self.share >= HOLD_SHARE


def evidence_at(trace, seq, finding: Finding, step: int) -> Evidence:
    """The finding on one traced run at output letter `step`: `trace` holds that step's predicting column (its
    pass's trace, or any later pass's: causality keeps earlier columns), `seq` the input and the 6 letters written."""
    col = SORT_LENGTH + step - 2                                              # the predicting column
    arr = np.asarray(seq)[None, :]                                            # [1, 12]
    row = trace[f"h{finding.layer}.attn.probs"][finding.head, col, :col + 1]
    marked = np.flatnonzero(HYPOTHESES[finding.hypothesis](arr, step - 1, np.arange(col + 1))[0])
    return Evidence(decode(seq[:SORT_LENGTH]), decode(seq[SORT_LENGTH:]), step, finding.layer, finding.head,
                    finding.hypothesis, col, decode(seq[:col + 1]), tuple(float(v) for v in row),
                    tuple(int(p) for p in marked))


def evidence(r: Findings, finding: Finding, text: str) -> list[Evidence]:
    """The finding shown on one input (its traced greedy run with r's weights): per step of the finding, where
    its head's attention goes from the predicting column."""
    idx = encode(text, length=SORT_LENGTH)
    seq, traces = generate(r.params, r.config, idx, SORT_LENGTH, draft=sorted(idx))
    return [evidence_at(traces[s - 1], seq, finding, s) for s in finding.steps]

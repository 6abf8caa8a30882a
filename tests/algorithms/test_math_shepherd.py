"""Math-Shepherd labels (eq 67) on a scripted completer: hard and soft estimates, the last step's label,
batching and resume."""

import json
from types import SimpleNamespace

import pytest

from lit_reason.algorithms.math_shepherd import ShepherdSettings, label_steps

# completions the scripted sampler returns after each (prompt + step prefix), k = 2 of them
SCRIPT = {"Q:a\n": ["b\n=1", "b\n=9"], "Q:a\nb\n": ["=9", "=9"], "R:a\n": ["=5", "=5"]}


class Scripted:
    def __init__(self):
        self.policy = SimpleNamespace(format_prompt=lambda p: p)
        self.calls = 0

    def generate(self, prompts, params, *, columns=None, generator=None):
        self.calls += 1
        return SimpleNamespace(completions=[c for p in prompts for c in SCRIPT[p][: params.n]])


def ends_with_answer(prompts, completions, answer):
    return [None if c.endswith("?") else float(c.endswith("=" + a)) for c, a in zip(completions, answer)]


ROWS = [{"prompt": "Q:", "completion": "a\nb\n=1", "answer": "1"}, {"prompt": "R:", "completion": "a\n=?", "answer": "5"}]


@pytest.mark.parametrize(("soft", "expected"), [(False, [1.0, 0.0, 1.0]), (True, [0.5, 0.0, 1.0])])
def test_labels_eq67_hard_and_soft(soft, expected):
    rows, stats = label_steps(Scripted(), ROWS, ends_with_answer, ShepherdSettings(k=2, soft=soft), progress_bar=False)
    # "a\n": one of its two completions reaches "=1" (hard 1, soft 1/2); "a\nb\n": none; the whole solution is right
    assert rows[0] == {"index": 0, "prompt": "Q:", "steps": ["a\n", "b\n", "=1"], "labels": expected,
                       "correct": True, "answer": "1"}
    # the second solution's own answer cannot be scored (None): it counts as not correct, and is counted
    assert rows[1]["labels"] == [1.0, 0.0] and rows[1]["correct"] is False
    assert (stats.labelled, stats.completions, stats.none) == (2, 6, 1)


def test_batches_and_resumes_from_the_output_file(tmp_path):
    out = tmp_path / "labels.jsonl"
    sampler = Scripted()
    label_steps(sampler, ROWS[:1], ends_with_answer, ShepherdSettings(k=2, batch_size=1), out_path=str(out),
                progress_bar=False)
    assert sampler.calls == 1
    # a rerun over both rows labels only the one not in the file, in one more generation call
    rows, stats = label_steps(sampler, ROWS, ends_with_answer, ShepherdSettings(k=2, batch_size=1),
                              out_path=str(out), progress_bar=False)
    assert [r["index"] for r in rows] == [1] and (stats.resumed, stats.labelled) == (1, 1) and sampler.calls == 2
    assert [json.loads(line)["index"] for line in out.read_text().splitlines()] == [0, 1]


def test_settings_are_checked():
    with pytest.raises(ValueError, match="k, max_new_tokens and batch_size must be >= 1"):
        ShepherdSettings(k=0)
    with pytest.raises(ValueError, match="unknown step split"):
        ShepherdSettings(split="words")

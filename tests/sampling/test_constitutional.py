"""Constitutional AI data generation (sec 6.1): critique -> revision with a scripted generator, and the JSONL
rows it writes for SFT and preference training."""

import json

import pytest

from lit_reason.sampling import SamplingParams
from lit_reason.sampling.constitutional import (
    CONSTITUTION,
    critique_and_revise,
    write_constitutional_jsonl,
)


class Scripted:
    """Answers by stage: the initial answer, then 'critique k' and 'revision k' for round k."""

    def __init__(self):
        self.calls = []

    def __call__(self, prompts, params):
        self.calls.append(list(prompts))
        stage = len(self.calls)
        if stage == 1:
            return [f"initial {i}" for i in range(len(prompts))]
        kind = "critique" if stage % 2 == 0 else "revision"
        return [f" {kind} {stage // 2} of {i} " for i in range(len(prompts))]


def test_critique_then_revision_rounds():
    gen = Scripted()
    prompts = ["What is 2+2?", [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]]
    rows = critique_and_revise(gen, prompts, principles=["Be correct."], rounds=2)
    assert len(gen.calls) == 5  # initial, then (critique, revision) x 2
    assert gen.calls[0] == prompts  # the initial answer sees the prompt as it is (chat messages included)
    crit1, rev1, crit2 = gen.calls[1][0], gen.calls[2][0], gen.calls[3][1]
    assert "Question: What is 2+2?" in crit1 and "Response: initial 0" in crit1 and "Be correct." in crit1
    assert crit1.endswith("Critique:")
    assert "Critique:  critique 1 of 0 " in rev1 and rev1.endswith("Revision:")
    assert "Question: Hi?" in crit2 and "Response:  revision 1 of 1 " in crit2  # round 2 critiques revision 1
    assert rows[0] == {"prompt": "What is 2+2?", "initial": "initial 0", "critique": "critique 2 of 0",
                       "revision": "revision 2 of 0", "principle": "Be correct."}
    assert rows[1]["prompt"] == prompts[1] and rows[1]["revision"] == "revision 2 of 1"


def test_principles_are_drawn_from_the_constitution_reproducibly():
    rows = critique_and_revise(Scripted(), ["q"] * 12, seed=3)
    again = critique_and_revise(Scripted(), ["q"] * 12, seed=3)
    assert [r["principle"] for r in rows] == [r["principle"] for r in again]
    assert {r["principle"] for r in rows} <= set(CONSTITUTION) and len({r["principle"] for r in rows}) > 1


def test_writer_gives_sft_and_preference_rows(tmp_path):
    rows = [
        {"prompt": "a", "initial": "bad", "critique": "c", "revision": "good"},
        {"prompt": "b", "initial": "same", "critique": "c", "revision": "same"},  # no preference
        {"prompt": "c", "initial": "x", "critique": "c", "revision": "  "},  # empty revision: dropped
    ]
    counts = write_constitutional_jsonl(rows, tmp_path / "sft.jsonl", tmp_path / "pref.jsonl")
    assert counts == {"sft": 2, "preference": 1, "empty_revision": 1}
    sft = [json.loads(line) for line in open(tmp_path / "sft.jsonl")]
    pref = [json.loads(line) for line in open(tmp_path / "pref.jsonl")]
    assert sft == [{"prompt": "a", "completion": "good"}, {"prompt": "b", "completion": "same"}]
    assert pref == [{"prompt": "a", "chosen": "good", "rejected": "bad"}]


def test_bad_input_is_named(tmp_path):
    with pytest.raises(ValueError, match="rounds must be >= 1"):
        critique_and_revise(Scripted(), ["q"], rounds=0)
    with pytest.raises(ValueError, match="principles must be non-empty"):
        critique_and_revise(Scripted(), ["q"], principles=[""])
    with pytest.raises(ValueError, match=r"row 0 lacks \['revision'\]"):
        write_constitutional_jsonl([{"prompt": "a", "initial": "b"}], tmp_path / "x.jsonl")


def test_runs_on_the_tiny_model(tiny_policy):
    rows = critique_and_revise(tiny_policy, ["1+2="], sampling=SamplingParams(temperature=1.0, max_new_tokens=3))
    assert len(rows) == 1 and all(isinstance(rows[0][k], str) for k in ("initial", "critique", "revision"))

"""LLM judges (sec 3.4.2, eq 33, eq 34; sec 6.9.2): robust score and verdict parsing, normalisation, position
swap, ensembles, and the tiny model end to end (generated and probability-weighted scores)."""

import copy

import pytest
import torch

from lit_reason.rewards.combine import WeightedSum
from lit_reason.rewards.judge import JudgeEnsemble, LLMJudge, PairwiseJudge
from lit_reason.rewards.judge.parse import parse_score, parse_verdict


@pytest.mark.parametrize("reply, expected", [
    ("Score: 4", 4.0),
    ("score:4", 4.0),
    ("**Score:** 4\nThe answer is correct.", 4.0),
    ("Final score = 3", 3.0),
    ("Rating: four", 4.0),
    ("4/5", 4.0),
    ("4 out of 5", 4.0),
    ("**4**", 4.0),
    ("I'd give it a four.", 4.0),
    ("I would rate it 2", 2.0),
    ("\\boxed{3}", 3.0),
    ("4", 4.0),
    ("  5.  ", 5.0),
    ("Score: 2.5", 2.5),
    ("Add 1 point for relevance. Add 1 point for coverage. Total: 2 points", 2.0),
    ("The response says 12+3=15, which is right. Score: 5", 5.0),  # the keyword score wins over echoed numbers
    ("评分：4", 4.0),
    ("4分", 4.0),
    ("Score: 4/5", 4.0),
    # None: no score, conflicting scores, hedges, off-scale, wrong denominators, garbage
    ("", None),
    ("The response is fine.", None),
    ("Score: 4\nScore: 3", None),
    ("Score: 4-5", None),
    ("4 or 5", None),
    ("Score: 7", None),
    ("Score: -1", None),
    ("8/10", None),
    ("It is a 3, maybe a 4", None),
    ("12+3=15", None),
    ("**4** ... **2**", None),
    ("Score: eleven", None),
    (None, None),
])
def test_parse_score_on_a_0_to_5_scale(reply, expected):
    assert parse_score(reply, 0, 5) == expected


def test_parse_score_ten_point_scale():
    assert parse_score("Score: 10/10", 1, 10) == 10.0
    assert parse_score("Score: 0", 1, 10) is None  # below the scale's 1
    assert parse_score("分数：8\n理由：准确。", 1, 10) == 8.0


@pytest.mark.parametrize("reply, expected", [
    ("A", "A"),
    ("B.", "B"),
    ("I choose B", "B"),
    ("Answer A is better than answer B.", "A"),
    ("Response B is clearly better because it is correct.", "B"),
    ("Winner: **B**", "B"),
    ("(A) because it shows the steps", "A"),
    ("选择A，因为它更准确。", "A"),
    ("回答B更好", "B"),
    ("A is better. On reflection, I choose B.", None),
    ("Both are equally good.", None),
    ("Tie", None),
    ("A better answer would mention units.", None),  # "A" as an article
    ("", None),
])
def test_parse_verdict(reply, expected):
    assert parse_verdict(reply) == expected


def scripted(judge, replies, calls=None):
    def generate(texts, max_new_tokens):
        if calls is not None:
            calls.append(texts)
        return [replies[t] if isinstance(replies, dict) else replies[i] for i, t in enumerate(texts)]
    judge.backend.generate = generate
    return judge


def test_llm_judge_normalises_and_abstains(tiny_policy):
    calls = []
    judge = scripted(LLMJudge(tiny_policy, prompt="additive_5"), [" 5", " 0", " 3 points", " 7", " ?"], calls)
    scores = judge(["q1", "q2", "q3", "q4", "q5"], ["r1", "r2", "r3", "r4", "r5"], answer=["x"] * 5)
    assert scores == [1.0, 0.0, 0.6, None, None]  # (s - 0) / 5; 7 is off the scale; "?" states nothing
    first = calls[0][0]
    assert first.startswith("Review the user's question") and "Question: q1\n\nResponse: r1" in first
    assert first.endswith("\n\nScore:")
    ten = scripted(LLMJudge(tiny_policy), [" 1", " 10", " 8 - clear and correct"])
    assert ten(["q"] * 3, ["r"] * 3) == [0.0, 1.0, pytest.approx(7 / 9)]  # (s - 1) / 9


def test_llm_judge_is_a_reward_like_any_other(tiny_policy):
    judge = scripted(LLMJudge(tiny_policy, prompt="additive_5", name="helpful"), [" 4", " x"])
    total = WeightedSum([lambda p, c, **k: [1.0, 0.0], judge], weights=[1.0, 0.5])
    assert total.score_components(["q", "q"], ["a", "b"])["helpful"] == [0.8, None]
    assert total(["q", "q"], ["a", "b"]) == [1.4, 0.0]  # 1 + 0.5 * 0.8; the judge's None leaves the other


def test_llm_judge_bad_options_and_unbound_judge():
    with pytest.raises(ValueError, match="scoring must be one of"):
        LLMJudge(scoring="logits")
    with pytest.raises(ValueError, match="scale must be"):
        LLMJudge(prompt="Q: {question} A: {response} Score 1-3:")
    with pytest.raises(ValueError, match="must be one of"):
        LLMJudge(prompt="no_such_preset")
    with pytest.raises(RuntimeError, match="no judge model"):
        LLMJudge()(["q"], ["r"])
    custom = LLMJudge(prompt="Q: {question} A: {response} Rate 1-3.", scale=[1, 3])
    assert (custom.prompt.low, custom.prompt.high, custom.prompt.cue) == (1.0, 3.0, "Score:")


def test_pairwise_judge_keeps_only_position_consistent_verdicts(tiny_policy):
    judge = PairwiseJudge(tiny_policy)

    def fair(texts, max_new_tokens):  # prefers the answer "good" wherever it is shown
        return ["A" if "Answer A: good" in t else "B" if "Answer B: good" in t else "tie" for t in texts]

    judge.backend.generate = fair
    assert judge.compare(["q"] * 3, ["good", "bad", "meh"], ["bad", "good", "meh"]) == [0, 1, None]
    judge.backend.generate = lambda texts, max_new_tokens: ["A"] * len(texts)  # always the first position
    assert judge.compare(["q"] * 2, ["good", "bad"], ["bad", "good"]) == [None, None]
    judge.swap = False
    assert judge.compare(["q"] * 2, ["good", "bad"], ["bad", "good"]) == [0, 0]


def test_ensemble_is_the_weighted_mean_of_judges_that_scored():
    a = lambda p, c, **k: [1.0, None, None, 0.2]  # noqa: E731
    b = lambda p, c, **k: [0.0, 0.5, None, 0.8]  # noqa: E731
    scores = JudgeEnsemble([a, b], weights=[3.0, 1.0])(["q"] * 4, ["r"] * 4)
    # row 0: (3*1 + 1*0) / 4 = 0.75; row 1: only b scored -> 0.5; row 2: all abstain; row 3: (0.6 + 0.8) / 4
    assert scores[:3] == [0.75, 0.5, None] and scores[3] == pytest.approx(0.35)
    assert JudgeEnsemble([a, b])(["q"] * 4, ["r"] * 4)[0] == 0.5  # eq 34: the plain mean
    with pytest.raises(ValueError, match="positive"):
        JudgeEnsemble([a, b], weights=[1.0, 0.0])


def test_tiny_judge_from_a_directory_end_to_end(tiny_policy, tmp_path):
    tiny_policy.save_pretrained(str(tmp_path))
    judge = LLMJudge(str(tmp_path), prompt="additive_5", max_new_tokens=4)
    assert not any(p.requires_grad for p in judge.backend.policy.parameters())
    assert copy.deepcopy(judge).backend.policy is judge.backend.policy  # a frozen loaded judge is shared
    bound = LLMJudge(tiny_policy)
    assert copy.deepcopy(bound).backend.policy is not tiny_policy  # a bound policy is copied like any attribute
    scores = judge(["1+2=", "3+4="], ["3", "8"])
    replies = judge.replies(["1+2=", "3+4="], ["3", "8"])
    # each score is its own reply's parsed score on the 0-5 scale, normalised (None where none parses)
    for score, reply in zip(scores, replies, strict=True):
        assert reply.startswith("Score:")
        parsed = parse_score(reply, 0, 5)
        assert score == (None if parsed is None else pytest.approx(parsed / 5))


def test_expected_score_is_eq_33_on_the_tiny_model(tiny_policy):
    judge = LLMJudge(tiny_policy, prompt="additive_5", scoring="expected")
    score = judge(["1+2="], ["3"])[0]
    # by hand: next-token distribution after "...Score: " (digits are single characters, so a space follows
    # the cue), restricted to "0".."5", renormalised, expectation / 5
    tok = tiny_policy.tokenizer
    text = judge.bodies(["1+2="], ["3"])[0] + "Score: "
    ids = tok(text, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        probs = tiny_policy.model(ids).logits[0, -1].softmax(-1)
    digits = probs[[tok.convert_tokens_to_ids(str(s)) for s in range(6)]]
    expected = float((digits * torch.arange(6)).sum() / digits.sum() / 5)
    assert score == pytest.approx(expected, rel=1e-5)
    with pytest.raises(ValueError, match="one token"):
        LLMJudge(tiny_policy, scoring="expected")(["q"], ["r"])  # "10" is two characters

"""Each self-training filter keeps exactly what its rule admits, on scripted samples."""

import pytest

from lit_reason.algorithms.filters import (
    BinaryRewardFilter,
    CorrectDedup,
    Sample,
    SampleFilter,
    STaRFilter,
    ThresholdFilter,
    TopKPerPrompt,
    normalize_whitespace,
)


def s(index, completion, reward, correct=None, prompt=None, **kw):
    prompt = prompt if prompt is not None else f"q{index}="
    correct = (reward is not None and reward >= 1) if correct is None else correct
    return Sample(index, prompt, completion, reward, correct, {"answer": str(index)}, **kw)


def texts(kept):
    return [(k.index, k.completion) for k in kept]


BATCH = [s(0, "a", 1.0), s(0, "b", 0.4), s(0, "c", None), s(1, "d", 0.7), s(1, "e", 0.2), s(2, "f", 0.0)]


def test_base_filter_keeps_everything():
    assert texts(SampleFilter()(BATCH)) == texts(BATCH)
    assert SampleFilter().rationalization_prompts(BATCH) == {}


def test_threshold_keeps_rewards_at_or_above_tau_and_drops_unscored():
    assert texts(ThresholdFilter(tau=0.4)(BATCH)) == [(0, "a"), (0, "b"), (1, "d")]  # 0.4 >= 0.4 admitted


def test_threshold_schedule_rises_per_iteration_and_holds_its_last_value():
    f = ThresholdFilter(tau_schedule=[0.2, 0.5, 1.0])
    assert [f.threshold(i) for i in range(5)] == [0.2, 0.5, 1.0, 1.0, 1.0]
    assert texts(f(BATCH, iteration=0)) == [(0, "a"), (0, "b"), (1, "d"), (1, "e")]
    assert texts(f(BATCH, iteration=1)) == [(0, "a"), (1, "d")]
    assert texts(f(BATCH, iteration=7)) == [(0, "a")]


def test_threshold_schedule_must_not_decrease():
    with pytest.raises(ValueError, match="tau_schedule"):
        ThresholdFilter(tau_schedule=[1.0, 0.5])


def test_binary_reward_filter_keeps_the_verifier_correct():
    batch = [s(0, "a", 0.3, correct=True), s(0, "b", 1.0, correct=False), s(1, "c", None, correct=False)]
    assert texts(BinaryRewardFilter()(batch)) == [(0, "a")]


def test_topk_per_prompt_breaks_ties_by_generation_order():
    batch = [s(0, "a", 0.5), s(0, "b", 0.9), s(0, "c", 0.5), s(0, "d", 0.5), s(1, "e", None), s(1, "f", 0.1)]
    # prompt 0 ranks b (0.9), then a, c, d tied at 0.5 in generation order: top-2 = b, a
    assert texts(TopKPerPrompt(k=2)(batch)) == [(0, "a"), (0, "b"), (1, "f")]
    # top-3 adds c (before d); prompt 1's unscored sample is never kept
    assert texts(TopKPerPrompt(k=3)(batch)) == [(0, "a"), (0, "b"), (0, "c"), (1, "f")]
    assert texts(TopKPerPrompt(k=2, min_reward=0.6)(batch)) == [(0, "b")]
    with pytest.raises(ValueError, match="k must be >= 1"):
        TopKPerPrompt(k=0)


def test_correct_dedup_keeps_first_copy_per_prompt_after_whitespace_normalisation():
    batch = [s(0, "12 + 3", 1.0), s(0, " 12  +\n3 ", 1.0), s(0, "15", 1.0), s(0, "14", 0.0), s(1, "12 + 3", 1.0)]
    # the second is a whitespace variant of the first (same prompt); the same text under prompt 1 stays
    assert texts(CorrectDedup()(batch)) == [(0, "12 + 3"), (0, "15"), (1, "12 + 3")]
    assert normalize_whitespace(" 12  +\n3 ") == "12 + 3"


def test_star_asks_rationalisations_for_unsolved_prompts_only():
    f = STaRFilter(hint_template="{prompt}(hint: {answer}) ")
    batch = [s(0, "x", 1.0), s(0, "y", 0.0), s(1, "z", 0.0), s(1, "w", None)]
    assert f.rationalization_prompts(batch) == {1: "q1=(hint: 1) "}
    chat = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "1+1="}]
    assert f.hint(chat, 2) == [{"role": "system", "content": "be brief"}, {"role": "user", "content": "1+1=(hint: 2) "}]


def test_star_keeps_correct_rationalisations_without_the_hint():
    f = STaRFilter()
    hinted = "q1=(hint: 1) "
    batch = [
        s(0, "x", 1.0),
        s(1, "z", 0.0),
        s(1, "r-good", 1.0, hinted_prompt=hinted),
        s(1, "r-bad", 0.0, hinted_prompt=hinted),
        s(0, "r-solved", 1.0, hinted_prompt="q0=(hint: 0) "),  # prompt 0 was solved unaided: not needed
    ]
    kept = f(batch)
    assert texts(kept) == [(0, "x"), (1, "r-good")]
    assert kept[1].prompt == "q1=" and kept[1].hinted_prompt is None
    assert all("hint" not in k.prompt for k in kept)


def test_star_needs_the_answer_column():
    bad = [Sample(0, "q=", "1", 0.0, False, {})]
    with pytest.raises(ValueError, match="'answer' column"):
        STaRFilter().rationalization_prompts(bad)

"""GRPO variants of sec 3.2.6 inside the module: options select the estimators; eq 30 sizes the groups."""

import pytest
import torch
from torch.testing import assert_close

from lit_reason.advantages.variants import stratified_group_normalized, weighted_group_normalized
from lit_reason.algorithms import GRPO
from lit_reason.policy import Policy
from lit_reason.rollout import Rollout
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig


def grpo(**kw):
    pol = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    return GRPO(pol, sampling=SamplingParams(n=2, max_new_tokens=3), **kw)


def rollout(rewards, group, completions, **columns):
    b = len(rewards)
    ones = torch.ones(b, 2, dtype=torch.long)
    return Rollout(prompt_ids=ones, prompt_mask=ones, completion_ids=ones, completion_mask=ones,
                   sampler_logprobs=torch.zeros(b, 2), group=torch.tensor(group),
                   finished=torch.ones(b, dtype=torch.bool), prompts=[""] * b, completions=completions,
                   columns=columns, rewards=torch.tensor(rewards))


R = rollout([1.0, 0.0, 0.0, 1.0, 1.0, 0.0], [0, 0, 0, 0, 1, 1], ["7", "8", "8 ", "7", "5", "6"],
            weight=[2, 1, 1, 1, 1, 1], difficulty=[0, 0, 0, 0, 1, 1])


def test_weighted_from_a_column():
    expected = weighted_group_normalized(R.rewards, R.group, torch.tensor([2.0, 1, 1, 1, 1, 1]))
    assert_close(grpo(sample_weight="weight").advantages(R).advantages, expected)


def test_novelty_weights_follow_duplicates():
    # group 0: "7" twice, "8" twice (whitespace ignored) -> all weights 1 -> plain weighted = unit weights
    expected = weighted_group_normalized(R.rewards, R.group, torch.ones(6))
    assert_close(grpo(sample_weight="novelty").advantages(R).advantages, expected)
    dup = rollout([1.0, 0.0, 0.0], [0, 0, 0], ["7", "8", "8"])
    # copies 1, 2, 2 -> inverse 1, .5, .5, mean 2/3 -> weights 1.5, .75, .75
    assert_close(grpo(sample_weight="novelty").advantages(dup).advantages,
                 weighted_group_normalized(dup.rewards, dup.group, torch.tensor([1.5, 0.75, 0.75])))


def test_hierarchical_from_a_column():
    expected = stratified_group_normalized(R.rewards, R.group, torch.tensor([0, 0, 0, 0, 1, 1]))
    assert_close(grpo(strata="difficulty").advantages(R).advantages, expected)


def test_missing_or_bad_column_is_named():
    with pytest.raises(ValueError, match="sample_weight='w8'.*no 'w8' column"):
        grpo(sample_weight="w8").advantages(R)
    bad = rollout([1.0, 0.0], [0, 0], ["a", "b"], level=["easy", "hard"])
    with pytest.raises(ValueError, match="strata='level'.*must be numbers"):
        grpo(strata="level").advantages(bad)
    with pytest.raises(ValueError, match="not both"):
        grpo(sample_weight="weight", strata="difficulty")


def test_adaptive_group_sizes_in_the_rollout():
    m = grpo(group_size_alpha=0.6931, max_group_size=5)
    rows = [{"prompt": "1+1=", "answer": "2", "difficulty": 0}, {"prompt": "12+30=", "answer": "42", "difficulty": 1},
            {"prompt": "9+9=", "answer": "18", "difficulty": 3}]
    # 2 e^(0.6931 d): 2, 4, 16 -> clamp 5
    assert m.group_sizes(rows) == [2, 4, 5]
    r, _ = m.collect(rows)
    assert r.group.tolist() == [0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2]
    with pytest.raises(ValueError, match="difficulty_column='difficulty'.*no 'difficulty' column"):
        m.group_sizes([{"prompt": "1+1=", "answer": "2"}])

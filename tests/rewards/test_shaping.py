"""Hybrid ORM + PRM (eq 42, 140) and potential-based shaping (eq 43) against hand-computed values."""

import pytest
import torch
from torch.testing import assert_close

from lit_reason.rewards.shaping import PotentialShaped, hybrid, potential_shaping


def accuracy(prompts, completions, **columns):
    return [None if c == "?" else float(c.endswith(a)) for c, a in zip(completions, columns["answer"])]


def prm(prompts, completions, **columns):
    return [0.2 * len(c) for c in completions]


def fmt(prompts, completions, **columns):
    return [1.0] * len(completions)


def test_hybrid_eq42_and_eq140():
    # alpha 0.25: 0.25 * 1 + 0.75 * (0.2 * 2) = 0.55; 0.25 * 0 + 0.75 * 0.4 = 0.3; plus beta 0.5 * format 1
    assert hybrid(accuracy, prm, alpha=0.25)(["q", "q"], ["x4", "x5"], answer=["4", "4"]) == pytest.approx([0.55, 0.3])
    with_format = hybrid(accuracy, prm, alpha=0.25, format=fmt, beta=0.5)
    assert with_format(["q"], ["x4"], answer=["4"]) == pytest.approx([1.05])
    with pytest.raises(ValueError, match="alpha must be in"):
        hybrid(accuracy, prm, alpha=1.5)


def test_potential_shaping_eq43_per_step():
    rewards = torch.tensor([[0.0, 1.0], [0.5, 0.0]])
    potentials = torch.tensor([[0.0, 0.5, 1.0], [1.0, 2.0, 9.0]])
    mask = torch.tensor([[1, 1], [1, 0]])
    # row 0: 0 + 0.9 * 0.5 - 0 = 0.45; 1 + 0.9 * 1 - 0.5 = 1.4. row 1: 0.5 + 1.8 - 1 = 1.3; padded step -> 0
    assert_close(potential_shaping(rewards, potentials, mask, gamma=0.9), torch.tensor([[0.45, 1.4], [1.3, 0.0]]),
                 atol=1e-6, rtol=1e-5)


def test_potential_shaped_sequence_reward_telescopes_and_keeps_none():
    def progress(prompts, completions, **columns):  # Phi = 0.1 per completed line
        return [0.1 * c.count("\n") for c in completions]

    shaped = PotentialShaped(accuracy, progress, gamma=0.5)
    # "a\nb\n4": steps "a\n", "b\n", "4"; Phi = 0, 0.1, 0.2, 0.2 for s_0..s_3
    # shaping = (0.5*0.1 - 0) + 0.5 * (0.5*0.2 - 0.1) + 0.25 * (0.5*0.2 - 0.2) = 0.05 + 0 - 0.025 = 0.025
    out = shaped(["q", "q"], ["a\nb\n4", "?"], answer=["4", "4"])
    assert out[0] == pytest.approx(1.025) and out[1] is None
    assert PotentialShaped(accuracy, progress, gamma=1.0)(["q"], ["a\nb\n4"], answer=["4"]) == pytest.approx([1.2])

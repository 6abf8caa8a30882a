"""PRIME's advantage: RLOO on the outcome reward plus discounted RLOO returns of implicit process rewards.

Cui et al. 2025, "Process Reinforcement through Implicit Rewards" (arXiv:2502.01456) sec 3.3 eq 5-6; report
sec 6.15 (eq 68-69 define the process reward as the expected outcome from a prefix, which the implicit PRM
estimates). For sample i of a group of K:

    A_t = sum_{s >= t} gamma^{s-t} (r_s - b_i)  +  (r_o,i - mean_{j != i} r_o,j)

with ``r_s`` the process reward of token s and ``b_i`` the mean over the other samples of their per-token
mean process reward. Deliberate deviation: the paper's process baseline is the others' sequence-level
implicit reward; a per-token mean keeps long and short completions on one scale.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lit_reason.advantages.group import leave_one_out_baseline


def discounted_returns(rewards: Tensor, mask: Tensor, *, gamma: float = 1.0) -> Tensor:
    """``G_t = sum_{s >= t, mask} gamma^{s-t} r_s`` per row; 0 on padding. (B, T), (B, T) -> (B, T).

    Example:
        >>> discounted_returns(torch.tensor([[1.0, 2.0, 4.0]]), torch.tensor([[1, 1, 0]]), gamma=0.5).tolist()
        [[2.0, 2.0, 0.0]]
    """
    m = mask.to(rewards.dtype)
    r, out, running = rewards * m, torch.zeros_like(rewards), torch.zeros_like(rewards[:, 0])
    for t in range(rewards.shape[1] - 1, -1, -1):
        running = r[:, t] + gamma * running * m[:, t]
        out[:, t] = running
    return out * m


def prime_advantages(outcome: Tensor, token_rewards: Tensor, mask: Tensor, group: Tensor, *,
                     gamma: float = 1.0, process_coef: float = 1.0) -> Tensor:
    """Eq 5-6 of Cui et al. 2025 (module docstring), with ``process_coef`` weighting the process part.

    Args:
        outcome: (B,) outcome rewards.
        token_rewards: (B, T) implicit process rewards ``beta log(pi_phi / pi_ref)``.
        mask: (B, T) completion mask.
        group: (B,) prompt ids; a group of one sample has zero advantage.
        gamma: Discount of the process returns.
        process_coef: Weight of the process part (0 is RLOO).

    Returns:
        (B, T) advantages, 0 on padding.
    """
    m = mask.to(token_rewards.dtype)
    per_token_mean = (token_rewards * m).sum(1) / m.sum(1).clamp(min=1)  # (B,)
    process = token_rewards - leave_one_out_baseline(per_token_mean, group).to(token_rewards.dtype)[:, None]
    outcome_adv = outcome - leave_one_out_baseline(outcome, group).to(outcome.dtype)  # (B,)
    return (process_coef * discounted_returns(process, mask, gamma=gamma) + outcome_adv[:, None]) * m

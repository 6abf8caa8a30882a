"""Advantages, reward shaping and sample filters of the policy-gradient variants: DAPO, REINFORCE++, ReMax.

Pure functions of tensors (STYLE.md section 2). Shapes: B samples, T completion tokens.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lit_reason.advantages.group import group_index, group_mean_baseline
from lit_reason.advantages.token import gae, last_token_rewards, whiten


def informative_groups(rewards: Tensor, group: Tensor) -> Tensor:
    """DAPO dynamic sampling's filter: True for the samples of groups whose rewards are not all equal.

    Yu et al. 2025, DAPO (arXiv:2503.14476) sec 3.2, the constraint of the DAPO objective (eq 8) ``0 < |{o_i | is_equivalent(a, o_i)}| < G``,
    generalised from a 0/1 reward to any reward: a group whose rewards are all equal has zero group-relative
    advantage for every sample and gives no gradient, so it only dilutes the batch.

    Args:
        rewards: (B,) rewards.
        group: (B,) integer group ids.

    Returns:
        (B,) bool; a group of one sample is never informative.

    Example:
        >>> informative_groups(torch.tensor([1.0, 0.0, 1.0, 1.0]), torch.tensor([0, 0, 1, 1])).tolist()
        [True, True, False, False]
    """
    r, idx, n = group_index(rewards, group)
    zeros = torch.zeros(n, dtype=r.dtype, device=r.device)
    hi = zeros.scatter_reduce(0, idx, r, reduce="amax", include_self=False)
    lo = zeros.scatter_reduce(0, idx, r, reduce="amin", include_self=False)
    return (hi > lo)[idx]


def soft_overlong_penalty(lengths: Tensor, *, max_len: int, cache: int) -> Tensor:
    """DAPO's soft overlong punishment: 0 up to ``max_len - cache`` tokens, then linear down to -1 at ``max_len``.

    Yu et al. 2025 (arXiv:2503.14476) sec 3.4 eq 13:
    ``R_length(y) = 0`` if ``|y| <= L_max - L_cache``; ``((L_max - L_cache) - |y|) / L_cache`` if
    ``L_max - L_cache < |y| <= L_max``; ``-1`` if ``|y| > L_max``. Added to the task reward.

    Args:
        lengths: (B,) completion lengths in tokens.
        max_len: L_max, the generation budget.
        cache: L_cache, the width of the penalty band, in [1, max_len].

    Returns:
        (B,) penalties in [-1, 0], float.

    Example:
        >>> soft_overlong_penalty(torch.tensor([2, 6, 7, 8, 9]), max_len=8, cache=4).tolist()
        [0.0, -0.5, -0.75, -1.0, -1.0]
    """
    if not 1 <= cache <= max_len:
        raise ValueError(f"the overlong cache must be in [1, max_len={max_len}]; got {cache}")
    if lengths.dim() != 1:
        raise ValueError(f"lengths must be (B,); got {tuple(lengths.shape)}")
    excess = lengths.to(torch.get_default_dtype()) - (max_len - cache)
    return (-excess / cache).clamp(-1.0, 0.0)


def overlong_filter(mask: Tensor, finished: Tensor) -> Tensor:
    """DAPO's overlong filtering: the loss mask without the completions that were cut by the length limit.

    Yu et al. 2025 (arXiv:2503.14476) sec 3.4: a truncated completion's reward says nothing about its
    reasoning, so its tokens are removed from the loss (they stay in the batch's statistics elsewhere).

    Args:
        mask: (B, T) completion mask.
        finished: (B,) True where the completion ended by EOS or a stop string.

    Returns:
        (B, T) mask, zero on the rows of truncated completions.

    Example:
        >>> overlong_filter(torch.ones(2, 2), torch.tensor([True, False])).tolist()
        [[1.0, 1.0], [0.0, 0.0]]
    """
    if mask.dim() != 2 or finished.shape != mask.shape[:1]:
        raise ValueError(f"mask must be (B, T) and finished (B,); got {tuple(mask.shape)}, {tuple(finished.shape)}")
    return mask * finished.to(mask.dtype)[:, None]


def kl_shaped_rewards(rewards: Tensor, kl: Tensor, mask: Tensor, *, coef: float) -> Tensor:
    """REINFORCE++'s token rewards: the outcome reward on the last token minus ``coef`` x KL on every token.

    Hu 2025, "REINFORCE++" (arXiv:2501.03262) eq 3: ``r(s_t, a_t) = I(s_t = [EOS]) r(x, y) - beta KL(t)``
    with ``KL(t) = log(pi_old(a_t | s_t) / pi_ref(a_t | s_t))`` (pass any per-token estimator as ``kl``).

    Args:
        rewards: (B,) outcome rewards.
        kl: (B, T) per-token KL estimates to the reference.
        mask: (B, T) valid-token mask.
        coef: beta >= 0.

    Returns:
        (B, T) token rewards, 0 at padding.

    Example:
        >>> kl_shaped_rewards(torch.tensor([1.0]), torch.tensor([[0.5, 0.5]]), torch.ones(1, 2), coef=0.1).tolist()
        [[-0.05000000074505806, 0.949999988079071]]
    """
    if kl.shape != mask.shape:
        raise ValueError(f"kl {tuple(kl.shape)} and mask {tuple(mask.shape)} differ in shape")
    if coef < 0:
        raise ValueError(f"coef must be >= 0; got {coef}")
    token = last_token_rewards(rewards, mask)
    return token - coef * torch.where(mask.bool(), kl.to(token.dtype), 0.0)


def reward_to_go(token_rewards: Tensor, mask: Tensor, *, gamma: float = 1.0) -> Tensor:
    """Discounted return ``G_t = sum_{s >= t} gamma^(s - t) r_s`` of every token (no critic).

    REINFORCE++ (arXiv:2501.03262) eq 4's advantage before normalisation; equal to GAE (report eq 8) with
    zero values and lambda = 1.

    Args:
        token_rewards: (B, T) rewards.
        mask: (B, T) valid-token mask.
        gamma: Discount in [0, 1].

    Returns:
        (B, T) returns, 0 at padding.

    Example:
        >>> reward_to_go(torch.tensor([[1.0, 0.0, 2.0]]), torch.ones(1, 3)).tolist()
        [[3.0, 2.0, 2.0]]
    """
    return gae(token_rewards, torch.zeros_like(token_rewards), mask, gamma=gamma, lam=1.0)


def reinforce_pp_advantages(token_rewards: Tensor, mask: Tensor, *, gamma: float = 1.0) -> Tensor:
    """REINFORCE++ advantages: the reward-to-go normalised over all valid tokens of the global batch.

    Hu 2025 (arXiv:2501.03262) eq 4-5: ``A_t = sum_{s >= t} gamma^(s-t) r_s``, then
    ``A_norm = (A - mean_batch(A)) / std_batch(A)``: the batch's statistics replace a critic or a
    per-prompt group, which is what keeps the estimator stable for one sample per prompt.

    Args:
        token_rewards: (B, T), e.g. ``kl_shaped_rewards``.
        mask: (B, T) valid-token mask.
        gamma: Discount in [0, 1].

    Returns:
        (B, T) advantages, 0 at padding.
    """
    return whiten(reward_to_go(token_rewards, mask, gamma=gamma), mask)


def reinforce_pp_baseline_advantages(rewards: Tensor, group: Tensor, mask: Tensor) -> Tensor:
    """REINFORCE++-baseline: the group-mean-centred reward, then normalised over the global batch's tokens.

    Hu 2025 (arXiv:2501.03262, v2+) "REINFORCE++-Baseline": ``A = r - mean_group(r)``, then
    ``A_norm = (A - mean_batch(A)) / std_batch(A)``. Unlike GRPO it never divides by a group's own std, so
    a group of nearly equal rewards is not blown up (the KL goes into the loss, not the reward).

    Args:
        rewards: (B,) outcome rewards.
        group: (B,) integer group ids.
        mask: (B, T) valid-token mask: every valid token carries its sequence's advantage.

    Returns:
        (B, T) advantages, 0 at padding.

    Example:
        >>> reinforce_pp_baseline_advantages(torch.tensor([1.0, 0.0]), torch.tensor([0, 0]), torch.ones(2, 1)).tolist()
        [[0.7071067690849304], [-0.7071067690849304]]
    """
    centred = rewards.to(torch.get_default_dtype()) - group_mean_baseline(rewards, group).to(torch.get_default_dtype())
    return whiten(centred[:, None].expand(mask.shape), mask)


def greedy_baseline_advantages(rewards: Tensor, greedy_rewards: Tensor) -> Tensor:
    """ReMax advantages ``A_i = r(x, y_i) - r(x, y_greedy)``.

    Li et al. 2023, "ReMax" (arXiv:2310.10505) eq 5 (Algorithm 1): the baseline of a sampled response is
    the reward of the prompt's greedy response, which costs one extra generation per prompt and no critic.

    Args:
        rewards: (B,) rewards of the sampled responses.
        greedy_rewards: (B,) the reward of each sample's prompt's greedy response.

    Returns:
        (B,) advantages.

    Example:
        >>> greedy_baseline_advantages(torch.tensor([1.0, 0.0]), torch.tensor([1.0, 1.0])).tolist()
        [0.0, -1.0]
    """
    if rewards.shape != greedy_rewards.shape or rewards.dim() != 1:
        raise ValueError(f"rewards and greedy_rewards must both be (B,); got {tuple(rewards.shape)}, "
                         f"{tuple(greedy_rewards.shape)}")
    for name, x in (("reward", rewards), ("greedy reward", greedy_rewards)):
        bad = (~torch.isfinite(x)).nonzero()
        if bad.numel():
            raise ValueError(f"non-finite {name} at row {int(bad[0, 0])}: {x[bad[0, 0]].item()}")
    return rewards - greedy_rewards.to(rewards.dtype)

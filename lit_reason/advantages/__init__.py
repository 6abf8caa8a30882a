"""Advantage estimators: pure functions of tensors (import only torch).

- :mod:`~lit_reason.advantages.group`: group statistics, GRPO's group normalisation, REINFORCE/RLOO
  baselines and their registry, the EMA baseline.
- :mod:`~lit_reason.advantages.token`: GAE, returns, whitening, last-token rewards.
- :mod:`~lit_reason.advantages.variants`: the GRPO variants of report sec 3.2.6.
- :mod:`~lit_reason.advantages.normalize`: reward normalisers (batch, EMA, quantile).
- :mod:`~lit_reason.advantages.pg_variants`: DAPO's filters and overlong shaping, REINFORCE++, ReMax.
"""

from lit_reason.advantages.group import (
    BASELINES,
    batch_mean_baseline,
    ema_update,
    group_index,
    group_mean_baseline,
    group_normalized,
    group_sums,
    leave_one_out,
    leave_one_out_baseline,
    out_dtype,
    zero_baseline,
)
from lit_reason.advantages.normalize import (
    REWARD_NORMALIZERS,
    RunningMoments,
    batch_normalize,
    ema_moments_update,
    ema_normalize,
    quantile_normalize,
)
from lit_reason.advantages.pg_variants import (
    greedy_baseline_advantages,
    informative_groups,
    kl_shaped_rewards,
    overlong_filter,
    reinforce_pp_advantages,
    reinforce_pp_baseline_advantages,
    reward_to_go,
    soft_overlong_penalty,
)
from lit_reason.advantages.token import gae, last_token_rewards, returns, whiten
from lit_reason.advantages.variants import (
    adaptive_group_sizes,
    novelty_weights,
    stratified_group_normalized,
    weighted_group_normalized,
)

__all__ = [
    "BASELINES",
    "group_sums",
    "out_dtype",
    "zero_baseline",
    "REWARD_NORMALIZERS",
    "RunningMoments",
    "adaptive_group_sizes",
    "batch_mean_baseline",
    "batch_normalize",
    "ema_moments_update",
    "ema_normalize",
    "ema_update",
    "gae",
    "group_index",
    "group_mean_baseline",
    "group_normalized",
    "last_token_rewards",
    "leave_one_out",
    "leave_one_out_baseline",
    "novelty_weights",
    "quantile_normalize",
    "returns",
    "stratified_group_normalized",
    "weighted_group_normalized",
    "whiten",
    "greedy_baseline_advantages",
    "informative_groups",
    "kl_shaped_rewards",
    "overlong_filter",
    "reinforce_pp_advantages",
    "reinforce_pp_baseline_advantages",
    "reward_to_go",
    "soft_overlong_penalty",
]

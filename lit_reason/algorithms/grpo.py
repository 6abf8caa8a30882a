"""GRPO: Group Relative Policy Optimization (report sec 3.2, eq 23-26), with the variants of sec 3.2.6.

Shao et al. 2024, DeepSeekMath (arXiv:2402.03300) sec 4.1. G samples per prompt; the advantage of a sample
is its reward normalised within its group (eq 23); the loss is the clipped surrogate (eq 25) plus beta times
the KL to a frozen reference (eq 26), per token, aggregated by ``loss_aggregation``.

Deliberate deviations from the report's equations, each the common practice of TRL / verl / OpenRLHF:
- The KL term is the per-token k3 estimator (Schulman 2020) on the sampled tokens, not the full-vocabulary
  KL of eq 128 (``kl.estimator`` selects k2/k3/full; losses/kl.py says why not k1).
- Separate low/high clipping (``eps_low``, ``eps_high``; DAPO's clip-higher) generalises eq 25's single eps.
- The default aggregation is the token mean (DAPO); ``loss_aggregation: sequence`` gives eq 24 exactly.
- With ``batching.update_epochs=1`` and one minibatch the ratio is 1 and the clip never acts (pure on-policy).

Variants (sec 3.2.6), each one option, combinable with everything above:
- weighted (eq 29): ``sample_weight: <column>`` or ``novelty``;
- hierarchical: ``strata: <column>`` (e.g. ``difficulty``);
- adaptive group size (eq 30): ``group_size_alpha > 0`` (difficulty from ``difficulty_column``).

Policy objectives (``policy_loss``, ``algorithms/objectives.py``): ``clip`` (eq 25), ``gspo`` (sequence ratio,
arXiv:2507.18071), ``cispo`` (clipped detached IS weight, arXiv:2506.13585), ``gmpo`` (geometric mean,
arXiv:2507.20673), ``clip_cov`` and ``kl_cov`` (entropy control, arXiv:2505.22617). ``entropy_coef`` adds
the entropy bonus of eq 18 (``EntropyMonitor(response=adaptive)`` can drive it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

import torch
from torch import Tensor

from lit_reason.advantages import group_normalized
from lit_reason.advantages.variants import (
    adaptive_group_sizes,
    novelty_weights,
    stratified_group_normalized,
    weighted_group_normalized,
)
from lit_reason.algorithms.base import LossOutput, OnPolicyModule, Targets
from lit_reason.algorithms.guards import group_relative_errors
from lit_reason.algorithms.objectives import OBJECTIVES
from lit_reason.losses.policy import entropy_surrogate
from lit_reason.rollout import Rollout


class GRPO(OnPolicyModule):
    """Group Relative Policy Optimization.

    ``kl_in_loss`` (OnPolicyModule's class attribute) puts ``kl_coef`` (from ``kl.coef``) x the per-token KL
    into the loss (eq 26); REINFORCE++ puts it into the reward instead.

    Args:
        eps_low: Lower clip range (ratio >= 1 - eps_low; GSPO: of the sequence ratio; GMPO: of the log-ratio).
        eps_high: Upper clip range (ratio <= 1 + eps_high).
        policy_loss: ``clip``, ``gspo``, ``cispo``, ``gmpo``, ``clip_cov`` or ``kl_cov`` (module docstring).
        cov_ratio: Fraction of tokens ``clip_cov`` / ``kl_cov`` select; None: the paper's 2e-4 / 2e-3.
        cov_bounds: ``clip_cov``'s covariance window (low, high).
        cov_kl_coef: ``kl_cov``'s penalty coefficient.
        entropy_coef: Weight of the entropy bonus (eq 18); callbacks may change ``self.entropy_coef``.
        scale_rewards: Divide by the group's reward std (eq 23); False gives Dr. GRPO's mean-centring.
        sample_weight: Weighted GRPO (eq 29): a numeric row column holding w_i, or ``novelty`` (a sample
            repeated c times in its group weighs 1/c, normalised to mean 1 per group).
        strata: Hierarchical GRPO: a row column (e.g. ``difficulty``) whose values are the strata.
        group_size_alpha: Adaptive GRPO (eq 30): ``G_q = n exp(alpha difficulty(q))``; 0 turns it off.
        max_group_size: Upper bound of adaptive group sizes; default ``4 * sampling.n``.
        difficulty_column: The numeric row column eq 30 reads.
        **kwargs: Everything of :class:`OnPolicyModule` (policy, rewards, sampling, batching, kl, ...).
    """

    checkpointed = (*OnPolicyModule.checkpointed, "entropy_coef")  # EntropyMonitor may have moved it
    # The advantage is relative to the prompt's group (eq 23; PRIME's RLOO too), so one sample per prompt or
    # greedy sampling trains nothing and is refused. Subclasses whose estimator needs no group set False.
    group_relative = True

    def __init__(
        self,
        *args: Any,
        eps_low: float = 0.2,
        eps_high: float = 0.2,
        scale_rewards: bool = True,
        sample_weight: str | None = None,
        strata: str | None = None,
        group_size_alpha: float = 0.0,
        max_group_size: int | None = None,
        difficulty_column: str = "difficulty",
        policy_loss: str = "clip",
        cov_ratio: float | None = None,
        cov_bounds: tuple[float, float] = (1.0, 5.0),
        cov_kl_coef: float = 1.0,
        entropy_coef: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if eps_low < 0 or eps_high < 0:
            raise ValueError(f"GRPO: eps_low and eps_high must be >= 0, got {eps_low}, {eps_high}")
        if self.group_relative and (errors := group_relative_errors(self.sampling)):
            raise ValueError(f"{type(self).__name__}: " + "; ".join(errors))
        if sample_weight is not None and strata is not None:
            raise ValueError("GRPO: choose one of sample_weight (eq 29) and strata (hierarchical), not both")
        if group_size_alpha < 0 or (max_group_size is not None and max_group_size < 2):
            raise ValueError(
                f"GRPO: group_size_alpha must be >= 0 and max_group_size >= 2, got {group_size_alpha}, "
                f"{max_group_size}"
            )
        if policy_loss not in OBJECTIVES:
            raise ValueError(f"GRPO: policy_loss must be one of {sorted(OBJECTIVES)}, got {policy_loss!r}")
        if entropy_coef < 0 or cov_kl_coef < 0 or (cov_ratio is not None and not 0 < cov_ratio <= 1):
            raise ValueError(f"GRPO: entropy_coef and cov_kl_coef must be >= 0 and cov_ratio in (0, 1], got "
                             f"{entropy_coef}, {cov_kl_coef}, {cov_ratio}")
        self._group_advantages = _estimator(sample_weight, strata, scale_rewards)
        options = {"eps_low": eps_low, "eps_high": eps_high, "cov_low": cov_bounds[0], "cov_high": cov_bounds[1],
                   "cov_kl_coef": cov_kl_coef, "generator": self.generator}
        if cov_ratio is not None:
            options["cov_ratio"] = cov_ratio
        cls = OBJECTIVES[policy_loss]
        self.objective = cls(**{k: v for k, v in options.items() if k in cls.__dataclass_fields__})
        self.entropy_coef = entropy_coef

    def group_sizes(self, rows: list[dict[str, Any]]) -> list[int] | None:
        hp = self.hparams
        if hp.group_size_alpha == 0:
            return None
        difficulty = torch.tensor([float(_column_value(r, hp.difficulty_column, "difficulty_column"))
                                   for r in rows])
        sizes = adaptive_group_sizes(difficulty, self.sampling.n, hp.group_size_alpha,
                                     max_size=hp.max_group_size or 4 * self.sampling.n)
        return sizes.tolist()

    def advantages(self, rollout: Rollout) -> Targets:
        return Targets(self._group_advantages(rollout))  # (B,), the estimator chosen in __init__

    def loss(self, minibatch: Rollout) -> LossOutput:
        mb = minibatch
        stats = self.logprob_stats(mb)
        per_token, metrics = self.objective(stats.logprobs, mb.old_logprobs, mb.advantages, mb.completion_mask)
        if self.entropy_coef > 0:
            per_token = per_token + self.entropy_coef * entropy_surrogate(stats.logprobs, stats.entropy)
        loss = self.finish_loss(per_token, stats, mb, metrics, kl_in_loss=self.kl_in_loss)
        return LossOutput(loss, {k: v.detach() for k, v in metrics.items()})



def _estimator(sample_weight: str | None, strata: str | None, scale_rewards: bool) -> Callable[[Rollout], Tensor]:
    """GRPO's advantage estimator for the options, chosen once: eq 29 (weighted), hierarchical, or eq 23."""
    if sample_weight is not None:
        return partial(_weighted, column=sample_weight)
    if strata is not None:
        return partial(_stratified, column=strata)
    return partial(_plain, std=scale_rewards)


def _plain(rollout: Rollout, *, std: bool) -> Tensor:
    return group_normalized(rollout.rewards, rollout.group, std=std)


def _weighted(rollout: Rollout, *, column: str) -> Tensor:
    weights = _novelty(rollout) if column == "novelty" else _numeric_column(rollout, column, "sample_weight")
    return weighted_group_normalized(rollout.rewards, rollout.group, weights)


def _stratified(rollout: Rollout, *, column: str) -> Tensor:
    _, stratum_ids = torch.unique(_numeric_column(rollout, column, "strata"), return_inverse=True)
    return stratified_group_normalized(rollout.rewards, rollout.group, stratum_ids)


def _column_value(row: dict[str, Any], name: str, option: str) -> Any:
    if name not in row:
        raise ValueError(f"GRPO.{option}={name!r}: the prompt rows have no {name!r} column (have {sorted(row)})")
    return row[name]


def _numeric_column(rollout: Rollout, name: str, option: str) -> Tensor:
    if name not in rollout.columns:
        raise ValueError(f"GRPO.{option}={name!r}: the prompt rows have no {name!r} column "
                         f"(have {sorted(rollout.columns)})")
    try:
        return torch.tensor([float(v) for v in rollout.columns[name]])
    except (TypeError, ValueError) as e:
        raise ValueError(f"GRPO.{option}={name!r}: column values must be numbers ({e})") from e


def _novelty(rollout: Rollout) -> Tensor:
    keys = [(int(g), " ".join(c.split())) for g, c in zip(rollout.group.tolist(), rollout.completions)]
    copies = Counter(keys)
    return novelty_weights(torch.tensor([copies[k] for k in keys]), rollout.group)

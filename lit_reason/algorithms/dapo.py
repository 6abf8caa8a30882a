"""DAPO: Decoupled Clip and Dynamic sAmpling Policy Optimization (Yu et al. 2025, arXiv:2503.14476).

GRPO with the four DAPO techniques:
- clip-higher (sec 3.1): ``eps_high`` 0.28 against ``eps_low`` 0.2;
- dynamic sampling (sec 3.2, the constraint of eq 8): groups whose rewards are all equal carry no advantage
  and are dropped; more prompts are drawn (the next batches of the data loader) until the update has as
  many informative groups as one batch has prompts, or ``max_draws`` batches were generated; the update then
  trains on what it has. ``train/dapo_draws`` is the number of batches generated for an update and
  ``train/dapo_prompts`` the prompts they held;
- token-level loss (sec 3.3): ``loss_aggregation: token``, the default;
- overlong reward shaping (sec 3.4): ``overlong_filter`` masks truncated completions out of the loss (they
  stay in their group's statistics); ``overlong_cache`` adds the soft overlong punishment of eq 13,
  scaled by ``overlong_penalty``, to the reward before the advantages and the filter.

Deliberate deviations: the group filter is on the total reward (the paper's is on accuracy; with a 0/1
accuracy reward they agree); a group that becomes informative only through the length penalty is kept,
since it has a non-zero advantage. An iteration that only draws (the batch is not full yet) makes no
optimizer step, so ``trainer.max_steps`` still counts updates while more data batches are consumed; a
checkpoint taken between draws does not keep the groups drawn so far (they are regenerated after resume).
"""

from __future__ import annotations

from typing import Any

import torch

from lit_reason.advantages import informative_groups, overlong_filter, soft_overlong_penalty
from lit_reason.algorithms.grpo import GRPO
from lit_reason.rollout import Rollout


class DAPO(GRPO):
    """GRPO with clip-higher, dynamic sampling and overlong reward shaping.

    Args:
        eps_high: Upper clip range (clip-higher).
        dynamic_sampling: Drop all-equal-reward groups and draw more prompts.
        max_draws: Most data batches generated for one update (>= 1; 1 drops groups without redrawing).
        overlong_filter: Mask completions cut by ``max_new_tokens`` out of the loss.
        overlong_cache: L_cache of the soft overlong punishment (eq 13), in tokens; None turns it off.
        overlong_penalty: Scale of the punishment (the reward change at the length limit).
        **kwargs: Everything of :class:`GRPO` and :class:`OnPolicyModule`.
    """

    def __init__(
        self,
        *args: Any,
        eps_high: float = 0.28,
        dynamic_sampling: bool = True,
        max_draws: int = 4,
        overlong_filter: bool = True,
        overlong_cache: int | None = None,
        overlong_penalty: float = 1.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, eps_high=eps_high, **kwargs)
        errors = []
        if max_draws < 1:
            errors.append(f"max_draws must be >= 1, got {max_draws}")
        if overlong_cache is not None and not 1 <= overlong_cache <= self.sampling.max_new_tokens:
            errors.append(f"overlong_cache must be in [1, sampling.max_new_tokens={self.sampling.max_new_tokens}], "
                          f"got {overlong_cache}")
        if overlong_penalty < 0:
            errors.append(f"overlong_penalty must be >= 0, got {overlong_penalty}")
        if errors:
            raise ValueError("DAPO: " + "; ".join(errors))
        self._pending: list[Rollout] = []  # informative groups drawn for the next update
        self._draws = 0
        self._prompts = 0

    def select(self, rollout: Rollout) -> Rollout:
        """Overlong shaping, then dynamic sampling: an empty rollout (no update) until the batch is full."""
        self.record(**self.shape(rollout))
        if not self.hparams.dynamic_sampling:
            return rollout
        out, metrics = self.draw(rollout, prompts=int(rollout.group.unique().numel()))
        self.record(**metrics)
        return out if out is not None else rollout.select(torch.zeros(0, dtype=torch.long))

    def shape(self, rollout: Rollout) -> dict[str, float]:
        """Soft overlong punishment and overlong filter, in place; returns their metrics."""
        hp, metrics = self.hparams, {}
        if hp.overlong_cache is not None:
            lengths = rollout.completion_mask.sum(1)
            penalty = hp.overlong_penalty * soft_overlong_penalty(lengths, max_len=self.sampling.max_new_tokens,
                                                                  cache=hp.overlong_cache)
            rollout.rewards = rollout.rewards + penalty.to(rollout.rewards)
            metrics["dapo_overlong_penalty"] = penalty.mean().item()
        if hp.overlong_filter:
            rollout.completion_mask = overlong_filter(rollout.completion_mask, rollout.finished)
            metrics["dapo_truncated_frac"] = 1.0 - rollout.finished.float().mean().item()
        return metrics

    def draw(self, rollout: Rollout, prompts: int) -> tuple[Rollout | None, dict[str, float]]:
        """Dynamic sampling: keeps the informative groups; returns the update's rollout once it is full or
        ``max_draws`` batches were drawn, else None (draw again). ``prompts`` is one batch's prompt count."""
        keep = informative_groups(rollout.rewards, rollout.group)
        self._pending.append(rollout.select(keep.nonzero().squeeze(1)))
        self._draws += 1
        self._prompts += prompts
        have = sum(int(p.group.unique().numel()) for p in self._pending)
        if have < prompts and self._draws < self.hparams.max_draws:
            return None, {"dapo_groups": float(have)}
        merged = Rollout.concat(self._pending)
        ids = merged.group.unique()[:prompts]  # the first full batch of groups, in draw order
        out = merged.select(torch.isin(merged.group, ids).nonzero().squeeze(1))
        metrics = {"dapo_draws": float(self._draws), "dapo_prompts": float(self._prompts),
                   "dapo_groups": float(len(ids))}
        self._pending, self._draws, self._prompts = [], 0, 0
        return (out if len(out) else None), metrics

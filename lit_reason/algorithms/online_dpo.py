"""Online DPO (report sec 6.16.1, alg 8) and Iterative DPO (sec 6.22.2).

Guo et al. 2024, "Direct Language Model Alignment from Online AI Feedback" (arXiv:2402.04792); Xiong et al.
2024, "Iterative Preference Learning from Human Feedback" (arXiv:2312.11456). Each iteration samples
``sampling.n >= 2`` completions per prompt from the current policy, scores them with any reward (a rule,
a reward model, an :class:`~lit_reason.rewards.judge.LLMJudge`), pairs the best with the worst completion of
each prompt (alg 8 line 4, generalised from 2 samples to n), and takes DPO steps (eq 32, eq 70) against a
frozen reference. Prompts whose samples all score the same give no pair; they are counted
(``train/tied_groups``), not trained on.

Iterative DPO replaces the reference by the current policy every ``ref_update_every`` iterations: each
round is one DPO problem ``pi_{t+1} = DPO(pi_t, D_t)`` as in eq 59.

Deliberate deviations: log-probabilities are taken at temperature 1 whatever the sampling temperature (DPO
is defined on the policy itself); ``loss_aggregation`` does not apply (the loss is a mean over pairs, so
micro-batches are weighted by their number of pairs); ``batching.minibatch_size`` and ``batching.micro_batch_size`` count
completions and must be even, so that a pair never straddles two minibatches.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lit_reason.algorithms.accumulate import MICRO_SHARES
from lit_reason.algorithms.base import LossOutput, OnPolicyModule, Targets
from lit_reason.algorithms.preference import reward_metrics
from lit_reason.algorithms.rounds import ReferenceRounds
from lit_reason.losses import aggregate, kl_penalty
from lit_reason.losses.preference import dpo_loss
from lit_reason.rollout import Rollout


def preference_pairs(
    rewards: Tensor, group: Tensor, *, min_gap: float = 0.0, valid: Tensor | None = None
) -> tuple[Tensor, int]:
    """(best, worst) completion of each group, interleaved: ``[c_0, r_0, c_1, r_1, ...]``.

    Args:
        rewards: (B,) scalar rewards.
        group: (B,) prompt ids (the n samples of a prompt share one).
        min_gap: A group whose best and worst rewards differ by ``min_gap`` or less gives no pair.
        valid: (B,) bool, False for samples that must not be paired (e.g. no reward could score them).

    Returns:
        ``(index (2P,), skipped)``: row indices, chosen then rejected for each of the P pairs in order of
        first appearance of their group; ``skipped`` counts the groups without a pair. Ties for best or
        worst go to the earliest sample.
    """
    index: list[int] = []
    skipped = 0
    seen: list[int] = []
    for g in group.tolist():
        if g not in seen:
            seen.append(g)
    for g in seen:
        members = (group == g) if valid is None else (group == g) & valid
        rows = members.nonzero().squeeze(-1)
        r = rewards[rows]
        if len(rows) < 2 or float(r.max() - r.min()) <= min_gap:
            skipped += 1
            continue
        index += [int(rows[r.argmax()]), int(rows[r.argmin()])]
    return torch.tensor(index, dtype=torch.long), skipped


class OnlineDPO(OnPolicyModule):
    """Online DPO: DPO on (best, worst) pairs of the policy's own samples, scored by ``rewards``.

    Hooks: ``select`` pairs each prompt's best and worst sample (interleaved, kept together in minibatches),
    ``annotate`` scores the pairs under the reference, ``advantages`` is +1 on chosen and -1 on rejected
    rows (the direction DPO pushes each; ``loss`` reads it to match the pairs).

    Args:
        beta: Inverse temperature of DPO's implicit reward (eq 32).
        label_smoothing: Conservative DPO: probability in [0, 0.5) that a pair's order is wrong.
        min_reward_gap: Pair a prompt only if its best and worst rewards differ by more than this.
        ref_update_every: Replace the reference by the current policy every this many iterations (rollouts);
            None keeps the starting model as the reference (plain online DPO).
        **kwargs: Everything of :class:`OnPolicyModule` (policy, rewards, sampling with ``n >= 2``, ...);
            ``kl.coef`` must stay 0 (``beta`` holds the policy to the reference) and ``is_correction``
            ``none``.
    """

    checkpointed = (*OnPolicyModule.checkpointed, "reference_rounds")
    keep_together = 2  # a (chosen, rejected) pair never straddles two minibatches

    def __init__(self, *args, beta: float = 0.1, label_smoothing: float = 0.0, min_reward_gap: float = 0.0,
                 ref_update_every: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        name = type(self).__name__
        errors = []
        if not beta > 0:
            errors.append(f"beta must be > 0, got {beta}")
        if not 0.0 <= label_smoothing < 0.5:
            errors.append(f"label_smoothing must be in [0, 0.5), got {label_smoothing}")
        if min_reward_gap < 0:
            errors.append(f"min_reward_gap must be >= 0, got {min_reward_gap}")
        if self.sampling.n < 2:
            errors.append(f"sampling.n must be >= 2 to form pairs, got {self.sampling.n}")
        if self.kl_coef > 0:
            errors.append(f"kl.coef must be 0 (beta sets the pull to the reference), got {self.kl_coef}")
        if self.is_correction != "none":
            errors.append(f"is_correction.kind must be 'none' (DPO does not use sampler ratios), got "
                          f"{self.is_correction!r}")
        for key in ("minibatch_size", "micro_batch_size"):
            if (size := getattr(self.batching, key)) is not None and size % 2:
                errors.append(f"batching.{key} must be even (it counts completions; a pair is two), got {size}")
        if errors:
            raise ValueError(f"{name}: " + "; ".join(errors))
        self.micro_share = MICRO_SHARES["sequence"]  # the DPO loss is a mean over pairs
        self.policy.init_reference()
        self.reference_rounds = ReferenceRounds(self.policy, ref_update_every, owner=name)

    @property
    def ref_round(self) -> int:
        """Reference rounds completed (the reference is the policy of that many rounds ago)."""
        return self.reference_rounds.round

    # ------------------------------------------------------------------ hooks
    def pairs(self, rollout: Rollout) -> tuple[Tensor, int]:
        """Row indices of the pairs (chosen, rejected interleaved) and the number of groups without one."""
        valid = None if rollout.reward_none is None else ~rollout.reward_none.to(rollout.group.device)
        return preference_pairs(rollout.rewards, rollout.group, min_gap=self.hparams.min_reward_gap, valid=valid)

    def select(self, rollout: Rollout) -> Rollout:
        """The (best, worst) pair of each prompt, interleaved; unscored samples are never paired."""
        index, skipped = self.pairs(rollout)
        self.record(pairs=len(index) // 2, tied_groups=skipped, ref_round=self.ref_round)
        return rollout.select(index)

    def annotate(self, rollout: Rollout) -> None:
        """The reference's log-probabilities of the pairs, at temperature 1 (see the module docstring)."""
        rollout.ref_logprobs = self._score(rollout, self._reference_logprobs)

    def advantages(self, rollout: Rollout) -> Targets:
        """+1 on chosen rows (even positions), -1 on rejected ones (odd): the direction DPO pushes each."""
        signs = torch.ones(len(rollout), device=rollout.rewards.device)
        signs[1::2] = -1.0
        return Targets(signs)

    def loss(self, minibatch: Rollout) -> LossOutput:
        mb = minibatch
        stats = self.policy.token_logprobs(mb.input_ids, mb.attention_mask, mb.completion_mask, entropy=True,
                                           group=self._group(mb))
        mask = mb.completion_mask
        chosen = mb.advantages > 0  # (2P,) pairs stay interleaved, so the i-th chosen meets the i-th rejected
        logps, ref = stats.logprobs.sum(1), mb.ref_logprobs.sum(1)  # (2P,), summed over completion tokens
        out = dpo_loss(logps[chosen], logps[~chosen], ref[chosen], ref[~chosen], beta=self.hparams.beta,
                       label_smoothing=self.hparams.label_smoothing)
        metrics = reward_metrics(out, paired=True)
        metrics["kl"] = aggregate(kl_penalty(stats.logprobs.detach(), mb.ref_logprobs, kind=self.kl_estimator),
                                  mask, "token")
        metrics["entropy"] = aggregate(stats.entropy, mask, "token")
        return LossOutput(out.loss, {k: v.detach() for k, v in metrics.items()})

    def _reference_logprobs(self, *args: Tensor, temperature: float, group: Tensor | None) -> Tensor:
        del temperature  # DPO compares the models themselves: temperature 1 (see the module docstring)
        return self.policy.frozen_reference.logprobs(*args, group=group)


class IterativeDPO(OnlineDPO):
    """Iterative DPO (report sec 6.22.2): online DPO whose reference is the policy of the previous round.

    Args:
        ref_update_every: Iterations (rollouts) per round; after each round the reference becomes the
            current policy.
        **kwargs: Everything of :class:`OnlineDPO`.
    """

    def __init__(self, *args, ref_update_every: int = 50, **kwargs) -> None:
        super().__init__(*args, ref_update_every=ref_update_every, **kwargs)

"""PPO with a critic for LLMs (report sec 3.1, eq 8, 17-22).

Schulman et al. 2017 (arXiv:1707.06347); the LLM recipe of Ouyang et al. 2022 (InstructGPT,
arXiv:2203.02155) and Huang et al. 2024 ("The N+ implementation details of RLHF with PPO",
arXiv:2403.17031). Each completion token is an action: the sequence reward arrives on the last token,
minus ``kl_coef`` times the per-token KL to the reference on every token (``kl_in_reward``, estimated by
``reward_kl_estimator``, default k1: the only estimator whose score-function gradient is grad KL(pi||ref),
losses/kl.py); a critic
(``heads.Critic``, three forms of sec 3.1.6) gives ``V(s_t)``; GAE (eq 8) gives advantages and
lambda-returns; the loss is the policy loss (eq 17; ``dual_clip`` eq 20 or ``kl_penalty`` eq 19 by
name) plus ``vf_coef`` times the (optionally clipped) value loss, minus the entropy bonus (eq 18), over
``batching.update_epochs`` x minibatches of one rollout. ``advantage_level: sequence`` is eq 22,
``A = R - V(q)``, with the whole-sequence return as every token's value target.

Deliberate deviations:
- The entropy bonus uses the sampled-token score-function estimate (``losses.entropy_surrogate``),
  not the full-vocabulary entropy with gradients.
- Advantages are whitened over the rollout's valid tokens by default (``whiten_advantages``), as
  every public PPO-for-LLM implementation does; eq 8 itself is raw.
- With ``kl_in_reward: false`` the KL term goes into the loss per token, as in GRPO (``kl.estimator``).
- ``kl_penalty``'s beta (eq 19) is ``self.penalty_beta``; ``AdaptiveKLController(coef="penalty_beta",
  metric="train/penalty_kl")`` doubles / halves it around a target. ``train/penalty_kl`` is KL(pi_old || pi)
  at the update's last micro-batch forward, the latest the hooks see: with one epoch of one minibatch it is 0
  (pi is still pi_old), so eq 19's rule wants ``batching.update_epochs >= 2``.
"""

from __future__ import annotations

import inspect
import warnings
from functools import partial
from typing import Any

import torch
from torch import Tensor

from lit_reason.advantages import gae, last_token_rewards, returns, whiten
from lit_reason.algorithms.base import LossOutput, OnPolicyModule, Targets
from lit_reason.heads import Critic
from lit_reason.losses import (
    aggregate,
    check_reward_estimator,
    clip_fraction,
    kl_penalty,
    resolve_policy_loss,
)
from lit_reason.losses.policy import entropy_surrogate
from lit_reason.losses.value import explained_variance, value_loss
from lit_reason.rollout import Rollout

ADVANTAGE_LEVELS = ("token", "sequence")


class PPO(OnPolicyModule):
    """Proximal Policy Optimization with a learned critic.

    Args:
        critic: Critic form: ``separate`` (own backbone), ``shared`` (policy backbone + head) or
            ``frozen`` (frozen backbone copy + trainable head).
        value_init_std: Initial weight scale of the value head (0: every value starts at 0).
        gamma: Discount of GAE.
        lam: Lambda of GAE.
        vf_coef: c_1 of eq 18, the value loss weight.
        value_clip: Clip range of the value loss around the collection-time values; None for none.
        entropy_coef: c_2 of eq 18 (callbacks may change ``self.entropy_coef``).
        policy_loss: ``clip`` (eq 17), ``dual_clip`` (eq 20), ``kl_penalty`` (eq 19) or ``pg``.
        eps_low: Lower clip range of ``clip`` / ``dual_clip``.
        eps_high: Upper clip range of ``clip`` / ``dual_clip``.
        dual_clip_c: c of ``dual_clip``.
        penalty_beta: Initial beta of ``kl_penalty`` (KL to the sampling policy, not to the reference); callbacks
            may change ``self.penalty_beta`` (eq 19's adaptive rule: ``AdaptiveKLController(coef="penalty_beta")``).
        advantage_level: ``token`` (GAE, eq 8) or ``sequence`` (eq 22).
        whiten_advantages: Normalise advantages over the rollout's valid tokens.
        kl_in_reward: Subtract ``kl_coef`` x per-token KL to the reference from the token rewards
            (else add it to the loss, estimated by ``kl.estimator``).
        reward_kl_estimator: The per-token KL in the reward: ``k1`` (default; its policy gradient is
            grad KL(pi||ref)), ``k2`` or ``k3`` (both warn: k3's gradient cancels near the reference).
        **kwargs: Everything of :class:`OnPolicyModule` (policy, rewards, sampling, batching, kl, ...).
    """

    checkpointed = (*OnPolicyModule.checkpointed, "entropy_coef", "penalty_beta")

    def __init__(
        self,
        *args: Any,
        critic: str = "separate",
        value_init_std: float = 0.0,
        gamma: float = 1.0,
        lam: float = 0.95,
        vf_coef: float = 0.1,
        value_clip: float | None = 0.2,
        entropy_coef: float = 0.0,
        policy_loss: str = "clip",
        eps_low: float = 0.2,
        eps_high: float = 0.2,
        dual_clip_c: float = 3.0,
        penalty_beta: float = 0.01,
        advantage_level: str = "token",
        whiten_advantages: bool = True,
        kl_in_reward: bool = True,
        reward_kl_estimator: str = "k1",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        errors = []
        if advantage_level not in ADVANTAGE_LEVELS:
            errors.append(f"advantage_level must be one of {ADVANTAGE_LEVELS}, got {advantage_level!r}")
        if not (0 <= gamma <= 1 and 0 <= lam <= 1):
            errors.append(f"gamma and lam must be in [0, 1], got {gamma}, {lam}")
        if vf_coef < 0 or entropy_coef < 0:
            errors.append(f"vf_coef and entropy_coef must be >= 0, got {vf_coef}, {entropy_coef}")
        if value_clip is not None and value_clip <= 0:
            errors.append(f"value_clip must be > 0 or null, got {value_clip}")
        if penalty_beta < 0:
            errors.append(f"penalty_beta must be >= 0, got {penalty_beta}")
        try:
            fn = resolve_policy_loss(policy_loss)
        except ValueError as e:
            errors.append(f"policy_loss: {e}")
        try:
            warning = check_reward_estimator(reward_kl_estimator)
        except ValueError as e:
            errors.append(str(e))
        if errors:
            raise ValueError("PPO: " + "; ".join(errors))
        if warning and kl_in_reward:
            warnings.warn(f"PPO: {warning}", stacklevel=2)
        options = {"eps_low": eps_low, "eps_high": eps_high, "clip_c": dual_clip_c}
        accepted = inspect.signature(fn).parameters
        self._policy_loss = partial(fn, **{k: v for k, v in options.items() if k in accepted})
        self._penalised = "beta" in accepted  # kl_penalty: beta is read from self.penalty_beta at each call
        self.penalty_beta = penalty_beta
        self._estimate = self._gae if advantage_level == "token" else self._sequence_level
        self.critic = Critic(self.policy, critic, value_init_std)
        self.entropy_coef = entropy_coef

    # ------------------------------------------------------------------ annotation and advantages
    def annotate(self, rollout: Rollout) -> None:
        """The base annotation, plus the critic's values at collection time (the old values)."""
        super().annotate(rollout)
        rollout.values = self.critic(rollout.input_ids, rollout.attention_mask, rollout.completion_mask)

    def token_rewards(self, rollout: Rollout) -> Tensor:
        """(B, T) rewards per token: the sequence reward on the last token, minus ``kl_coef`` x KL with
        ``kl_in_reward``."""
        mask = rollout.completion_mask
        token_rewards = last_token_rewards(rollout.rewards, mask)  # (B, T)
        if self.hparams.kl_in_reward and rollout.ref_logprobs is not None:
            kl = kl_penalty(rollout.old_logprobs, rollout.ref_logprobs, kind=self.hparams.reward_kl_estimator)
            token_rewards = token_rewards - self.kl_coef * torch.where(mask.bool(), kl, 0.0)
        return token_rewards

    def advantages(self, rollout: Rollout) -> Targets:
        """GAE (eq 8) or eq 22 over :meth:`token_rewards`, with the critic's targets as ``returns``."""
        mask = rollout.completion_mask
        adv, ret = self._estimate(self.token_rewards(rollout), rollout.values, mask)
        if self.hparams.whiten_advantages:
            adv = whiten(adv, mask) if adv.dim() == 2 else whiten(adv)
        return Targets(adv, ret)

    def _gae(self, token_rewards: Tensor, values: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        adv = gae(token_rewards, values, mask, gamma=self.hparams.gamma, lam=self.hparams.lam)  # (B, T)
        return adv, returns(adv, values, mask)

    def _sequence_level(self, token_rewards: Tensor, values: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        """Eq 22: ``A = R - V(q)`` per sequence; every token's value target is the sequence return R."""
        ret = token_rewards.sum(1)  # (B,) undiscounted return
        adv = ret - values[:, 0]  # V(q): the value of the state before the first completion token
        return adv, torch.where(mask.bool(), ret.unsqueeze(1), 0.0)  # (B,), (B, T)

    # ------------------------------------------------------------------ loss
    def loss(self, minibatch: Rollout) -> LossOutput:
        mb, hp = minibatch, self.hparams
        mask = mb.completion_mask
        stats = self.logprob_stats(mb)
        beta = {"beta": self.penalty_beta} if self._penalised else {}
        per_token = self._policy_loss(stats.logprobs, mb.old_logprobs, mb.advantages, **beta)  # (B, T)
        if self.entropy_coef > 0:
            per_token = per_token + self.entropy_coef * entropy_surrogate(stats.logprobs, stats.entropy)
        metrics = {"clip_frac": clip_fraction(stats.logprobs, mb.old_logprobs, mb.advantages, mask,
                                              eps_low=hp.eps_low, eps_high=hp.eps_high)}
        policy_loss = self.finish_loss(per_token, stats, mb, metrics, kl_in_loss=not hp.kl_in_reward,
                                       kl_kind=hp.reward_kl_estimator)
        values = self.critic(mb.input_ids, mb.attention_mask, mask)  # (B, T)
        v_loss = aggregate(value_loss(values, mb.values, mb.returns, clip_range=hp.value_clip), mask,
                           hp.loss_aggregation, max_len=self.sampling.max_new_tokens)
        metrics.update(policy_loss=policy_loss, value_loss=v_loss,
                       explained_variance=explained_variance(values.detach(), mb.returns, mask),
                       value_mean=aggregate(values.detach(), mask, "token"))
        if self._penalised:  # eq 19's d: the last forward of the update (later steps overwrite earlier ones)
            self.record(penalty_kl=float(metrics["approx_kl_old"]), penalty_beta=self.penalty_beta)
        loss = policy_loss + hp.vf_coef * v_loss
        return LossOutput(loss, {k: v.detach() for k, v in metrics.items()})

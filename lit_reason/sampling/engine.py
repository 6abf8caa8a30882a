"""The rollout-engine interface: what a learner needs from whatever samples for it.

An engine generates :class:`~lit_reason.rollout.Rollout` s and holds a copy (or a view) of the policy's
weights at some *policy version*: the number of learner updates those weights have seen. The learner calls
``sync_weights(version)`` before each collection when the engine is behind, and every sample is stamped
with the version it came from (``Rollout.policy_version``), so staleness is measured, not assumed.

Engines:

- ``hf`` (:class:`~lit_reason.sampling.hf.HFSampler`): the policy's own modules; runs on CPU; syncing is
  free (it samples with the learner's weights), so its rollouts are always on-policy.
- ``vllm`` (:class:`~lit_reason.sampling.vllm.VLLMEngine`): a colocated vLLM ``LLM`` on GPU that sleeps
  while the learner trains; its weights are copied in after each update and its log-probabilities differ
  from the learner's, so the learner's truncated importance-sampling correction (eq 132) is on by default.
- ``ray`` (:class:`~lit_reason.distributed.RayAsyncEngine`): generator actors on a Ray cluster that sample
  ``depth`` learner steps ahead (report sec 8.4.4); stale samples, so the IS correction is on by default.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import torch

from lit_reason.policy import Policy, Prompt
from lit_reason.rollout import Rollout
from lit_reason.sampling.params import SamplingParams


@runtime_checkable
class RolloutEngine(Protocol):
    """A sampler a learner can use (see the module docstring)."""

    policy_version: int

    def generate(
        self,
        prompts: list[Prompt],
        params: SamplingParams,
        *,
        columns: dict[str, list[Any]] | None = None,
        generator: torch.Generator | list[torch.Generator] | None = None,
        counts: list[int] | None = None,
    ) -> Rollout:
        """``counts[i]`` (default ``params.n``) samples of prompt i, stamped with :attr:`policy_version`."""
        ...

    def sync_weights(self, version: int) -> None:
        """Takes the policy's current weights, which have seen ``version`` learner updates."""
        ...


ENGINES = ("hf", "vllm", "ray")


def build_engine(
    name: str, policy: Policy, *, batch_size: int | None = None, vllm: Any = None, ray: Any = None
) -> RolloutEngine:
    """The engine named ``name`` (one of :data:`ENGINES`) for ``policy``.

    Args:
        name: ``hf`` or ``vllm``.
        policy: The learner's policy.
        batch_size: Prompts per generation chunk (HF engine).
        vllm: :class:`~lit_reason.sampling.vllm.VLLMSettings` of the vLLM engine (default settings if None).
        ray: :class:`~lit_reason.distributed.RaySettings` of the asynchronous actor-learner engine.

    Raises:
        ValueError: An unknown name, naming the valid ones.
    """
    if name == "hf":
        from lit_reason.sampling.hf import HFSampler

        return HFSampler(policy, batch_size=batch_size)
    if name == "vllm":
        from lit_reason.sampling.vllm import VLLMEngine, VLLMSettings

        return VLLMEngine(policy, vllm or VLLMSettings())
    if name == "ray":
        from lit_reason.distributed.actor_learner import RayAsyncEngine, RaySettings

        return RayAsyncEngine(policy, ray or RaySettings())
    raise ValueError(f"engine must be one of {ENGINES}, got {name!r}")

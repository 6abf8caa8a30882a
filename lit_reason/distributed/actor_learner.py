"""The asynchronous actor-learner of report sec 8.4.4 on Ray: generator actors sample while the learner trains.

:class:`RayAsyncEngine` is a rollout engine (``sampling/engine.py``), so any on-policy learner uses it with
``engine: ray``. Each call ``generate(batch t)`` hands batch t to a generator actor and returns the rollout
of an earlier batch, which the actors produced while the learner was training on the one before: the
learner trains ``depth`` steps behind its sampler, and generation overlaps the update instead of
preceding it. Pieces:

- **Generator actors** (``ray.remote``): each holds its own copy of the policy and an inner engine (``hf``
  on CPU; ``vllm`` on a GPU actor), and samples with the weights of the last version it received.
- **Bounded queue**: at most ``depth`` batches are in flight; the learner blocks on the oldest one when the
  queue is full, so the actors can never run away from the learner.
- **Weights through the object store**: after each update :meth:`sync_weights` ``ray.put`` s the state dict
  once and every actor loads that one object (Ray's shared memory, no copy per actor on one node). An actor
  runs its method calls in order, so a batch submitted after a sync samples with those weights.
- **Staleness**: every sample is stamped with the version it came from; ``train/staleness`` (learner updates
  since) is logged by the learner, and a rollout older than ``max_staleness`` versions is dropped and
  regenerated with the current weights (counted in ``async/stale_dropped``).
- **IS correction** (eq 132): samples come from older weights, so the learner's truncated importance
  weight against its own pi_old is on by default with this engine (``OnPolicyModule(is_correction=ISSettings(kind=None))``).
"""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass
from typing import Any

import torch

from lit_reason.policy import Policy, Prompt
from lit_reason.rollout import Rollout
from lit_reason.sampling.params import SamplingParams

INNER_ENGINES = ("hf", "vllm")


@dataclass
class RaySettings:
    """Options of the asynchronous actor-learner.

    Args:
        num_generators: Generator actors.
        depth: Batches in flight (the learner trains this many steps behind the sampler); >= 1.
        max_staleness: Oldest policy version (in learner updates) a rollout may come from; >= ``depth``.
        inner: Engine inside each actor: ``hf`` (CPU) or ``vllm`` (one GPU per actor).
        num_cpus: CPUs reserved per actor (Ray placement).
        num_gpus: GPUs per actor (1 for ``vllm``).
        address: Ray cluster to join; None starts a local one (``ray.init()``) if none is running.
    """

    num_generators: int = 1
    depth: int = 1
    max_staleness: int = 1
    inner: str = "hf"
    num_cpus: float = 1.0
    num_gpus: float = 0.0
    address: str | None = None

    def __post_init__(self) -> None:
        errors = []
        if self.num_generators < 1 or self.depth < 1:
            errors.append(f"num_generators and depth must be >= 1, got {self.num_generators}, {self.depth}")
        if self.max_staleness < self.depth:
            errors.append(f"max_staleness ({self.max_staleness}) must be >= depth ({self.depth}): every "
                          "rollout of a full queue is depth versions old")
        if self.inner not in INNER_ENGINES:
            errors.append(f"inner must be one of {INNER_ENGINES}, got {self.inner!r}")
        if errors:
            raise ValueError("RaySettings: " + "; ".join(errors))


class _Generator:
    """One generator actor: a policy copy, an inner engine, and the weights of the last version it got."""

    def __init__(self, policy: Policy, inner: str) -> None:
        from lit_reason.sampling.engine import build_engine

        torch.set_num_threads(1)  # actors share the node's cores with the learner
        self.policy = policy
        self.engine = build_engine(inner, policy)

    def set_weights(self, state: dict[str, torch.Tensor], version: int) -> None:
        self.policy.model.load_state_dict(state, strict=False)  # trainable weights only (LoRA: adapters)
        self.engine.sync_weights(version)

    def version(self) -> int:
        """The policy version this actor samples with."""
        return self.engine.policy_version

    def generate(self, prompts: list[Prompt], params: SamplingParams, columns: dict[str, list[Any]],
                 seed: int, counts: list[int] | None) -> Rollout:
        gen = torch.Generator().manual_seed(seed)
        return self.engine.generate(prompts, params, columns=columns, generator=gen, counts=counts)


class RayAsyncEngine:
    """Rollouts from Ray generator actors, ``depth`` learner steps ahead (see the module docstring).

    Args:
        policy: The learner's policy (copied into every actor once, then only weights travel).
        settings: Actor count, queue depth, staleness bound, placement.

    Raises:
        ImportError: Ray is not installed (``pip install "lit-reason[ray]"``).
    """

    def __init__(self, policy: Policy, settings: RaySettings) -> None:
        try:
            import ray
        except ImportError as e:
            raise ImportError('engine "ray" needs Ray: pip install "lit-reason[ray]"') from e
        if not ray.is_initialized():
            ray.init(address=settings.address, include_dashboard=False, log_to_driver=False)
        self._ray, self.policy, self.settings = ray, policy, settings
        actor = ray.remote(num_cpus=settings.num_cpus, num_gpus=settings.num_gpus)(_Generator)
        frozen = copy.deepcopy(policy).requires_grad_(False)
        frozen.__dict__["_frozen"] = None  # actors sample; they need no reference model
        shared = ray.put(frozen)
        self.actors = [actor.remote(shared, settings.inner) for _ in range(settings.num_generators)]
        self.policy_version = 0
        self.stale_dropped = 0
        self._next = 0
        self._primed = False
        self._queue: deque[tuple[Any, tuple]] = deque()

    def sync_weights(self, version: int) -> None:
        """Broadcasts the learner's trainable weights as one object-store entry; actors load it in order."""
        state = {k: v.detach().cpu() for k, v in self.policy.model.state_dict().items()}
        ref = self._ray.put(state)
        for a in self.actors:
            a.set_weights.remote(ref, version)
        self.policy_version = version

    def generate(
        self,
        prompts: list[Prompt],
        params: SamplingParams,
        *,
        columns: dict[str, list[Any]] | None = None,
        generator: torch.Generator | list[torch.Generator] | None = None,
        counts: list[int] | None = None,
    ) -> Rollout:
        """Submits this batch and returns the oldest one in flight (``depth`` batches ago).

        The first call fills the queue: it samples the first batch ``1 + depth`` times (fresh seeds), returns
        one draw at once and queues the others, so from then on each call submits one batch and takes one.
        """
        gen = generator[0] if isinstance(generator, list) else generator
        seed = int(torch.randint(0, 2**62, (1,), generator=gen)) if gen is not None else 0
        request = (list(prompts), params, dict(columns or {}), seed, counts)
        if not self._primed:
            self._primed = True
            self._queue.extend((self._submit(request, seed + k), request) for k in range(1, self.settings.depth + 1))
            return self._ray.get(self._submit(request, seed))
        self._queue.append((self._submit(request, seed), request))
        ref, request = self._queue.popleft()
        rollout = self._ray.get(ref)
        if self.policy_version - int(rollout.policy_version.min()) > self.settings.max_staleness:
            self.stale_dropped += 1  # e.g. after a resume: regenerate with the current weights
            rollout = self._ray.get(self._submit(request, request[3]))
        return rollout

    def _submit(self, request: tuple, seed: int) -> Any:
        prompts, params, columns, _, counts = request
        actor = self.actors[self._next % len(self.actors)]
        self._next += 1
        return actor.generate.remote(prompts, params, columns, seed, counts)

    def shutdown(self) -> None:
        """Ends the actors (the Ray cluster stays up)."""
        for a in self.actors:
            self._ray.kill(a)
        self.actors = []

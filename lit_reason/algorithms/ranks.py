"""What a learner needs to behave the same on 1 rank or N (Lightning DDP; a single device is N = 1).

Three rules keep ``N ranks x batch b`` equal to ``1 rank x batch N*b`` and make a DDP checkpoint resume
exactly on any number of ranks:

1. Random streams are keyed, not carried: every iteration's RNG is seeded from ``(seed, iteration, key)``
   (:func:`keyed_generator`), so no rank's generator state has to be saved (Lightning writes rank 0's
   checkpoint only) and sampling keys on the *global* generation chunk, not on the rank.
2. Loss shares are global: a micro-batch's share of a token-mean loss divides by the token count of the
   whole minibatch over all ranks (:func:`share_scale`); DDP then averages gradients over ranks, which
   the share undoes by the factor ``world_size``.
3. Decisions are collective: a non-finite loss on one rank skips the step on all of them
   (:func:`all_finite`), since a rank that skips a backward would leave the others waiting in all-reduce.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from typing import Any

import torch
from lightning.pytorch.strategies import ParallelStrategy
from torch import Tensor


def keyed_seed(*keys: Any) -> int:
    """A 63-bit seed that is a pure function of ``keys`` (BLAKE2b of their text)."""
    digest = hashlib.blake2b("/".join(map(str, keys)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def keyed_generator(*keys: Any) -> torch.Generator:
    """A CPU generator seeded with :func:`keyed_seed` of ``keys``."""
    return torch.Generator().manual_seed(keyed_seed(*keys))


def world_size(module: Any) -> int:
    """Ranks of the module's trainer (1 without a trainer)."""
    trainer = module._trainer
    return trainer.world_size if trainer is not None else 1


def global_sum(module: Any, value: Tensor | float) -> Tensor:
    """Sum of ``value`` over ranks (the value itself on one rank)."""
    t = torch.as_tensor(value, dtype=torch.float64, device=module.device)
    if world_size(module) == 1:
        return t
    return module.trainer.strategy.reduce(t.clone(), reduce_op="sum")


def share_scale(module: Any, local_total: Tensor | float) -> float:
    """``world_size / (sum over ranks of local_total)``: times a micro-batch's weight, its global share.

    DDP averages gradients over ranks; the factor ``world_size`` turns that average into the sum over ranks
    that a global mean needs. On one rank this is ``1 / local_total``.
    """
    return float(world_size(module) / global_sum(module, local_total).clamp(min=1e-12))


def all_finite(module: Any, loss: Tensor) -> bool:
    """True when the loss is finite on every rank."""
    finite = bool(torch.isfinite(loss.detach()).all())
    if world_size(module) == 1:
        return finite
    return module.trainer.strategy.reduce_boolean_decision(finite, all=True)


def all_equal(module: Any, value: int) -> bool:
    """True when every rank holds the same integer."""
    if world_size(module) == 1:
        return True
    gathered = module.all_gather(torch.tensor(value, device=module.device))
    return bool((gathered == value).all())


@contextlib.contextmanager
def no_grad_sync(module: Any, skip: bool) -> Iterator[None]:
    """Under DDP and with ``skip``, no gradient all-reduce in the backward passes inside (accumulation)."""
    strategy = module.trainer.strategy if module._trainer is not None else None
    if skip and isinstance(strategy, ParallelStrategy):
        with strategy.block_backward_sync():
            yield
    else:
        yield

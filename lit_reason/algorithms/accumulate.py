"""One optimizer step of an on-policy minibatch: micro-batch shares, accumulation and the clipped step.

A micro-batch's loss is weighted by its share of the whole minibatch *over all ranks* (``ranks.py`` rule 2),
so the accumulated gradient is the same for any split into micro-batches and any number of ranks; the
non-finite decision is taken on every rank together (rule 3). Kept apart from ``OnPolicyModule`` so the
base reads as its iteration and hooks.
"""

from __future__ import annotations

from typing import Any

import torch

from lit_reason.algorithms.ranks import all_finite, no_grad_sync, share_scale
from lit_reason.rollout import Rollout

# The weight of a set of samples in a minibatch's loss, per loss aggregation (see losses/aggregate.py): a
# micro-batch's share of the loss is its weight over the minibatch's weight summed over all ranks.
MICRO_SHARES = {
    "token": lambda rollout: rollout.completion_mask.sum(),
    "sequence": len,
    "constant": len,
}


def accumulate(module: Any, mb: Rollout) -> dict[str, float] | None:
    """Forward/backward of ``module.loss`` over the micro-batches of ``mb``, each weighted by its share.

    Returns the share-weighted sums of the loss and its metrics, or None (and no gradient left) when a loss
    is non-finite on any rank (``module.nonfinite`` counts it and stops the run past its limit).
    """
    sums: dict[str, float] = {}
    micros = list(module.batching.micro_batches(mb))
    scale = share_scale(module, module.micro_share(mb))  # the minibatch's loss weight over all ranks
    for i, micro in enumerate(micros):
        share = float(module.micro_share(micro)) * scale
        out = module.loss(micro.trimmed())
        # Decided on every rank together: a rank that skipped alone would leave the others in all-reduce.
        finite = all_finite(module, out.loss)
        if not module.nonfinite.check(out.loss, f"at iteration {module.iteration}", finite=finite):
            module.optimizers().zero_grad(set_to_none=True)  # drop the earlier micro-batches' gradients
            return None
        with no_grad_sync(module, skip=i < len(micros) - 1):  # one all-reduce per optimizer step
            module.manual_backward(out.loss * share)
        for k, v in {"loss": out.loss, **out.metrics}.items():
            sums[k] = sums.get(k, 0.0) + float(v.detach()) * float(share)
    return sums


def clip_and_step(module: Any, opt: Any, sched: Any, max_grad_norm: float) -> float:
    """Clips the gradients to ``max_grad_norm``, steps optimizer and schedule; returns the norm before clipping."""
    params = [p for p in module.parameters() if p.grad is not None]
    norm = torch.nn.utils.get_total_norm([p.grad for p in params]) if params else torch.tensor(0.0)
    module.clip_gradients(opt, gradient_clip_val=max_grad_norm, gradient_clip_algorithm="norm")
    opt.step()
    opt.zero_grad(set_to_none=True)
    sched.step()
    return float(norm)

"""Unbiased pass@k (Chen et al. 2021, "Evaluating Large Language Models Trained on Code",
arXiv:2107.03374, eq. 1 and its numerically stable form in Fig. 3); report §8.1.2, ``val/pass@k``.

With ``n`` samples of a problem of which ``c`` pass, ``pass@k = 1 - C(n - c, k) / C(n, k)``: the
probability that at least one of ``k`` samples drawn without replacement from the ``n`` passes.
Averaged over problems. The product form ``1 - prod_{i=n-c+1}^{n} (1 - k / i)`` avoids the huge
binomials.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torchmetrics import Metric

__all__ = ["pass_at_k", "PassAtK"]


def pass_at_k(num_samples: torch.Tensor, num_correct: torch.Tensor, k: int) -> torch.Tensor:
    """Per-problem unbiased pass@k estimate.

    Args:
        num_samples: ``n`` per problem, shape (P,), integers >= k.
        num_correct: ``c`` per problem, shape (P,), 0 <= c <= n.
        k: Samples allowed per problem, >= 1.

    Returns:
        (P,) float64 estimates in [0, 1]; average them for the benchmark figure.

    Raises:
        ValueError: ``k < 1``, ``n < k`` (the estimator is undefined) or ``c`` outside [0, n].

    Example:
        >>> pass_at_k(torch.tensor([5, 5]), torch.tensor([1, 0]), k=2)
        tensor([0.4000, 0.0000], dtype=torch.float64)
    """
    n = torch.as_tensor(num_samples, dtype=torch.float64).reshape(-1)
    c = torch.as_tensor(num_correct, dtype=torch.float64).reshape(-1)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if n.shape != c.shape:
        raise ValueError(f"num_samples and num_correct must have the same shape, got {tuple(n.shape)}, {tuple(c.shape)}")
    if bool((n < k).any()):
        raise ValueError(f"pass@{k} needs at least k samples per problem, got n={n.min().item():.0f}")
    if bool(((c < 0) | (c > n)).any()):
        raise ValueError("num_correct must lie in [0, num_samples]")
    # prod_{i=n-c+1}^{n} (1 - k/i): the i run over the c largest values <= n; terms with i <= k are
    # <= 0, meaning every k-subset contains a correct sample (n - c < k), so pass@k = 1.
    width = int(c.max().item()) if c.numel() else 0
    i = n[:, None] - torch.arange(width, dtype=torch.float64)[None, :]  # (P, W): n, n-1, ...
    active = torch.arange(width, dtype=torch.float64)[None, :] < c[:, None]
    terms = torch.where(active, (1.0 - k / i).clamp(min=0.0), torch.ones_like(i))
    return 1.0 - terms.prod(dim=1)


class PassAtK(Metric):
    """Mean unbiased pass@k over problems, for any set of k, as a torchmetrics ``Metric``.

    Args:
        k: One k or several; ``compute`` returns ``{"pass@k": value}`` for each.

    Example:
        >>> metric = PassAtK(k=(1, 2))
        >>> metric.update(torch.tensor([4, 4]), torch.tensor([2, 0]))
        >>> {name: round(v.item(), 4) for name, v in metric.compute().items()}
        {'pass@1': 0.25, 'pass@2': 0.4167}
    """

    full_state_update = False
    higher_is_better = True

    def __init__(self, k: int | Sequence[int] = 1, **kwargs) -> None:
        super().__init__(**kwargs)
        self.ks = (k,) if isinstance(k, int) else tuple(k)
        if not self.ks or min(self.ks) < 1:
            raise ValueError(f"k must be one or more integers >= 1, got {k}")
        self.add_state("total", default=torch.zeros(len(self.ks), dtype=torch.float64), dist_reduce_fx="sum")
        self.add_state("problems", default=torch.tensor(0, dtype=torch.long), dist_reduce_fx="sum")

    def update(self, num_samples: torch.Tensor, num_correct: torch.Tensor) -> None:
        """Add problems.

        Args:
            num_samples: (P,) samples drawn per problem.
            num_correct: (P,) samples that passed all tests.
        """
        num_samples = torch.as_tensor(num_samples).reshape(-1)
        per_k = [pass_at_k(num_samples, num_correct, k).sum() for k in self.ks]
        self.total += torch.stack(per_k).to(self.total.device)
        self.problems += num_samples.numel()

    def update_from_groups(self, correct: torch.Tensor, group: torch.Tensor) -> None:
        """Add problems given per-sample outcomes and the Rollout's ``group`` ids.

        Args:
            correct: (B,) bool or 0/1, whether each sample passed.
            group: (B,) problem id of each sample (samples of one prompt share it).
        """
        ids, inverse = torch.unique(torch.as_tensor(group), return_inverse=True)
        n = torch.zeros(len(ids), dtype=torch.long).index_add_(0, inverse, torch.ones_like(inverse))
        c = torch.zeros(len(ids), dtype=torch.long).index_add_(0, inverse, torch.as_tensor(correct).long())
        self.update(n, c)

    def compute(self) -> dict[str, torch.Tensor]:
        if int(self.problems) == 0:
            raise ValueError("PassAtK.compute() called before any update()")
        mean = self.total / self.problems
        return {f"pass@{k}": mean[j] for j, k in enumerate(self.ks)}

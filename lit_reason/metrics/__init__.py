"""Evaluation metrics: pure estimators and their torchmetrics wrappers."""

from lit_reason.metrics.pass_at_k import PassAtK, pass_at_k

__all__ = ["PassAtK", "pass_at_k"]

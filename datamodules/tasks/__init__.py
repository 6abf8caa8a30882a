"""Synthetic task generators with difficulty levels: arithmetic expressions and their code-writing
counterpart. They produce prompt rows; the DataModules serve them."""

from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask, canonical, evaluate
from lit_reason.datamodules.tasks.code import CodeArithmeticTask, CodeExpressionTask

__all__ = ["ArithmeticTask", "CodeArithmeticTask", "CodeExpressionTask", "canonical", "evaluate"]

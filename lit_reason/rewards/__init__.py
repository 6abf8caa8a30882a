"""Reward functions with the TRL signature ``fn(prompts, completions, **columns) -> list[float | None]``."""

from lit_reason.rewards.combine import RewardFunctionError, WeightedSum, reward_name
from lit_reason.rewards.format import ThinkFormat, think_format
from lit_reason.rewards.judge import JUDGE_PROMPTS, JudgeEnsemble, JudgePrompt, LLMJudge, PairwiseJudge
from lit_reason.rewards.judge.parse import parse_score, parse_verdict
from lit_reason.rewards.length import LengthPenalty, length_penalty
from lit_reason.rewards.math import MathAccuracy, answers_equal, extract_answer, math_accuracy
from lit_reason.rewards.registry import get_reward

__all__ = [
    "JUDGE_PROMPTS",
    "JudgeEnsemble",
    "JudgePrompt",
    "LLMJudge",
    "PairwiseJudge",
    "parse_score",
    "parse_verdict",
    "LengthPenalty",
    "MathAccuracy",
    "RewardFunctionError",
    "ThinkFormat",
    "WeightedSum",
    "answers_equal",
    "extract_answer",
    "get_reward",
    "length_penalty",
    "math_accuracy",
    "reward_name",
    "think_format",
]

"""LLM-as-a-judge rewards (report sec 3.4): the judges (:mod:`.llm`) and the reading of their replies
(:mod:`.parse`)."""

from lit_reason.rewards.judge.llm import (
    JUDGE_PROMPTS,
    PAIRWISE_PROMPTS,
    JudgeEnsemble,
    JudgePrompt,
    LLMJudge,
    PairwiseJudge,
    resolve_judge_prompt,
)
from lit_reason.rewards.judge.parse import parse_score, parse_verdict

__all__ = [
    "JUDGE_PROMPTS",
    "PAIRWISE_PROMPTS",
    "JudgeEnsemble",
    "JudgePrompt",
    "LLMJudge",
    "PairwiseJudge",
    "parse_score",
    "parse_verdict",
    "resolve_judge_prompt",
]

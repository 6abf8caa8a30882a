"""``math_accuracy``: the rule-based accuracy reward for math answers.

Rule-based outcome reward of DeepSeek-R1 (arXiv:2501.12948 §2.2.2), report §3.5.1 and eq. 36:
r = 1 when the final answer of the completion equals the reference answer, else 0. Extraction is
:mod:`lit_reason.rewards.math.extract`, comparison :mod:`lit_reason.rewards.math.equal` (safe parser, exact rationals, sympy under a
time limit). Deliberate choices:

- ``None`` (cannot score) when no answer can be extracted, per DESIGN.md, never a silent 0;
- a completion that boxes several *different* answers scores 0 (a hedge), unless together they
  form the gold list (``\\boxed{2}`` and ``\\boxed{3}`` for the gold ``2, 3``);
- a guess inside ``<think>`` does not count when an answer section follows it.
"""

from __future__ import annotations

import re

from lit_reason.rewards.math.equal import answers_equal
from lit_reason.rewards.math.extract import extract_answer, extract_answers

__all__ = ["MathAccuracy", "math_accuracy", "extract_answer", "answers_equal"]

_FINAL_RE = re.compile(r"final answer", re.IGNORECASE)


class MathAccuracy:
    """Configurable math accuracy reward with the TRL reward-function signature.

    Args:
        tolerance: Relative tolerance for irrational / complex constants; exact rationals are
            always compared exactly.
        require_units: Whether unit words (``\\text{cm}``, "apples") must match the gold's.
        allow_fallback: Whether a completion with no ``\\boxed{}``, ``<answer>`` tag, "answer is"
            or ``####`` marker is read at all: as a bare answer, its last math span or its last
            standalone number (:mod:`lit_reason.rewards.math.final`).
        timeout_s: Time limit in seconds for the symbolic comparison of one pair (None: none).

    Example:
        >>> reward = MathAccuracy(allow_fallback=False)
        >>> reward(["Q"] * 3, [r"\\boxed{\\frac12}", "I think 0.5", r"\\boxed{2}"], answer=["0.5"] * 3)
        [1.0, None, 0.0]
    """

    __name__ = "math_accuracy"

    def __init__(
        self,
        tolerance: float = 1e-6,
        require_units: bool = False,
        allow_fallback: bool = True,
        timeout_s: float | None = 1.0,
    ):
        if not tolerance >= 0:
            raise ValueError(f"tolerance must be >= 0, got {tolerance}")
        if timeout_s is not None and not timeout_s > 0:
            raise ValueError(f"timeout_s must be > 0 or None, got {timeout_s}")
        self.tolerance = tolerance
        self.require_units = require_units
        self.allow_fallback = allow_fallback
        self.timeout_s = timeout_s

    def __repr__(self) -> str:
        return (
            f"MathAccuracy(tolerance={self.tolerance}, require_units={self.require_units}, "
            f"allow_fallback={self.allow_fallback}, timeout_s={self.timeout_s})"
        )

    def equal(self, pred: str, gold: str) -> bool:
        """:func:`answers_equal` with this instance's settings."""
        return answers_equal(
            pred, gold, tolerance=self.tolerance, require_units=self.require_units, timeout_s=self.timeout_s
        )

    def score(self, completion: str, gold: str) -> float | None:
        """Reward of one completion against its gold answer.

        Args:
            completion: The generated text.
            gold: The reference answer, or a full reference solution whose answer is marked by
                ``\\boxed{}`` (MATH) or ``####`` (GSM8K).

        Returns:
            1.0 correct, 0.0 wrong or hedged, None when no answer can be extracted.
        """
        if "\\boxed" in gold or "####" in gold or "\\fbox" in gold or _FINAL_RE.search(gold):
            # A full reference solution (MATH "solution", GSM8K "answer" columns): take its answer;
            # several boxes ("\\boxed{1} and \\boxed{-2}") are together the answer.
            gold = ", ".join(extract_answers(gold, allow_fallback=False)) or gold
        answers = extract_answers(completion, allow_fallback=self.allow_fallback)
        if not answers:
            return None
        final = answers[-1]
        if all(self.equal(other, final) for other in answers[:-1]):
            return float(self.equal(final, gold))
        # Different boxed answers: right only when together they are the gold list.
        return float(self.equal(", ".join(answers), gold))

    def __call__(
        self, prompts: list[str], completions: list[str], answer: list[str], **columns
    ) -> list[float | None]:
        """Score a batch (TRL signature).

        Args:
            prompts: The prompts (unused; part of the signature).
            completions: Generated texts, one per prompt. Chat-format completions (a list of
                ``{"role", "content"}`` messages) are read from their last message.
            answer: Gold answers, one per completion.
            **columns: Other dataset columns (ignored).

        Returns:
            One reward per completion: 1.0, 0.0 or None.
        """
        if len(completions) != len(answer):
            raise ValueError(f"math_accuracy: {len(completions)} completions but {len(answer)} answers")
        out: list[float | None] = []
        for completion, gold in zip(completions, answer):
            if isinstance(completion, list):  # conversational format: [{"role", "content"}, ...]
                completion = completion[-1]["content"] if completion else ""
            out.append(self.score(completion, str(gold)))
        return out


math_accuracy = MathAccuracy()

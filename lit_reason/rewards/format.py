"""Format reward (report sec 3.5.2 eq. 37): did the completion use the reasoning template?

DeepSeek-R1 (Guo et al. 2025, arXiv:2501.12948, sec. 2.2.2) rewards completions that put their
reasoning in ``<think>...</think>`` followed by the final answer in ``<answer>...</answer>``.
"""

from __future__ import annotations

import re


class ThinkFormat:
    """Reward ``r_plus`` for ``<think>...</think><answer>...</answer>``, ``r_minus`` otherwise.

    A completion is well formatted when it is exactly one think block followed by exactly one
    answer block, with only whitespace before, between and after them. Each tag occurs once
    (no nested or repeated blocks); the contents may span lines and may be empty.

    TRL-compatible reward: ``fn(prompts, completions, **columns) -> list[float | None]``. It
    never returns None: every string can be judged.

    Args:
        r_plus: Reward of a well-formatted completion.
        r_minus: Reward of any other completion.
        think_tag: Name of the reasoning tag.
        answer_tag: Name of the answer tag.
        completion_prefix: Text the prompt already ends with and the completion continues, e.g.
            ``"<think>"`` when the chat template pre-fills the opening tag; it is prepended to
            each completion before matching.
        name: The ``__name__`` under which the reward is logged.

    Example:
        >>> think_format(["q", "q"], ["<think>2+2 is 4</think> <answer>4</answer>", "4"])
        [1.0, 0.0]
        >>> strict = ThinkFormat(r_plus=1.0, r_minus=-1.0, completion_prefix="<think>")
        >>> strict(["q"], ["so 4</think>\\n<answer>4</answer>\\n"])
        [1.0]
    """

    def __init__(
        self,
        r_plus: float = 1.0,
        r_minus: float = 0.0,
        *,
        think_tag: str = "think",
        answer_tag: str = "answer",
        completion_prefix: str = "",
        name: str = "think_format",
    ) -> None:
        for option, tag in (("think_tag", think_tag), ("answer_tag", answer_tag)):
            if not re.fullmatch(r"[A-Za-z][\w-]*", tag):
                raise ValueError(f"{option} must be a tag name like 'think'; got {tag!r}")
        if think_tag == answer_tag:
            raise ValueError(f"think_tag and answer_tag must differ; both are {think_tag!r}")
        self.r_plus = float(r_plus)
        self.r_minus = float(r_minus)
        self.completion_prefix = completion_prefix
        self.__name__ = name
        self._tags = tuple(f"<{t}>" for t in (think_tag, answer_tag)) + tuple(
            f"</{t}>" for t in (think_tag, answer_tag)
        )
        t, a = re.escape(think_tag), re.escape(answer_tag)
        self._pattern = re.compile(rf"\s*<{t}>.*?</{t}>\s*<{a}>.*?</{a}>\s*", re.DOTALL)

    def is_formatted(self, completion: str) -> bool:
        """Whether ``completion`` (after ``completion_prefix``) follows the template.

        Args:
            completion: The generated text.

        Returns:
            True when the text is one think block then one answer block, whitespace aside.
        """
        text = self.completion_prefix + completion
        if any(text.count(tag) != 1 for tag in self._tags):
            return False
        return self._pattern.fullmatch(text) is not None

    def __call__(self, prompts: list[str], completions: list[str], **columns) -> list[float | None]:
        """Score each completion; ``prompts`` and ``columns`` are unused.

        Args:
            prompts: The prompts, one per completion.
            completions: The generated texts.
            **columns: Dataset columns (ignored).

        Returns:
            ``r_plus`` or ``r_minus`` per completion.

        Raises:
            TypeError: A completion is not a string (the message names the row).
        """
        scores: list[float | None] = []
        for row, completion in enumerate(completions):
            if not isinstance(completion, str):
                raise TypeError(
                    f"{self.__name__}: completion at row {row} is {type(completion).__name__}, not str"
                )
            scores.append(self.r_plus if self.is_formatted(completion) else self.r_minus)
        return scores

    def __repr__(self) -> str:
        return f"ThinkFormat(r_plus={self.r_plus}, r_minus={self.r_minus}, name={self.__name__!r})"


think_format = ThinkFormat()

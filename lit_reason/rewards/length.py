"""Length penalty (report sec 3.5.3 eq. 38): ``R_length(o) = -lambda * max(0, |o| - L_max)``."""

from __future__ import annotations

from collections.abc import Sequence

UNITS = ("chars", "tokens")


class LengthPenalty:
    """Linear penalty on the part of a completion longer than ``max_len`` (report eq. 38).

    Length is measured, by an explicit choice rather than by whichever column happens to be
    present (TRL always passes ``completion_ids``, which would silently change the unit):

    - ``unit="chars"`` (default): ``len(completion)`` in characters. Independent of the
      tokenizer, so one setting means the same for every model.
    - ``unit="tokens"``: ``len(completion_ids[i])``, from the ``completion_ids`` column that TRL
      and lit-reason pass to rewards (token ids per completion, without padding). Missing column
      -> ValueError.

    TRL-compatible reward: ``fn(prompts, completions, **columns) -> list[float | None]``; it
    never returns None.

    Args:
        max_len: ``L_max``, the free length, >= 0.
        coef: ``lambda``, the penalty per unit of length over ``max_len``, >= 0.
        unit: ``"chars"`` or ``"tokens"``.
        name: The ``__name__`` under which the reward is logged.

    Example:
        >>> LengthPenalty(max_len=4, coef=0.5)(["q", "q"], ["abc", "abcdefg"])
        [0.0, -1.5]
        >>> LengthPenalty(max_len=1, coef=1.0, unit="tokens")(["q"], ["abc"], completion_ids=[[5, 6, 7]])
        [-2.0]
    """

    def __init__(
        self, max_len: int, coef: float, unit: str = "chars", *, name: str = "length_penalty"
    ) -> None:
        if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 0:
            raise ValueError(f"max_len must be an int >= 0; got {max_len!r}")
        if not coef >= 0:
            raise ValueError(f"coef must be >= 0; got {coef!r}")
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {UNITS}; got {unit!r}")
        self.max_len = max_len
        self.coef = float(coef)
        self.unit = unit
        self.__name__ = name

    def _lengths(self, completions: Sequence[str], completion_ids: Sequence | None) -> list[int]:
        if self.unit == "chars":
            return [len(c) for c in completions]
        if completion_ids is None:
            raise ValueError(f"{self.__name__}: unit='tokens' needs the completion_ids column")
        if len(completion_ids) != len(completions):
            raise ValueError(
                f"{self.__name__}: {len(completion_ids)} completion_ids for {len(completions)} completions"
            )
        return [len(ids) for ids in completion_ids]

    def __call__(
        self,
        prompts: list[str],
        completions: list[str],
        completion_ids: Sequence[Sequence[int]] | None = None,
        **columns,
    ) -> list[float | None]:
        """Penalise each completion by its length over ``max_len``.

        Args:
            prompts: The prompts, one per completion (unused).
            completions: The generated texts.
            completion_ids: Token ids per completion, unpadded; read only when ``unit="tokens"``.
            **columns: Other dataset columns (ignored).

        Returns:
            ``-coef * max(0, length - max_len)`` per completion (0.0 or negative).

        Raises:
            ValueError: ``unit="tokens"`` without a ``completion_ids`` column of the right length.
        """
        lengths = self._lengths(completions, completion_ids)
        # 0.0 - x rather than -x so that no-penalty rows read 0.0, never -0.0.
        return [0.0 - self.coef * max(0, n - self.max_len) for n in lengths]

    def __repr__(self) -> str:
        return (
            f"LengthPenalty(max_len={self.max_len}, coef={self.coef}, unit={self.unit!r}, "
            f"name={self.__name__!r})"
        )


# Default preset: free up to 1024 characters, then -0.001 per character (-1 per 1000 over).
length_penalty = LengthPenalty(max_len=1024, coef=1e-3)

"""The novelty reward of DSPRO (report sec 7.10.2, eq 105): distance of an answer to an archive of past ones.

    R_novelty(o) = min_{o' in Archive} d(o, o')

``d`` is the character n-gram Jaccard distance (0 for the same n-grams, 1 for none shared), so rephrasings
of an archived solution earn little and a new solution path earns up to 1. Mix it into the task reward with
a small weight (``WeightedSum``, eq 39): alone it rewards noise.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any


def ngrams(text: str, n: int = 3) -> frozenset[str]:
    """Character n-grams of ``text`` (the whole text when shorter than n; empty for an empty text)."""
    if len(text) <= n:
        return frozenset([text]) if text else frozenset()
    return frozenset(text[i : i + n] for i in range(len(text) - n + 1))


def jaccard_distance(a: frozenset[str], b: frozenset[str]) -> float:
    """``1 - |a & b| / |a | b|``; two empty sets are at distance 0.

    >>> jaccard_distance(frozenset("ab"), frozenset("bc"))
    0.6666666666666667
    """
    union = len(a | b)
    return 0.0 if union == 0 else 1.0 - len(a & b) / union


def novelty(
    completions: Sequence[str], archive: Iterable[frozenset[str]], *, n: int = 3,
    distance: Callable[[frozenset[str], frozenset[str]], float] = jaccard_distance,
) -> list[float]:
    """Eq 105 for each completion against ``archive`` (n-gram sets); 1.0 against an empty archive.

    >>> novelty(["1+1=2", "7*6=42"], [ngrams("1+1=2")])
    [0.0, 1.0]
    """
    archive = list(archive)
    grams = [ngrams(c, n) for c in completions]
    return [min((distance(g, a) for a in archive), default=1.0) for g in grams]


class NoveltyReward:
    """A reward function (TRL signature) scoring eq 105 against the last ``archive_size`` completions.

    Each call scores the batch against the archive as it was *before* the batch, then archives the batch,
    so that a sample is not compared with itself and duplicates within a batch are all new once.

    Args:
        archive_size: Completions kept (oldest dropped first).
        n: Character n-gram length of the distance.
    """

    __name__ = "novelty"

    def __init__(self, archive_size: int = 512, n: int = 3) -> None:
        if archive_size < 1 or n < 1:
            raise ValueError(f"NoveltyReward: archive_size and n must be >= 1, got {archive_size}, {n}")
        self.n = n
        self.archive: deque[frozenset[str]] = deque(maxlen=archive_size)

    def __call__(self, prompts: list[Any], completions: list[str], **columns: Any) -> list[float]:
        scores = novelty(completions, self.archive, n=self.n)
        self.archive.extend(ngrams(c, self.n) for c in completions)
        return scores

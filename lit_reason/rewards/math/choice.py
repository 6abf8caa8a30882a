"""Multiple-choice answers: the option letter a model commits to, against a gold letter.

Models answer a multiple-choice question with the letter and often the option's content after
it (``(C) 12``, ``\\textbf{(D) }\\frac{3}{4}``, ``C) 12``, ``B. 3/4``, "Option C"); the gold is the
letter (AQuA, MMLU, AMC answer keys). Qwen2.5-Math's grader and PRM800K's compare the letter alone,
so the content after it is not compared: it restates the option. Report §3.5.1.
"""

from __future__ import annotations

import re

__all__ = ["choices_equal"]

# Capital letters only: "a) 2" in a solution is more often a part label than an option; a lower-case
# letter in parentheses that is the whole answer ("(c)") is the option, since nothing else is given.
_BARE_RE = re.compile(r"\(?([A-E])\)?|\(([a-e])\)")
_OTHER_LABEL_RE = re.compile(r"\([A-E]\)|\b[A-E]\)")
_LABEL_RE = re.compile(r"(?:(?:option|choice)\s+)?(?:\(([A-E])\)|([A-E])(?:[).:](?=\s|$)|$))", re.IGNORECASE)


def _bare(text: str) -> str | None:
    m = _BARE_RE.fullmatch(text.strip())
    return (m.group(1) or m.group(2).upper()) if m else None


def _labelled(text: str) -> str | None:
    m = _LABEL_RE.match(text.strip())
    if m is None or _OTHER_LABEL_RE.search(text.strip()[m.end() :]):
        return None  # "(A) and (C)" picks two options
    letter = m.group(1) or m.group(2)
    return letter if letter.isupper() else None


def choices_equal(pred: str, gold: str) -> bool | None:
    """Compare option letters when one side is a bare letter and the other starts with one.

    Args:
        pred: Normalised prediction text.
        gold: Normalised gold text.

    Returns:
        Whether the letters agree; None when the pair is not a multiple-choice pair.

    Example:
        >>> choices_equal("(C) 12", "C"), choices_equal("Option B", "(C)"), choices_equal("12", "C")
        (True, False, None)
    """
    gold_letter, pred_letter = _bare(gold), _bare(pred)
    if gold_letter is not None:
        pred_letter = pred_letter or _labelled(pred)
    elif pred_letter is not None:
        gold_letter = _labelled(gold)
    if gold_letter is None or pred_letter is None:
        return None
    return pred_letter == gold_letter

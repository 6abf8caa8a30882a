"""Reading a judge model's free-form reply: a numeric score (report sec 3.4.2, 6.9.2) or an A/B verdict.

A judge is a language model, so its reply is text and is often malformed. The rule here is conservative:
a reply yields a value only when it states one unambiguously; anything else is ``None`` ("cannot score",
counted by the trainer), never an exception and never a guess.

Scores are read in tiers; the first tier that finds anything decides, and within it every value found must
agree and lie on the scale:

1. a score keyword and its value: ``Score: 4``, ``final score = 4``, ``rating: four``, ``评分：8``
   (``Score: 4-5`` or ``4 or 5`` is a hedge: None);
2. other explicit forms: ``4/5`` and ``4 out of 5`` (the denominator must be the scale's top, else None),
   ``**4**``, ``\\boxed{4}``, ``I'd give it a four``, ``3 points`` (not ``Add 1 point``), ``8分``;
3. a reply that is a bare number and nothing else (``4``, ``4.``, ``four``).

Number words zero to ten count as numbers. A reply that repeats the question's numbers and then states a
score keeps only the score (tier 1 wins). Two different explicit scores, a score off the scale, or no
explicit score at all give None.
"""

from __future__ import annotations

import re

_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten".split())}
# A number: digits (optional decimals, not part of a longer word or number) or a number word.
# ASCII word characters only: "8分" is a number followed by the Chinese for "points".
_NUM = r"(?<![A-Za-z0-9_.])(\d+(?:\.\d+)?|" + "|".join(_WORDS) + r")(?![A-Za-z0-9_]|\.\d)"
_HEDGE = re.compile(r"\s*(?:-|–|~|to|or|and)\s*(?:\d|" + "|".join(_WORDS) + r")\b", re.I)
_KEYWORD = re.compile(
    r"(?:(?:final|overall|total)\s+)?(?:score|rating|grade|total(?:\s+points)?|分数|评分|得分|总分)"
    r"\s*(?:is|of|was|would\s+be|=|:|：)?\s*(?:is\s+|would\s+be\s+)?" + _NUM,
    re.I,
)
_FRACTION = re.compile(_NUM + r"\s*(?:/|out\s+of)\s*(\d+)", re.I)
_EXPLICIT = [
    re.compile(r"\*\*\s*" + _NUM + r"\s*\*\*", re.I),
    re.compile(r"\\boxed\{\s*" + _NUM + r"\s*\}", re.I),
    re.compile(
        r"\b(?:give|giving|gave|rate|award|assign)\s+(?:it|this|the\s+(?:response|answer))?\s*"
        r"(?:an?\s+)?(?:score\s+of\s+)?" + _NUM,
        re.I,
    ),
    re.compile(r"(?<!add )(?<!adds )" + _NUM + r"\s*(?:points?\b|分)", re.I),
]
_MARKUP = re.compile(r"[*_`#>]+")


def _value(token: str) -> float:
    return float(_WORDS[token.lower()]) if token.lower() in _WORDS else float(token)


def _keyword_scores(text: str) -> list[float] | None:
    """Values after a score keyword; None when one of them is a hedge (``4-5``, ``4 or 5``)."""
    found = []
    for m in _KEYWORD.finditer(text):
        if _HEDGE.match(text, m.end()):
            return None
        found.append(_value(m.group(1)))
    return found


def _explicit_scores(raw: str, text: str, high: float) -> list[float] | None:
    """Tier-2 values; None when a fraction's denominator is not the scale's top."""
    found = []
    for m in _FRACTION.finditer(text):
        if float(m.group(2)) != high:
            return None
        found.append(_value(m.group(1)))
    for pattern in _EXPLICIT:
        source = raw if pattern is _EXPLICIT[0] else text  # bold needs the markup the others strip
        found += [_value(m.group(1)) for m in pattern.finditer(source)]
    return found


def parse_score(reply: str, low: float, high: float) -> float | None:
    """The score a judge's reply states on the scale ``[low, high]``, or None.

    Args:
        reply: The judge's generated text (include the cue it continues, e.g. ``"Score: " + reply``).
        low: Lowest score of the scale (1 for the 1-10 prompt, 0 for the additive 5-point prompt).
        high: Highest score.

    Returns:
        The score as stated (not normalised), or None when there is none, several differ, one is off the
        scale, or it is hedged.

    Example:
        >>> parse_score("**Score:** 4/5 - relevant and clear", 0, 5)
        4.0
        >>> parse_score("12+3=15 is right. Score: 5", 0, 5)  # the keyword tier decides
        5.0
        >>> parse_score("It is a 4 or maybe a 3", 0, 5) is None
        True
    """
    if not isinstance(reply, str):
        return None
    text = _MARKUP.sub(" ", reply)
    tiers = [
        lambda: _keyword_scores(text),
        lambda: _explicit_scores(reply, text, high),
        lambda: [_value(m.group(1)) for m in re.finditer(r"^\W*" + _NUM + r"\W*$", text.strip(), re.I)],
    ]
    for tier in tiers:
        found = tier()
        if found is None:
            return None
        if found:
            values = set(found)
            if len(values) != 1:
                return None
            (value,) = values
            return value if low <= value <= high else None
    return None


_CHOICE = r"\(?\[?([AB])\]?\)?(?![A-Za-z0-9_])"  # the letter itself is case-sensitive: "a" is an article
_VERDICTS = [
    re.compile(
        r"(?i:\b(?:choose|chose|pick|picked|select|selected|prefer|preferred|winner(?:\s+is)?|verdict"
        r"|better\s+(?:one|response|answer)\s+is|best\s+(?:one|response|answer)\s+is)|选择|选)"
        r"\s*[:：]?\s*(?i:(?:answer|response|option|回答)\s*)?" + _CHOICE
    ),
    re.compile(
        r"(?i:(?:answer|response|option|回答)\s*)" + _CHOICE
        + r"\s*(?i:(?:is|was)\s+)?(?i:(?:clearly|much|slightly|far|significantly)\s+)?"
        r"(?i:better|superior|preferred|stronger|more\s+(?:accurate|helpful|correct)|更好|较好|更优)"
    ),
    re.compile(
        r"(?<![\w])([AB])\s+(?i:is\s+(?:clearly\s+|much\s+|slightly\s+|far\s+)?"
        r"(?:better|superior|preferred|the\s+better))"
    ),
]


def parse_verdict(reply: str) -> str | None:
    """Which answer a pairwise judge's reply picks: ``"A"``, ``"B"`` or None.

    Explicit statements count (``I choose B``, ``Answer A is better``, ``选择A``, ``Winner: **B**``), as does a
    reply that opens with a lone letter (``B``, ``B.``, ``(A) because ...``). Replies naming both as the
    winner, or neither (``tie``, ``both are equally good``), give None.

    Args:
        reply: The judge's generated text.

    Returns:
        ``"A"``, ``"B"`` or None.

    Example:
        >>> parse_verdict("**Answer B** is better because it is correct.")
        'B'
        >>> parse_verdict("A is better. On reflection, I choose B.") is None
        True
    """
    if not isinstance(reply, str):
        return None
    text = _MARKUP.sub(" ", reply)
    found = {m.group(1) for pattern in _VERDICTS for m in pattern.finditer(text)}
    if not found:
        lead = re.match(r"^[\s\"'(\[]*([AB])(?:[\s\"')\].:,;!]*$|[\"')\].:,;!\n]|\s+(?:-|—|because|since))",
                        text)
        found = {lead.group(1)} if lead else set()
    return found.pop() if len(found) == 1 else None

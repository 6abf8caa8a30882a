"""``answers_equal``: does a predicted answer string equal the gold answer string?

Fast paths first, because an RL step scores thousands of short answers: identical normalised
strings, then exact rational numbers (``1,000`` = ``1000``, ``0.5`` = ``\\frac{1}{2}``, ``4 4/9``),
and only then the sympy path (safe parser + :mod:`lit_reason.rewards.math.values`) under a per-pair time limit.
Conventions: MATH (Hendrycks et al. 2021, arXiv:2103.03874) for ``\\%``, ``^\\circ``, units and
``\\text{}``; GSM8K (Cobbe et al. 2021, arXiv:2110.14168) for integers. Report §3.5.1.
"""

from __future__ import annotations

import re

import sympy

from lit_reason.rewards.math.choice import choices_equal
from lit_reason.rewards.math.lex import FUNCTION_WORDS, ParseError
from lit_reason.rewards.math.normalize import Normalized, normalize_answer, parse_plain_number, rounded_equal
from lit_reason.rewards.math.parse import parse_math
from lit_reason.rewards.math.timeout import MathTimeout, call_with_timeout
from lit_reason.rewards.math.values import values_equal

__all__ = ["answers_equal", "symbolic_equal"]

_MAX_SYMBOLIC_CHARS = 600
_MAX_ANSWER_CHARS = 5000
_MATH_WORDS = frozenset(FUNCTION_WORDS) | {
    "pi", "or", "and", "infty", "inf", "infinity", "frac", "sqrt", "cdot", "times", "left", "right",
    "le", "leq", "ge", "geq", "ne", "neq", "in", "cup", "pm", "mp", "begin", "end", "pmatrix",
    "bmatrix", "vmatrix", "smallmatrix", "matrix", "array", "mathbb", "varnothing", "emptyset", "binom", "div",
    "lt", "gt", "lfloor", "rfloor", "lceil", "rceil", "approx", "boxed", "mathrm", "mathbf", "text", "operatorname",
}
_VERDICT_RE = re.compile(r"(yes|no|true|false)\s*[,.;:]\s*\w", re.IGNORECASE)
# A named point, "A(1, 2)" or "P'(0, 3)": the tuple is the answer (a capital does not multiply a tuple).
_POINT_RE = re.compile(r"[A-Z]'?\s*(\(.+,.+\))")
_SHORT_WORDS = frozenset("yes no odd even all none true false neither both".split())
_WORD_RE = re.compile(r"\\?[A-Za-z]{2,}")
_GREEK_RE = re.compile(r"\\[A-Za-z]+")
_DECIMAL_COMMA_RE = re.compile(r"-?\d+,\d+")
_BASE_RE = re.compile(r"([0-9A-F]+)_(\d{1,2})")
# The left side of "f(2) = 11", "(a,b) = (3,4)", "\\angle ABC = 40": a name, not a quantity.
_NAMED_LHS_RE = re.compile(
    r"\s*(?:\\angle\s*[A-Z]{1,3}|[A-Za-z](?:_\{?\w+\}?)?(?:\^\{?-1\}?)?(?:\([^()=]*\))?|\((?:\s*[A-Za-z]\s*,)+\s*[A-Za-z]\s*\))\s*=(?!=)"
)


def _is_text_answer(s: str) -> bool:
    """A word answer ("Evelyn", "no solution", "either 3 or 4") rather than a formula.

    Short lower-case letter runs are products of variables (``xy``, ``abc``), so a word counts
    as text when it has 4+ letters, is a capitalised name (``Bob``) or a known short answer.
    """
    for word in _WORD_RE.findall(s):
        if word.startswith("\\") or word.lower() in _MATH_WORDS:
            continue  # LaTeX commands and function names are maths
        if len(word) >= 4 or word.lower() in _SHORT_WORDS or (len(word) >= 3 and word[0].isupper() and word[1:].islower()):
            return True
    return False


def _text_key(s: str) -> str:
    s = _GREEK_RE.sub(lambda m: m.group(0)[1:], s).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", s).split())


def _texts_equal(p: str, g: str) -> bool:
    """Word answers compare by their letters; "Yes, it is possible." answers the gold "Yes" (the
    verdict word, then its reason)."""
    pk, gk = _text_key(p), _text_key(g)
    if pk == gk:
        return True
    verdict = _VERDICT_RE.match(p.strip())
    return verdict is not None and gk == verdict.group(1).lower()


def _numbers_equal(p: Normalized, g: Normalized) -> bool | None:
    """Exact comparison when both sides are plain numbers; None when either is not."""
    pn = parse_plain_number(p.text)
    if pn is None:
        return None
    gn = parse_plain_number(g.text)
    if gn is None:
        return None
    # "50\%" may be graded against 50 (MATH drops the sign) or against 0.5 (its value); with the sign on
    # both sides only the numbers themselves compare (0.5\% is not 50\%).
    one_percent = p.percent != g.percent
    return (pn == gn or (one_percent and (pn / 100 == gn if p.percent else gn / 100 == pn))
            or rounded_equal(pn, gn))


def _decimal_comma(p: str, g: str) -> bool:
    """``3,25`` for the gold 3.25: a decimal comma, read so only against the same digits with a point."""
    return any(_DECIMAL_COMMA_RE.fullmatch(x) is not None and x.replace(",", ".") == y for x, y in ((p, g), (g, p)))


def _labelled_value(text: str) -> str | None:
    """The value of a gold that names what it gives: ``(p,q)=(3,2)``, ``|AB| = 5``, ``V_1 : V_2 = 11:21``.

    The left side is a name when, subscripts aside, it holds letters and no digit, sum or relation
    (``7 = 11a + c`` and ``x + y = 5`` are equations, not names).
    """
    lhs, sep, rhs = text.partition("=")
    if not sep or "=" in rhs or not rhs.strip():
        return None
    name = re.sub(r"_\{?\w+\}?", "", lhs)
    if re.search(r"[\d<>+\-]|\\[lg]e", name) or not re.search(r"[A-Za-z]", name):
        return None
    return rhs.strip()


def _base_value(s: str) -> tuple[str, int] | None:
    """``204_5`` -> ("204", 54): the digits and their value in base 2..36 (None when not one)."""
    m = _BASE_RE.fullmatch(s)
    if not m or not 2 <= int(m.group(2)) <= 36:
        return None
    try:
        return m.group(1), int(m.group(1), int(m.group(2)))
    except ValueError:  # a digit not in the base: 29_2
        return None


def _bases_equal(p: str, g: str) -> bool | None:
    """Base-n numerals: equal when the values match, or when one side drops the subscript of
    the same digits (``204_5`` written as 204); None when neither side is a base-n numeral."""
    pb, gb = _base_value(p), _base_value(g)
    if pb is None and gb is None:
        return None
    if pb is not None and gb is not None:
        return pb[1] == gb[1]
    digits, value = pb or gb
    other = g if pb else p
    return other == digits or (other.isdigit() and int(other) == value)


def _variants(v, norm: Normalized, other: Normalized) -> list:
    """The readings of one side: as written, and the value of a percent or degree sign."""
    out = [v]
    if isinstance(v, sympy.Expr):
        if norm.percent and not other.percent:
            out.append(v / 100)
        if norm.degrees and not other.degrees and "pi" in other.text:
            out.append(v * sympy.pi / 180)
    return out


def _parse_prediction(text: str, gold_is_equation: bool):
    """Parse a prediction; a chain the parser cannot read (``1 + 2 + \\cdots + 10 = 55``) is
    read by its last right-hand side, the value it arrives at (math-verify's "last =" rule)."""
    try:
        return parse_math(text)
    except ParseError:
        head, sep, last = text.rpartition("=")
        if not sep or gold_is_equation or not head.strip() or re.search(r"[<>]|\\[lg]e", text):
            raise
        return parse_math(last.strip())


def symbolic_equal(pred: Normalized, gold: Normalized, tolerance: float) -> bool:
    """Compare two normalised answers with the parser and sympy (no time limit here).

    Args:
        pred: Normalised prediction.
        gold: Normalised gold answer.
        tolerance: Relative tolerance for non-rational constants.

    Returns:
        True when equal; False when different or when either side cannot be parsed.
    """
    if max(len(pred.text), len(gold.text)) > _MAX_SYMBOLIC_CHARS:
        return False
    try:
        gv = parse_math(gold.text)
        pv = _parse_prediction(pred.text, "=" in gold.text)
    except ParseError:
        return False
    try:
        return any(
            values_equal(p, g, tolerance)
            for p in _variants(pv, pred, gold)
            for g in _variants(gv, gold, pred)
        )
    except Exception:  # noqa: BLE001 - sympy raises many types on exotic values: not provably equal
        return False


def answers_equal(
    pred: str,
    gold: str,
    *,
    tolerance: float = 1e-6,
    require_units: bool = False,
    timeout_s: float | None = 1.0,
) -> bool:
    """Whether a predicted final answer equals the gold answer.

    Args:
        pred: The extracted predicted answer (LaTeX or plain text).
        gold: The gold answer (dataset column).
        tolerance: Relative tolerance used when a constant is irrational or complex (``\\pi``,
            ``\\sqrt 2``); two exact rationals (integers, fractions, terminating decimals) are
            always compared exactly, so 1000001 never equals 1000000.
        require_units: When True, the unit words stripped from both sides must match
            (``5\\text{ cm}`` vs ``5\\text{ m}`` differ); by default units are ignored.
        timeout_s: Time limit in seconds for the symbolic path of one pair; on expiry the pair
            is judged unequal. None disables the limit.

    Returns:
        True when the answers are equal.

    Example:
        >>> answers_equal(r"\\dfrac{1}{2}", "0.5"), answers_equal("x=3", "3"), answers_equal("3", "4")
        (True, True, False)
    """
    if max(len(pred), len(gold)) > _MAX_ANSWER_CHARS:  # bounds the regex work of normalisation
        return pred.strip() == gold.strip()
    p, g = normalize_answer(pred), normalize_answer(gold)
    if not p.text or not g.text:
        return False
    if require_units and p.units != g.units:
        return False
    if p.text == g.text or p.text.replace(" ", "") == g.text.replace(" ", ""):
        return True
    if _decimal_comma(p.text, g.text):
        return True
    chosen = choices_equal(p.text, g.text)
    if chosen is not None:
        return chosen
    fast = _numbers_equal(p, g)
    if fast is not None:
        return fast
    based = _bases_equal(p.text, g.text)
    if based is not None:
        return based
    named = _NAMED_LHS_RE.match(p.text)
    if named and "=" not in g.text and "=" not in p.text[named.end() :]:
        # "f(2) = 11" answers 11; the plain-variable case "x = 3" the parser handles itself.
        return answers_equal(p.text[named.end() :], g.text, tolerance=tolerance, timeout_s=timeout_s)
    value = _labelled_value(g.text)
    if value is not None and "=" not in p.text:
        return answers_equal(p.text, value, tolerance=tolerance, timeout_s=timeout_s)
    point = _POINT_RE.fullmatch(p.text)
    if point and not _POINT_RE.fullmatch(g.text):
        return answers_equal(point.group(1), g.text, tolerance=tolerance, timeout_s=timeout_s)
    if _is_text_answer(p.text) or _is_text_answer(g.text):
        return _texts_equal(p.text, g.text)
    try:
        return bool(call_with_timeout(symbolic_equal, (p, g, tolerance), timeout_s))
    except (MathTimeout, RuntimeError):
        return False

"""String normalisation of extracted math answers, and the exact-number fast path.

An extracted answer such as ``$\\dfrac{1}{2}\\,\\text{cm}.$`` is reduced to a canonical LaTeX-ish
string (``\\frac{1}{2}``) plus the side facts that were stripped from it (units, percent, degrees),
which the comparison needs. The rules follow the answer conventions of the MATH dataset
(Hendrycks et al. 2021, arXiv:2103.03874, its ``is_equiv`` normaliser strips ``\\%``, ``^\\circ``,
units in ``\\text{}``, ``\\left``/``\\right`` and ``\\dfrac``) and GSM8K (Cobbe et al. 2021,
arXiv:2110.14168: integers with thousands separators). Report §3.5.1 (rule-based accuracy reward).

Notations that name a plain value in another convention (siunitx, number words, times of day,
``0.(3)``, ``1,00,000``, superscripts) are first rewritten by :mod:`.notation`. Pure string code:
nothing here builds sympy objects, so the fast path costs microseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from lit_reason.rewards.math.notation import align_last_row, rewrite_notation, spelled_number

__all__ = ["Normalized", "normalize_answer", "parse_plain_number", "rounded_equal"]

# Words that may trail a number as a unit ("5 apples", "12 cm"). A trailing word that is a
# maths name or a list connective is never a unit: stripping "or 4" would hide a hedge.
_NOT_UNITS = frozenset(
    "or and pi sin cos tan cot sec csc log ln exp sqrt infty inf i e x y z n k st nd rd th".split()
)  # an ordinal (7th) is not 7 with a unit: graders disagree on it, so it is not stripped
_UNICODE = {
    "\u2212": "-", "\u2013": "-", "\u00d7": "\\times ", "\u00f7": "\\div ", "\u03c0": "\\pi ",
    "\u2248": "\\approx ", "\u2208": "\\in ", "\u00bd": "\\frac{1}{2}", "\u2153": "\\frac{1}{3}",
    "\u2154": "\\frac{2}{3}", "\u00bc": "\\frac{1}{4}", "\u00be": "\\frac{3}{4}", "\u221e": "\\infty ", "\u2264": "\\le ", "\u2265": "\\ge ", "\u2260": "\\ne ", "\u221a": "\\sqrt",
    "\u00b7": "\\cdot ", "\u2009": " ", "\u202f": " ", "\u00a0": " ", "\u2205": "\\varnothing ",
    "\u222a": "\\cup ", "\u00b0": "^\\circ", "\u00ba": "^\\circ", "\u02da": "^\\circ", "\u2044": "/",
    # currency signs, like "\\$", are not part of the value
    "\u20ac": "", "\u00a3": "", "\u00a5": "", "\u20b9": "", "\u5143": "",
}
# Fullwidth digits and punctuation (Chinese and Japanese outputs): ０-９ -> 0-9, ： -> :, 。 -> .
FULLWIDTH = {**{c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}, 0x3002: ".", 0x3001: ","}
_UNICODE_RE = re.compile("|".join(map(re.escape, _UNICODE)))
_SPACING_RE = re.compile(r"(?<!\\)\\[,;:!> ]|\\q?quad\b|\\(?:displaystyle|textstyle|limits)\b|~")
_VERT_RE = re.compile(r"\\[lr]?[vV]ert(?![A-Za-z])")  # \lvert -3 \rvert is |-3|
_LG_RE = re.compile(r"\\lg(?![A-Za-z])")  # lg is the base-10 logarithm (the Chinese and ISO 80000 convention)
_MARKDOWN_RE = re.compile(r"\*\*([^*]+)\*\*|__([^_]+)__|^`+|`+$")  # **391** inside an answer, `1024`
_CURRENCY_CODE_RE = re.compile(r"^(?:Rs\.?|INR|USD|EUR|GBP|US\$)\s*(?=[-+.\d])")
_TRAILING_SPACE_RE = re.compile(r"(?:\\[,;:! ]|\s)+$")
_BRACE_WORDS_RE = re.compile(r"\\lbrace(?![A-Za-z])|\\rbrace(?![A-Za-z])")
_SIZING_RE = re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?![a-zA-Z])\s*")
_FRAC_ALIAS_RE = re.compile(r"\\(?:[dtcs]|nice)frac(?![a-zA-Z])")
_BINOM_ALIAS_RE = re.compile(r"\\[dt]binom(?![a-zA-Z])")
_DEGREE_RE = re.compile(
    r"\^\s*\{?\s*\\circ\s*\}?(?:\s*[CFK](?![A-Za-z]))?|\\(?:text)?degree\b|\^\s*\{\s*\\text\{\s*o\s*\}\s*\}|(?<=\d)\^\s*(?:o|\{\s*o\s*\})(?![A-Za-z])"
)
_PERCENT_RE = re.compile(r"\\?%")
_DOLLAR_RE = re.compile(r"\\\$|\$|\\(?:pounds|euro|yen|textsterling|texteuro|textyen|textdollar)(?![A-Za-z])")
_THOUSANDS_RE = re.compile(r"(?<![\d.])([1-9]\d{0,2})((?:(?:(?:\{,\}|,\\!|\\,)\s?|,|\\ |\s)\d{3})+)(?![\d,])")
_TEXT_CMD_RE = re.compile(
    r"\\(?:text|textbf|textit|textrm|textnormal|mbox|mathrm|mathbf|boldsymbol|bm|operatorname)\s*\{"
)
# Words separated by mandatory spaces: a nested "(word\s*)+" backtracks exponentially.
_TRAILING_WORDS_RE = re.compile(
    r"^(.*?[\d})\]])\s*([A-Za-z][A-Za-z.\-]*(?:\s*/\s*[A-Za-z]+)?(?:\^\{?-?\d\}?)?"
    r"(?:\s+[A-Za-z][A-Za-z.\-]*(?:\s*/\s*[A-Za-z]+)?(?:\^\{?-?\d\}?)?)*)$"
)
# 0.1\overline{6}, 0.\bar{3}, 0.\dot{3}: a repeating decimal, read as the fraction it is.
_REPEATING_RE = re.compile(
    r"(?<![\d.])(\d*)\.(\d*)\s*\\(?:overline|bar)\s*\{\s*(\d+)\s*\}|(?<![\d.])(\d*)\.(\d*)\s*\\(?:dot|bar)\s*\{?\s*(\d)\s*\}?"
)
_SET_BUILDER_RE = re.compile(r"\\\{\s*[a-z]\s*(?:\\in\s*\\mathbb\{R\}\s*)?(?:\\mid|\||:)\s*([^{}]*[a-z][^{}]*)\\\}")
_ALL_REALS_RE = re.compile(r"(?:all |the set of (?:all )?)?real numbers|all reals", re.IGNORECASE)
_APPROX_WORDS_RE = re.compile(r"^(?:about|approximately|approx\.?|around|roughly|nearly)\s+(?=[-+.\d\\$])", re.IGNORECASE)
_TRIG_RE = re.compile(r"\\(?:arc)?(?:sin|cos|tan|cot|sec|csc)(?![A-Za-z])")
_DEGREE_ARG_RE = re.compile(r"(\d+(?:\.\d+)?)\s*\^\s*\{?\s*\\circ\s*\}?")
_BASE_BRACES_RE = re.compile(r"(?<![\w}])((?=[0-9A-F]*\d)[0-9A-F]+)_\{(\d{1,2})\}")
_NUMBER_RE = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
# One spelling per relation, so "x \\geq 5" and "x >= 5" meet on the string fast path.
_RELATIONS = {"\\geq": "\\ge", "\\geqslant": "\\ge", ">=": "\\ge", "\\leq": "\\le", "\\leqslant": "\\le",
              "<=": "\\le", "\\neq": "\\ne", "!=": "\\ne", "\\lt": "<", "\\gt": ">"}
_RELATION_RE = re.compile(r"\\(?:geqslant|leqslant|geq|leq|neq|lt|gt)(?![A-Za-z])|>=|<=|!=")


@dataclass(frozen=True)
class Normalized:
    """A normalised answer string and what was stripped from it.

    Attributes:
        text: Canonical string fed to the comparison (no ``$``, units, ``%`` or ``^\\circ``).
        units: Unit words removed from the end, lower-cased and de-pluralised ("" if none).
        percent: Whether a ``%`` sign was removed.
        degrees: Whether a degree sign was removed.
    """

    text: str
    units: str = ""
    percent: bool = False
    degrees: bool = False


def _unwrap_math_delimiters(s: str) -> str:
    s = s.strip()
    for left, right in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if s.startswith(left) and s.endswith(right) and len(s) >= len(left) + len(right):
            s = s[len(left) : len(s) - len(right)].strip()
    while s.startswith("\\boxed{") and matching_brace(s, 6) == len(s) - 1:  # a box inside the box
        s = s[7:-1].strip()
    return s


def matching_brace(s: str, open_idx: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``open_idx`` (escaped braces skipped), or -1."""
    depth, i = 0, open_idx
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _unwrap_text_commands(s: str) -> tuple[str, list[str]]:
    """Replace ``\\text{...}`` by its content; text after a number is collected as units.

    Returns:
        The string with text wrappers removed (units dropped) and the unit strings found.
    """
    units: list[str] = []
    out, pos = [], 0
    for m in _TEXT_CMD_RE.finditer(s):
        if m.start() < pos:
            continue
        end = matching_brace(s, m.end() - 1)
        if end < 0:
            break
        inner = s[m.end() : end].strip()
        before = "".join(out) + s[pos : m.start()]
        is_unit = (
            bool(re.search(r"(?:[\d})\]]|\\[A-Za-z]+)\s*$", before))  # after 5, \frac{}{}, (x), \pi
            and bool(re.fullmatch(r"[A-Za-z][A-Za-z.\s^\d/-]*", inner))
            and inner.lower() not in _NOT_UNITS
            and re.fullmatch(r"\s*(?:\^\s*\{?\d\}?)?[\s.]*", s[end + 1 :]) is not None
        )
        out.append(s[pos : m.start()])
        if is_unit:
            power = re.match(r"\s*\^\s*\{?(\d)\}?", s[end + 1 :])
            units.append(inner + (f"^{power.group(1)}" if power else ""))
            end += power.end() if power else 0
        else:
            out.append(f" {inner} " if re.fullmatch(r"\s*(or|and)\s*", inner) else inner)
        pos = end + 1
    out.append(s[pos:])
    return "".join(out), units


def _canonical_unit(words: list[str]) -> str:
    parts = []
    for w in " ".join(words).lower().replace(".", " ").split():
        parts.append(w[:-1] if len(w) > 3 and w.endswith("s") else w)
    return " ".join(parts)


def _strip_trailing_words(s: str) -> tuple[str, list[str]]:
    """Drop unit words after a number ("5 apples"); never drop maths names or connectives."""
    m = _TRAILING_WORDS_RE.match(s)
    if not m:
        return s, []
    words = re.sub(r"\s*/\s*", "/", m.group(2)).split()  # km / h is one unit
    if words in (["h"], ["s"], ["m"], ["g"], ["L"]) and re.search(r"\d$", m.group(1)):
        return m.group(1), words  # 3h, 5 m, 20 g: a one-letter unit after a bare number
    if any(part.lower().strip(".") in _NOT_UNITS or len(w) < 2 for w in words for part in w.split("/")):
        return s, []
    return m.group(1), words


def _approximation_dropped(s: str) -> str:
    """``x = \\frac13 \\approx 0.33`` states 1/3: the value before the first ``\\approx`` is the answer.

    Kept when nothing exact precedes it (``x \\approx 4.24`` states 4.24).
    """
    head, sep, _ = s.partition("\\approx")
    if sep and ("=" in head or re.search(r"\d", head)):
        return head.rstrip()
    return s


def _repeating(m: re.Match) -> str:
    whole, fixed, period = (m.group(1), m.group(2), m.group(3)) if m.group(3) else m.group(4, 5, 6)
    value = Fraction(f"{whole or 0}.{fixed or 0}") + Fraction(int(period), (10 ** len(period) - 1) * 10 ** len(fixed))
    return f"\\frac{{{value.numerator}}}{{{value.denominator}}}"


def _join_thousands(m: re.Match) -> str:
    return m.group(1) + re.sub(r"\{,\}|,\\!|,|\\,|\\ |\s", "", m.group(2))


def _thousands(s: str) -> str:
    """Join digit groups: ``10{,}000``, ``10\\,000``, ``1,234,567`` -> digits.

    A bare comma group is joined only when the string is not a comma list of short numbers,
    so ``1,000`` is a thousand while ``1, 2, 3`` stays a list.
    """
    if "," in s and (re.search(r",\s", s) or re.search(r"[(\[]|\\\{", s)):
        # A list with spaces after commas, or a tuple or interval ("(12,102)" is a pair): only join
        # the unambiguous LaTeX separators.
        return re.sub(r"(\d)(?:\{,\}|,\\!|\\,|\\ )\s?(?=\d{3}(?!\d))", r"\1", s)
    return _THOUSANDS_RE.sub(_join_thousands, s)


@lru_cache(maxsize=8192)
def normalize_answer(raw: str) -> Normalized:
    """Normalise an extracted answer string (cached: a group's samples share their gold and often
    their answer).

    Args:
        raw: The answer as extracted from a completion or a dataset column.

    Returns:
        The canonical text and the stripped units / percent / degree facts.

    Example:
        >>> normalize_answer(r"$\\dfrac{1}{2}\\,\\text{cm}.$")
        Normalized(text='\\\\frac{1}{2}', units='cm', percent=False, degrees=False)
    """
    s = _MARKDOWN_RE.sub(lambda m: m.group(1) or m.group(2) or "", raw.translate(FULLWIDTH).strip())
    s = rewrite_notation(_unwrap_math_delimiters(s))
    s = align_last_row(_UNICODE_RE.sub(lambda m: _UNICODE[m.group(0)], s))
    s = _TRAILING_SPACE_RE.sub("", s)  # "12 \\, " before the "," of "\\," is taken for punctuation
    s = s.rstrip(" .,;:")  # keep "!": 5! is a factorial
    s = _unwrap_math_delimiters(s)
    s = _FRAC_ALIAS_RE.sub(r"\\frac", s)
    s = _BINOM_ALIAS_RE.sub(r"\\binom", s)
    s = _SIZING_RE.sub("", s)
    s = _VERT_RE.sub("|", _LG_RE.sub(r"\\log_{10}", s))
    s = _BRACE_WORDS_RE.sub(lambda m: "\\{" if m.group(0) == "\\lbrace" else "\\}", s)
    s = _RELATION_RE.sub(lambda m: _RELATIONS[m.group(0)] + " ", s)
    s = _BASE_BRACES_RE.sub(r"\1_\2", s)  # 204_{5} -> 204_5
    s = _REPEATING_RE.sub(_repeating, s)
    s = _approximation_dropped(s)
    if _TRIG_RE.search(s):  # \sin 30^\circ: an angle in degrees inside a trig function is a value
        s = _DEGREE_ARG_RE.sub(r"(\1 \\pi/180)", s)
    s = _thousands(s)
    s = _SPACING_RE.sub(" ", s)
    s, units = _unwrap_text_commands(s)
    degrees = bool(_DEGREE_RE.search(s))
    s = _DEGREE_RE.sub("", s)
    percent = bool(_PERCENT_RE.search(s))
    s = _PERCENT_RE.sub("", s)
    s = _DOLLAR_RE.sub("", s)
    s = _CURRENCY_CODE_RE.sub("", re.sub(r"\s+", " ", s).strip().rstrip(" .,;:"))
    s = re.sub(r"^(?:=|\\approx)\s*", "", s)
    s = _APPROX_WORDS_RE.sub("", s)
    s = spelled_number(s) or s
    s, words = _strip_trailing_words(s)
    units.extend(words)
    s = s.strip().rstrip(" .,;:")
    builder = _SET_BUILDER_RE.fullmatch(s)
    if builder:  # \{x \mid x > 2\} is the set where x > 2
        s = builder.group(1).strip()
    if _ALL_REALS_RE.fullmatch(s):  # the MATH answer "all real numbers" is the interval
        s = "(-\\infty, \\infty)"
    return Normalized(s, _canonical_unit(units), percent, degrees)


_MIXED_RE = re.compile(r"(-?)(\d+)\s+(\d+)\s*/\s*(\d+)|(-?)(\d+)\s*\\frac\{(\d+)\}\{(\d+)\}")
_FRAC_RE = re.compile(r"(-?)\\frac\{\s*(-?\d+)\s*\}\{\s*(-?\d+)\s*\}|(-?)\\frac(\d)(\d)")
_SLASH_RE = re.compile(r"(-?\d+)\s*/\s*(-?\d+)")


def _mixed_number(s: str) -> Fraction | None:
    m = _MIXED_RE.fullmatch(s)
    if not m:
        return None
    g = m.groups()
    sign, whole, num, den = (g[0], g[1], g[2], g[3]) if g[1] is not None else (g[4], g[5], g[6], g[7])
    if int(den) == 0 or int(num) >= int(den):
        return None
    value = int(whole) + Fraction(int(num), int(den))
    return -value if sign else value


def _decimal_places(x: Fraction) -> int | None:
    """Places of the shortest decimal that writes ``x`` exactly (None when there is none: 1/3)."""
    q, twos, fives = x.denominator, 0, 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    return max(twos, fives) if q == 1 else None


def rounded_equal(a: Fraction, b: Fraction) -> bool:
    """Whether one side is the other rounded or cut to 4+ decimal places (0.0833333 for 1/12).

    Only against a value no decimal writes exactly (1/12, 8/3): two exact decimals
    (0.1234 vs 0.12345) stay exact, and three places (0.333 for 1/3) are too few to tell a rounding
    from a different answer.

    Example:
        >>> rounded_equal(Fraction("2.6667"), Fraction(8, 3)), rounded_equal(Fraction("0.333"), Fraction(1, 3))
        (True, False)
    """
    for x, y in ((a, b), (b, a)):
        places = _decimal_places(x)
        if places is not None and places >= 4 and _decimal_places(y) is None:
            return abs(x - y) <= Fraction(1, 10**places)
    return False


def parse_plain_number(s: str) -> Fraction | None:
    """Parse a plain number (integer, decimal, scientific, fraction, mixed number) exactly.

    Args:
        s: A normalised answer string.

    Returns:
        The exact rational value, or None when ``s`` is not one plain number.

    Example:
        >>> parse_plain_number("4 4/9"), parse_plain_number(r"-\\frac{3}{4}"), parse_plain_number("3e5")
        (Fraction(40, 9), Fraction(-3, 4), Fraction(300000, 1))
    """
    s = s.strip()
    if len(s) > 60:
        return None
    if _NUMBER_RE.fullmatch(s):
        exponent = re.search(r"[eE]([-+]?\d+)$", s)
        if exponent and abs(int(exponent.group(1))) > 400:  # 10**1e9 would stall in C
            return None
        try:
            return Fraction(s)
        except (ValueError, ZeroDivisionError, OverflowError):
            return None
    for regex in (_FRAC_RE, _SLASH_RE):
        m = regex.fullmatch(s)
        if m:
            g = [x for x in m.groups() if x is not None]
            sign = g[0] if len(g) == 3 else ""
            num, den = int(g[-2]), int(g[-1])
            if den == 0:
                return None
            value = Fraction(num, den)
            return -value if sign == "-" else value
    return _mixed_number(s)

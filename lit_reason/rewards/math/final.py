"""The final answer of a completion that marks none (no box, tag, "answer is" or ``####``).

Models often write only the answer (``\\frac{10}{9}``, ``$\\sqrt3 $``, ``.4``, ``1 000``) or end a
solution with it in math mode (``... Hence $$k = \\frac13$$``, ``Answer \\[ 9 \\]``, "Therefore
$x \\geq 5$ is the solution."). Strongest reading first:

1. the whole text, when it is a bare answer: one line (or one LaTeX environment) with no prose
   words, or at most two words and no digit ("Evelyn", "no solution");
2. the last math span (``$$...$$``, ``$...$``, ``\\(...\\)``, ``\\[...\\]``), unless a standalone
   number is written after it;
3. the last standalone number outside math: never a digit inside a word (``AZYUK2A``, ``B2024``,
   ``4b``) or inside a LaTeX expression (``\\frac{10}{9}``, ``x^2``, ``a_2``), so a fallback cannot
   accept a number that is only part of the answer.

A closing "Note: ..." / "Check: ..." paragraph is a remark, not the answer, and a span after
"attained at" / "when" (``$8$, attained at $x = 2$``) is a condition, not the answer.

The MATH convention (Hendrycks et al. 2021) for unmarked answers is the final math expression;
issue 17 lists the failures of a plain last-number fallback. Report §3.5.1.
"""

from __future__ import annotations

import re

__all__ = ["unmarked_answers", "math_spans", "is_bare_answer", "CJK_RE"]

_MAX_BARE_CHARS = 200
_JOIN_RE = re.compile(r"\s*(?:,|,?\s*\b(and|or)\b)\s*", re.IGNORECASE)
# The variable a span states something of: "x = 1", and also "x \\ge 2" ("$x=1$ and $x\\ge2$" is one answer).
_LHS_RE = re.compile(r"\s*([A-Za-z])\s*(?:=(?!=)|[<>]|\\(?:[lg]eq?|[lg]eqslant|neq?|[lg]t)(?![A-Za-z]))")
_CUT_BOX_RE = re.compile(r"\\(?:boxed|fbox)\s*\{([^{}\n]*)$")  # generation cut off before its "}"
_DELIM_RE = re.compile(r"\\[()\[\]]|\\.|\$\$|\$", re.DOTALL)
_TEXT_GROUP_RE = re.compile(r"\\(?:text|textbf|textit|textrm|textnormal|mbox|mathrm|mathbf|operatorname)\s*\{[^{}]*\}")
_COMMAND_RE = re.compile(r"\\(?:begin|end)\s*\{[^{}]*\}|\\[A-Za-z]+")
_LETTERS_RE = re.compile(r"[A-Za-z]{2,}")
# Letter runs that may stand in a bare answer: connectives, function names, unit abbreviations.
_MATH_RUNS = frozenset(
    "or and pm mp mod gcd lcm sin cos tan cot sec csc log ln exp max min lim det "
    "cm mm km kg mg ml ft lb oz mph hr sec deg pct sqrt cbrt arcsin arccos arctan sinh cosh tanh "
    "abs infty inf infinity".split()
)
# Short English words: a two-letter run outside this list is a product of variables (xy, ab).
_PROSE_RUNS = frozenset("is it so we be as at by if in of on to an am do no he me my us up".split())
# Unit abbreviations a number may be glued to (12cm, 1,000.99m², 3h), unlike a letter of a word (4b, 9A).
_GLUED_UNITS = r"(?:cm|mm|km|kg|mg|ml|mph|ft|lb|m|g|s|h)(?:\u00b2|\u00b3|\^\d)?(?![A-Za-z\d])"
# A number that stands alone: not glued to a letter, digit, LaTeX group or sub/superscript on
# either side; thousands grouped by commas or by single spaces; an optional percent after it.
# A Chinese character next to a number ("剩下7个") is prose, not part of a word, so word characters
# here are those of \w less CJK. A time of day (4:30 PM) is one number; a minus may be typeset as an
# en dash or U+2212.
_WORD_CHAR = r"[^\W\u3040-\u30ff\u4e00-\u9fff]"
_STANDALONE_RE = re.compile(
    r"(?<!" + _WORD_CHAR + r")(?<![.\\^{}/])[-+\u2212\u2013]?(?:\d{1,2}:\d{2}(?!\d)(?:\s*(?:[AaPp]\.[Mm]\.|[AaPp][Mm]\b))?|\d+ \d+/\d+(?![\d/])"
    r"|\d{1,3}(?:(?:,|\{,\})\d{3})+(?![\d,])|\d{1,3}(?: \d{3})+(?![\d ]\d)|\d+)(?:\.\d+)?"
    r"(?:\s*/\s*\d+)?(?:(?!" + _WORD_CHAR + r"|[\^{}]|\.\d)|(?=" + _GLUED_UNITS + r"))(?:\s*(?:\\?%|percent\b|pct\b))?"
)


# Plain-text maths a chat model prints in prose: sqrt(2)/2, 4√2, 25π; "x = 3 or x = -1".
_PLAIN_EXPR_RE = re.compile(
    r"(?<![\w.\\])[-+]?(?:\d+(?:\.\d+)?\s*\*?\s*)?(?:\u221a\s*\(?\d+\)?|sqrt\s*\(\s*\d+\s*\)|\u03c0|pi(?![A-Za-z]))"
    r"(?:\s*/\s*\d+)?"
)
_NUM = r"-?\d+(?:\.\d+)?(?:/\d+)?"
_PLAIN_LIST_RE = re.compile(rf"\b([a-z])\s*=\s*{_NUM}(?:\s*(?:,|,?\s*\b(?:or|and)\b)\s*\1\s*=\s*{_NUM})+")
_WORD_ANSWER_RE = re.compile(r"\b(?:no (?:real )?solutions?|undefined|does not exist)\b", re.IGNORECASE)
# "So there are 14 such integers between 1 and 100": the number a verb states, before a tail that
# restates the question's range.
_STATED_RE = re.compile(r"(?:\b(?:is|are|was|were|equals?|gives?|get|has|have|makes?)\b|=)\s*(?:exactly\s+)?(?=[-+\d])")
_RANGE_TAIL_RE = re.compile(r"\b(?:between|from|among|of (?:the|all))\b", re.IGNORECASE)
_LONE_LETTER_RE = re.compile(r"\s*[A-Za-z]\s*")
CJK_RE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")  # Chinese / Japanese text is prose
# A closing paragraph that remarks on the answer ("Note: 3! = 6 as expected, ...") does not restate it.
_REMARK_RE = re.compile(r"\n\s*\n\s*\**(?:note|remark|check|aside|verification)\b[^\n]*$", re.IGNORECASE | re.DOTALL)
# "$8$, attained at $x = 2$": a span after these words is where the answer holds, not the answer.
_CONDITION_GAP_RE = re.compile(
    r"\s*,?\s*(?:(?:which\s+is\s+|and\s+is\s+)?(?:attained|achieved|reached|obtained)\s+)?(?:at|when|where|if)\s*",
    re.IGNORECASE)
_APPROX_RE = re.compile(r"(?:\u2248|\\approx|~|\b(?:about|approximately|roughly)\b)\s*[-+]?[\d.,]+")


def math_spans(text: str) -> list[tuple[int, int, str]]:
    """Math-mode spans of a text, in order: (start, end, content).

    Escaped dollars (``\\$5``) and LaTeX line breaks (``\\\\``) are not delimiters; an unclosed
    delimiter ends the scan.
    """
    spans: list[tuple[int, int, str]] = []
    pos = 0
    while True:
        m = _DELIM_RE.search(text, pos)
        if m is None:
            return spans
        token = m.group(0)
        if token in ("\\)", "\\]") or (token.startswith("\\") and token not in ("\\(", "\\[")):
            pos = m.end()
            continue
        close = {"\\(": "\\)", "\\[": "\\]", "$$": "$$", "$": "$"}[token]
        end = _find_closing(text, close, m.end())
        if end < 0:
            return spans
        spans.append((m.start(), end + len(close), text[m.end() : end]))
        pos = end + len(close)


def _find_closing(text: str, close: str, pos: int) -> int:
    """Index of the next ``close`` from ``pos``; a dollar preceded by a backslash is a price."""
    while True:
        i = text.find(close, pos)
        if i < 0 or close.startswith("\\") or text[i - 1] != "\\":
            return i
        pos = i + 1


def _prose_runs(s: str) -> list[str]:
    """Letter runs of 2+ letters that are words, not LaTeX commands, text groups or maths names."""
    s = _COMMAND_RE.sub(" ", _TEXT_GROUP_RE.sub(" ", s))
    return [w for w in _LETTERS_RE.findall(s) if w.lower() in _PROSE_RUNS or (len(w) > 2 and w.lower() not in _MATH_RUNS)]


def is_bare_answer(s: str) -> bool:
    """Whether a text is only an answer: one line with no prose word, or one or two words with no digit."""
    if len(s) > _MAX_BARE_CHARS or ("\n" in s and "\\begin" not in s):
        return False
    if CJK_RE.search(s):  # Chinese around a number is a sentence ("剩下7个"); alone it is a word answer ("北京")
        return not re.search(r"\d", s)
    words = _prose_runs(s)
    if not words:
        return True
    # One or two words can be a text answer ("Evelyn", "New York"); a function word makes them prose ("no idea").
    return len(s.split()) <= 2 and not any(c.isdigit() for c in s) and not any(w.lower() in _PROSE_RUNS for w in words)


def _is_prose_span(content: str) -> bool:
    """A ``$...$`` pair that is two prices in prose ("$5 per hour and $"), not maths."""
    return len([w for w in _prose_runs(content) if len(w) > 2]) >= 2


def _last_number(text: str) -> str | None:
    numbers = list(_STANDALONE_RE.finditer(text))
    return numbers[-1].group(0).strip() if numbers else None


def _stated_number(text: str) -> str | None:
    """The number after the last verb of the last sentence, when a range follows it (else None)."""
    sentence = re.split(r"(?<=[.!?])\s+|\n", text.strip())[-1]
    stated = list(_STATED_RE.finditer(sentence))
    number = _STANDALONE_RE.match(sentence, stated[-1].end()) if stated else None
    if number is None or not _RANGE_TAIL_RE.search(sentence[number.end() :]):
        return None
    return number.group(0).strip()


def _last_plain(text: str) -> str | None:
    """The last standalone number or plain expression, whichever ends last (an expression holding
    the number wins)."""
    found = [(m.end(), m.end() - m.start(), m.group(0).strip())
             for regex in (_STANDALONE_RE, _PLAIN_EXPR_RE, _PLAIN_LIST_RE) for m in regex.finditer(text)]
    return max(found)[2] if found else None


def _final_run(s: str, spans: list[tuple[int, int, str]]) -> list[str]:
    """The last span, with the spans joined to it by "," / "and" / "or" when they are one answer.

    "$3$ or $4$" is returned whole, so the reward sees the hedge; "$x = 1$ and $x = 2$" and
    "$5$, $6$" are a list; "$a = 2$ and $b = 3$" names two things, of which the last is the answer.
    """
    run, hedge = [spans[-1]], False
    for prev in reversed(spans[:-1]):
        gap = _JOIN_RE.fullmatch(s[prev[1] : run[0][0]])
        if gap is None:
            break
        hedge = hedge or (gap.group(1) or "").lower() == "or"
        run.insert(0, prev)
    contents = [c.strip() for _, _, c in run if c.strip()]
    if hedge or len(contents) < 2:
        return contents
    names = {m.group(1) if (m := _LHS_RE.match(c)) else None for c in contents}
    return contents if len(names) == 1 else contents[-1:]


def unmarked_answers(section: str) -> list[str]:
    """The final answer of a text with no answer marker (see the module docstring).

    Args:
        section: The answer section of a completion (after ``</think>``, or inside a tag).

    Returns:
        The raw answer strings: one, or several when the text ends with a list or a hedge of
        math spans; empty when there is none.

    Example:
        >>> unmarked_answers(r"We have $2 + 3 = 5$. Hence $$\\frac{10}{9}$$")
        ['\\\\frac{10}{9}']
        >>> unmarked_answers(r"It is $3$ or $4$."), unmarked_answers("The code is AZYUK2A.")
        (['3', '4'], [])
    """
    s = section.strip()
    remark = _REMARK_RE.search(s)
    if remark and remark.start() > 0:
        s = s[: remark.start()]
    if not s:
        return []
    cut = _CUT_BOX_RE.search(s)
    if cut and cut.group(1).strip():
        return [cut.group(1).strip()]
    spans = [sp for sp in math_spans(s) if not (s[sp[0]] == "$" and s[sp[0] + 1] != "$" and _is_prose_span(sp[2]))]
    if not spans and is_bare_answer(s):
        return [s]
    outside = "".join(s[a:b] for a, b in zip([0] + [e for _, e, _ in spans], [b for b, _, _ in spans] + [len(s)]))
    if re.search(r"\d", outside):
        # "of $n$ is 34", "19 points in the domain of $f$": a lone variable names what the number answers.
        spans = [sp for sp in spans if not _LONE_LETTER_RE.fullmatch(sp[2])]
    masked, last_end = s, 0
    for start, end, _ in spans:
        masked = masked[:start] + " " * (end - start) + masked[end:]
        last_end = end
    if len(spans) >= 2 and _CONDITION_GAP_RE.fullmatch(s[spans[-2][1] : spans[-1][0]]):
        spans = spans[:-1]
        last_end = spans[-1][1]
    if spans and _last_number(masked[last_end:]) is None:
        run = _final_run(s, spans)
        if run:
            return run
    # "x = 1/3 ≈ 0.333", "sqrt(2)/2, about 0.707": the exact value answers, unless it is all there is.
    plain = (_stated_number(masked) or _last_plain(_APPROX_RE.sub(lambda m: " " * len(m.group(0)), masked))
             or _last_plain(masked))
    if plain:
        return [plain]
    words = _WORD_ANSWER_RE.findall(s) if not spans else []
    return words[-1:]  # "there is no solution", "the slope is undefined"

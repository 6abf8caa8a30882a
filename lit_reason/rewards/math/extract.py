"""Final-answer extraction from a model completion.

Markers, strongest first, searched in the *answer section* (after the last ``</think>`` when
text follows it, so a guess inside the think block does not count; inside the last ``<answer>``
tag when there is one):

1. ``<answer>...</answer>`` tags (DeepSeek-R1 template, report §4.1, eq. 37 format);
2. every ``\\boxed{...}`` / ``\\fbox{...}`` (nested braces; MATH convention, Hendrycks et al. 2021);
3. "Final Answer: ..." / "the final answer is ..." (Minerva, Lewkowycz et al. 2022);
4. "the answer is ..." / "Answer: ..." (chain-of-thought prompting, Wei et al. 2022), also
   ``\\textbf{Answer:}``, "Ans:", "Result:", ``∴`` / ``\\therefore`` and the Chinese 答案： / 答：;
   then "X is the answer." (the answer written before its marker);
5. ``#### 72`` (GSM8K, Cobbe et al. 2021);
6. when ``allow_fallback``, the unmarked final answer (:mod:`.final`): a bare answer, the last
   math span, or the last standalone number, never a digit inside a word or a LaTeX expression.

Fullwidth digits and punctuation (``１２``, ``：``) are read as ASCII. All distinct boxes (or answer tags) are returned, so the reward can refuse a completion that
hedges by boxing several different answers. Report §3.5.1 (rule-based accuracy reward).
"""

from __future__ import annotations

import re

from lit_reason.rewards.math.final import CJK_RE, is_bare_answer, math_spans, unmarked_answers
from lit_reason.rewards.math.normalize import FULLWIDTH, matching_brace

__all__ = ["extract_answer", "extract_answers", "answer_section"]

_MAX_ANSWER_CHARS = 300
_BOX_RE = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")
_TAG_RE = re.compile(r"<answer>(.*?)(?:</answer>|$)", re.DOTALL | re.IGNORECASE)
_FINAL_RE = re.compile(r"final\s+answer\s*(?:is|:|=)?\s*:?", re.IGNORECASE)
_PHRASE_RE = re.compile(
    r"(?:\banswer\s*(?:is|(?:should|would|will|could|might|may|must)\s+be|=)\s*:?|\banswer\W{0,3}:|\bresult\s+is\s*:?"
    r"|\b(?:correct|right)\s+(?:option|choice)\s+is\s*:?|\bans\s*[:.](?!\d)|\bresult\s*:"
    # "∴ x = 12", "$\therefore$ ...", and the Chinese markers 答案 (answer) and 答 (reply) with a colon or 是/为 (is)
    r"|\u2234|\\therefore\b\s*(?:\$(?!\$))?|\u7b54\u6848\s*(?:[:\u662f\u4e3a]\s*)+|\u7b54\s*:)",
    re.IGNORECASE,
)
# "$\frac{1}{2}$ is the answer.": the answer written before the marker, on its line
_IS_ANSWER_RE = re.compile(r"\bis\s+(?:the|our)\s+(?:final\s+|correct\s+)?answer\b", re.IGNORECASE)
_PRONOUNS = frozenset("which this that it".split())

_SENTENCE_RE = re.compile(r"[A-Za-z]{2,}\S*(?:\s+\S+){2,}")  # starts with a word, 3+ words
_GSM_RE = re.compile(r"####\s*([^\n]+)")
_CLAUSE_STOP_RE = re.compile(
    r",\s+(?:since|because|which|as|so|that|where|when|given|from|with|but|hence|thus|therefore)\b"
    r"|\s+(?:since|because)\b|\s+\((?=(?:i\.e|e\.g)\.|(?!or\b)[A-Za-z]{2,}\b)"  # "0.75 (i.e. 3/4)"
    r"|(?<!\.)\.(?!\.)(?:\s|$)|\n|;\s|\?|!(?!\d)",  # "0.333..." is not a sentence end
    re.IGNORECASE,
)


def answer_section(text: str) -> str:
    """The part of a completion that holds its final answer.

    Args:
        text: The completion.

    Returns:
        The text after the last ``</think>`` when something follows it, else the whole text.
    """
    head, sep, tail = text.rpartition("</think>")
    if sep and tail.strip():
        return tail
    return text


def _brace_group(text: str, start: int) -> tuple[str, int] | None:
    """Content of the ``{...}`` opening at ``start`` (escaped braces skipped) and its end."""
    close = matching_brace(text, start)
    return (text[start + 1 : close], close + 1) if close >= 0 else None


def _boxes(text: str) -> list[str]:
    """The outermost boxes (a box inside a box is the same answer)."""
    out, outer_end = [], 0
    for m in _BOX_RE.finditer(text):
        if m.start() < outer_end:
            continue
        i = m.end()
        while i < len(text) and text[i] == " ":
            i += 1
        if i < len(text) and text[i] == "{":
            group = _brace_group(text, i)
            if group is not None:
                out.append(group[0].strip())
                outer_end = group[1]
        else:  # \boxed 5
            bare = re.match(r"[^\s$]+", text[i:])
            if bare:
                out.append(bare.group(0))
    return [b for b in out if b]


def _leading_math(rest: str) -> str | None:
    """The first math span when the phrase is directly followed by one (``$\\$5$`` is a price)."""
    spans = math_spans(rest[: _MAX_ANSWER_CHARS * 2])
    return spans[0][2] if spans and spans[0][0] == 0 else None


def _phrase_value(rest: str) -> str | None:
    """The answer written after a phrase such as "the answer is"."""
    rest = rest.lstrip(" \t*:}`").replace("**", "")  # the "}" of \textbf{Answer:}
    boxed = _boxes(rest[:_MAX_ANSWER_CHARS])
    if boxed and rest.lstrip().startswith(("\\boxed", "\\fbox", "$\\boxed", "\\[\\boxed")):
        return boxed[0]
    math = _leading_math(rest)
    if math is not None:
        return math.strip() or None
    stop = _CLAUSE_STOP_RE.search(rest)
    value = (rest[: stop.start()] if stop else rest).strip().rstrip("`")  # Result: `1024`
    if (_SENTENCE_RE.match(value) or CJK_RE.search(value)) and not is_bare_answer(value):
        # "Final Answer: The area is 24 square units": the answer is in the sentence.
        inner = _from_section(value, allow_fallback=True)
        return inner[-1] if inner else value[:_MAX_ANSWER_CHARS]
    return value[:_MAX_ANSWER_CHARS] or None


def _last_phrase(text: str, regex: re.Pattern) -> str | None:
    matches = list(regex.finditer(text))
    for m in reversed(matches):
        value = _phrase_value(text[m.end() :])
        if value:
            return value
    return None


def _stated_before(text: str) -> str | None:
    """The answer of "X is the answer.": X, the rest of its line; "which is the answer" points back."""
    matches = list(_IS_ANSWER_RE.finditer(text))
    if not matches:
        return None
    head = text[: matches[-1].start()].rstrip()
    subject = re.split(r"(?<!\.)\.\s+|[!?\n]", head)[-1].strip(" *:")
    if subject.lower() in _PRONOUNS or not subject:  # "$$ x $$ which is the answer": the text before
        values = unmarked_answers(head[: len(head) - len(subject)])
    else:
        values = [subject] if is_bare_answer(subject) else unmarked_answers(subject)
    return values[-1] if values else None


def _dedupe(items: list[str]) -> list[str]:
    seen, out = set(), []
    for item in items:
        key = item.replace(" ", "")
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _from_section(text: str, allow_fallback: bool) -> list[str]:
    boxes = _boxes(text)
    if boxes:
        return _dedupe(boxes)
    for regex in (_FINAL_RE, _PHRASE_RE):
        value = _last_phrase(text, regex)
        if value:
            return [value]
    value = _stated_before(text)
    if value:
        return [value]
    gsm = _GSM_RE.findall(text)
    if gsm:
        return [gsm[-1].strip()]
    if allow_fallback:
        values = unmarked_answers(text)
        if values:
            return _dedupe(values)
    return []


def extract_answers(text: str, *, allow_fallback: bool = True) -> list[str]:
    """All distinct final answers a completion commits to, in order of appearance.

    Usually one; several when it boxes (or tags) different answers, which the reward treats as
    a hedge.

    Args:
        text: The completion.
        allow_fallback: Whether the last number may serve when no marker is found.

    Returns:
        The answer strings (raw, not normalised); empty when none could be extracted.

    Example:
        >>> extract_answers(r"so \\boxed{3} or maybe \\boxed{4}")
        ['3', '4']
    """
    section = answer_section(text.translate(FULLWIDTH))
    tags = [t.strip() for t in _TAG_RE.findall(section)]
    if tags:
        answers = []
        for tag in tags:
            # Inside a tag everything is the answer: "The product is $6$." gives the formula.
            inner = _from_section(tag, allow_fallback=True)
            if inner:
                answers.extend(inner)
            elif tag and len(tag) <= _MAX_ANSWER_CHARS:
                answers.append(tag)
        if answers or not allow_fallback:
            return _dedupe(answers)
    return _from_section(section, allow_fallback)


def extract_answer(text: str, *, allow_fallback: bool = True) -> str | None:
    """The final answer of a completion (the last one when it commits to several).

    Args:
        text: The completion.
        allow_fallback: Whether the last number may serve when no marker is found.

    Returns:
        The raw answer string, or None when no answer can be extracted.

    Example:
        >>> extract_answer(r"<think>maybe 4</think>So the answer is $\\frac{1}{2}$.")
        '\\\\frac{1}{2}'
        >>> extract_answer("no digits here") is None
        True
    """
    answers = extract_answers(text, allow_fallback=allow_fallback)
    return answers[-1] if answers else None

"""Tokenizer for LaTeX and plain-text math answers (input of :mod:`lit_reason.rewards.math.parse`).

Part of the safe parsing route of the math reward: the text is cut into a closed set of token
kinds and never handed to ``eval``/``sympify``. Report §3.5.1 (rule-based accuracy reward).
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["Token", "ParseError", "tokenize", "FUNCTION_WORDS", "RELOPS", "MUL_CMDS", "LIST_SEPS", "GREEK", "MATRIX_ENVS"]


class ParseError(ValueError):
    """The answer is not in the grammar the parser understands."""


class Token(NamedTuple):
    """One lexical token.

    Attributes:
        kind: ``num`` (digits), ``id`` (one letter), ``word`` (a known plain-text name such as
            ``sqrt``/``or``), ``cmd`` (a LaTeX command without its backslash), ``begin``/``end``
            (environment name), or ``op`` (punctuation and operators).
        text: The token's text.
    """

    kind: str
    text: str


# Plain-text names a model writes without a backslash ("sqrt(2)", "3 or 4", "2pi").
FUNCTION_WORDS = (
    "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "sqrt", "sin", "cos", "tan", "cot",
    "sec", "csc", "log", "ln", "exp",
)
# The parser's vocabulary of commands and operators (names without the backslash).
RELOPS = {"=": "=", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "!=": "!=", "le": "<=", "leq": "<=",
           "leqslant": "<=", "ge": ">=", "geq": ">=", "geqslant": ">=", "lt": "<", "gt": ">",
           "ne": "!=", "neq": "!=", "approx": "="}
MUL_CMDS = {"cdot", "times", "ast"}
LIST_SEPS = {",", ";"}
GREEK = set(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "rho sigma tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Sigma Phi Psi Omega "
    "ell".split()
)
MATRIX_ENVS = {"matrix", "pmatrix", "bmatrix", "Bmatrix", "smallmatrix", "array"}
_WORDS = frozenset(FUNCTION_WORDS) | {"pi", "or", "and", "infty", "inf", "infinity"}
_WORD_PREFIX_RE = re.compile("|".join(sorted(_WORDS, key=len, reverse=True)))
_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<begin>\\begin\s*\{\s*(?P<benv>[A-Za-z]+\*?)\s*\})
  | (?P<end>\\end\s*\{\s*(?P<eenv>[A-Za-z]+\*?)\s*\})
  | (?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+(?![A-Za-z]))?)
  | (?P<cmd>\\[A-Za-z]+)
  | (?P<esc>\\[{}|\\])
  | (?P<skip>\\[^A-Za-z])
  | (?P<letters>[A-Za-z]+)
  | (?P<op><=|>=|!=|=<|=>|[-+*/^_!,;&=<>|()\[\]{}'])
    """,
    re.VERBOSE,
)


def _split_letters(run: str) -> list[Token]:
    """Split a letter run into known words and single-letter identifiers ("2pi r" -> pi, r)."""
    out: list[Token] = []
    i = 0
    while i < len(run):
        m = _WORD_PREFIX_RE.match(run, i)
        # A word counts only at the start of the run or when it is all that is left: "xor" is x*o*r
        # but "sqrtx" is sqrt(x) and "or" alone is the connective.
        if m and (i == 0 or m.end() == len(run)):
            out.append(Token("word", m.group(0)))
            i = m.end()
        else:
            out.append(Token("id", run[i]))
            i += 1
    return out


def tokenize(text: str, max_tokens: int = 400) -> list[Token]:
    """Cut an answer into tokens.

    Args:
        text: Normalised answer string (see :func:`lit_reason.rewards.math.normalize.normalize_answer`).
        max_tokens: Longer inputs raise, bounding the parser's work.

    Returns:
        The token list.

    Raises:
        ParseError: On a character outside the grammar or an over-long input.

    Example:
        >>> [t.text for t in tokenize(r"\\frac{1}{2}x")]
        ['frac', '{', '1', '}', '{', '2', '}', 'x']
    """
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise ParseError(f"unexpected character {text[pos]!r} at {pos}")
        pos = m.end()
        kind = m.lastgroup
        if kind in ("ws", "skip"):
            continue
        if kind == "begin":
            tokens.append(Token("begin", m.group("benv")))
        elif kind == "end":
            tokens.append(Token("end", m.group("eenv")))
        elif kind == "cmd":
            tokens.append(Token("cmd", m.group(0)[1:]))
        elif kind == "esc":
            tokens.append(Token("op", m.group(0)))
        elif kind == "letters":
            tokens.extend(_split_letters(m.group(0)))
        else:
            op = {"=<": "<=", "=>": ">="}.get(m.group(0), m.group(0))
            tokens.append(Token(kind, op))
        if len(tokens) > max_tokens:
            raise ParseError("answer too long")
    return tokens

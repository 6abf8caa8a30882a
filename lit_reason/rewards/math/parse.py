"""Safe recursive-descent parser from LaTeX / plain math answers to sympy objects.

``sympify``/``parse_expr`` evaluate Python and so execute code hidden in a completion; this
parser instead walks the tokens of :mod:`lit_reason.rewards.math.lex` and builds sympy objects with constructors
only, through the bounded constructors of :mod:`lit_reason.rewards.math.nodes` (which also defines the result
types). Report §3.5.1 (rule-based accuracy reward).
"""

from __future__ import annotations

from functools import lru_cache

import sympy

from lit_reason.rewards.math.lex import (
    GREEK,
    LIST_SEPS,
    MATRIX_ENVS,
    MUL_CMDS,
    RELOPS,
    ParseError,
    Token,
    tokenize,
)
from lit_reason.rewards.math.nodes import (
    FUNCTIONS,
    INVERSES,
    PM,
    Rel,
    Seq,
    SetUnion,
    as_expr,
    safe_factorial,
    safe_pow,
)

__all__ = ["Seq", "Rel", "SetUnion", "PM", "parse_math", "ParseError"]


class _Parser:
    """Recursive descent over a token list; one instance parses one answer."""

    def __init__(self, tokens: list[Token]):
        self.toks = tokens
        self.i = 0
        self.abs_depth = 0

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def at(self, kind: str, text: str | None = None) -> bool:
        t = self.peek()
        return t is not None and t.kind == kind and (text is None or t.text == text)

    def take(self) -> Token:
        t = self.peek()
        if t is None:
            raise ParseError("unexpected end of answer")
        self.i += 1
        return t

    def expect(self, kind: str, text: str) -> None:
        t = self.take()
        if t.kind != kind or t.text != text:
            raise ParseError(f"expected {text!r}, got {t.text!r}")

    def is_sep(self) -> bool:
        t = self.peek()
        return t is not None and (
            (t.kind == "op" and t.text in LIST_SEPS) or (t.kind == "word" and t.text in ("or", "and"))
        )

    # ---- lists, unions, relations -------------------------------------------------------------
    def parse_list(self) -> list:
        items = [self.parse_union()]
        while self.is_sep():
            while self.is_sep():  # "1, 2, and 3"
                self.take()
            items.append(self.parse_union())
        return items

    def parse_union(self):
        parts, minus = [self.parse_relation()], []
        while self.at("cmd", "cup") or self.at("cmd", "setminus"):
            (parts if self.take().text == "cup" else minus).append(self.parse_relation())
        return parts[0] if len(parts) == 1 and not minus else SetUnion(tuple(parts), tuple(minus))

    def parse_relation(self):
        terms, ops = [self.parse_expr()], []
        while True:
            t = self.peek()
            if t is not None and t.kind == "cmd" and t.text == "in":
                self.take()  # "x \in [0, 1]": the set is the answer
                return self.parse_relation()
            op = RELOPS.get(t.text) if t is not None and t.kind in ("op", "cmd") else None
            if op is None:
                break
            self.take()
            ops.append(op)
            terms.append(self.parse_expr())
        return terms[0] if not ops else Rel(tuple(ops), tuple(terms))

    # ---- arithmetic ----------------------------------------------------------------------------
    def parse_expr(self):
        t = self.peek()
        if t is not None and t.kind == "op" and t.text in "+-" or self.at("cmd", "pm") or self.at("cmd", "mp"):
            first = None
        else:
            first = self.parse_term()
            if not isinstance(first, sympy.Expr):
                return first
        total = [] if first is None else [first]
        while True:
            t = self.peek()
            if t is None:
                break
            if t.kind == "op" and t.text in "+-":
                self.take()
                term = as_expr(self.parse_term())
                total.append(term if t.text == "+" else -term)
            elif t.kind == "cmd" and t.text in ("pm", "mp"):
                self.take()
                total.append(PM * as_expr(self.parse_term()))
            else:
                break
        return sympy.Add(*total)

    def starts_factor(self) -> bool:
        t = self.peek()
        if t is None:
            return False
        if t.kind == "num":
            return False  # "2 3" is not 6: digits never start an implicit product
        if t.kind in ("id", "begin"):
            return True
        if t.kind == "word":
            return t.text not in ("or", "and")
        if t.kind == "cmd":
            return t.text not in RELOPS and t.text not in MUL_CMDS and t.text not in (
                "div", "pm", "mp", "cup", "setminus", "in", "right", "rfloor", "rceil")
        if t.kind == "op":
            return t.text in ("(", "[", "{", "\\{") or (t.text == "|" and self.abs_depth == 0)
        return False

    def parse_term(self):
        value = self.parse_unary()
        while True:
            t = self.peek()
            if t is not None and ((t.kind == "op" and t.text in "*/") or (t.kind == "cmd" and (
                    t.text in MUL_CMDS or t.text == "div"))):
                self.take()
                rhs = as_expr(self.parse_unary())
                value = as_expr(value) / rhs if t.text in ("/", "div") else as_expr(value) * rhs
            elif self.starts_factor():
                if not isinstance(value, sympy.Expr):
                    break
                value = value * as_expr(self.parse_power())
            else:
                break
        return value

    def parse_unary(self):
        t = self.peek()
        if t is not None and t.kind == "op" and t.text in "+-":
            self.take()
            v = as_expr(self.parse_unary())
            return -v if t.text == "-" else v
        return self.parse_power()

    def parse_power(self):
        base = self.parse_postfix()
        if self.at("op", "^"):
            self.take()
            if self.at("op", "{"):
                exp = self.group()
            else:
                exp = self.parse_unary_atom()
            return safe_pow(as_expr(base), as_expr(exp))
        return base

    def parse_unary_atom(self):
        """An exponent without braces: ``2^-1``, ``x^2``, ``e^x``, ``2^10``."""
        if self.at("op", "-"):
            self.take()
            return -as_expr(self.parse_unary_atom())
        return self.parse_power()

    def parse_postfix(self):
        v = self.parse_primary()
        while self.at("op", "!") or self.at("op", "'"):
            if self.take().text == "!":
                v = safe_factorial(as_expr(v))
            elif v.is_number:
                raise ParseError("prime on a number")  # 2' is feet or minutes, not 2
        return v

    # ---- primaries ----------------------------------------------------------------------------
    def group(self):
        """``{ ... }`` as an argument: one expression (or a bracketed list)."""
        self.expect("op", "{")
        items = self.parse_list()
        self.expect("op", "}")
        return items[0] if len(items) == 1 else Seq("", "", tuple(items))

    def arg(self):
        """A command argument: ``{...}`` or one token (``\\frac12`` takes the digits one by one)."""
        t = self.peek()
        if t is not None and t.kind == "op" and t.text == "{":
            return self.group()
        if t is not None and t.kind == "num" and len(t.text) > 1:
            self.toks[self.i] = Token("num", t.text[1:])
            return sympy.Integer(int(t.text[0]))
        return self.parse_primary()

    def parse_primary(self):
        t = self.take()
        if t.kind == "num":
            mantissa, _, exponent = t.text.lower().partition("e")
            if exponent and abs(int(exponent)) > 400:
                raise ParseError("scientific exponent too large")
            return sympy.Rational(t.text) if ("e" in t.text or "E" in t.text or "." in t.text) \
                else sympy.Integer(int(t.text))
        if t.kind == "id":
            return self.identifier(t.text)
        if t.kind == "word":
            return self.word(t.text)
        if t.kind == "cmd":
            return self.command(t.text)
        if t.kind == "begin":
            return self.matrix(t.text)
        if t.kind == "op":
            return self.bracket(t.text)
        raise ParseError(f"unexpected {t.text!r}")

    def identifier(self, name: str):
        """A letter: ``i`` is the imaginary unit, ``e`` Euler's number, ``x_{10}`` one symbol."""
        if self.at("op", "_"):
            self.take()
            parts = [self.take().text]
            if parts == ["{"]:
                parts = []
                while not self.at("op", "}"):
                    parts.append(self.take().text)
                self.take()
            return sympy.Symbol(f"{name}_{''.join(parts)}")
        return {"i": sympy.I, "e": sympy.E}.get(name) or sympy.Symbol(name)

    def word(self, name: str):
        if name == "pi":
            return sympy.pi
        if name in ("infty", "inf", "infinity"):
            return sympy.oo
        if name == "sqrt":
            return sympy.sqrt(as_expr(self.parse_postfix()))
        return self.function(name)

    def function(self, name: str):
        power = None
        if self.at("op", "^"):  # \sin^2 x
            self.take()
            power = as_expr(self.arg())
        base = None
        if name == "log" and self.at("op", "_"):
            self.take()
            base = as_expr(self.arg())
        if self.at("op", "(") or self.at("op", "{"):
            x = as_expr(self.parse_postfix())
        else:  # \sin 2x: the implicit product after the name is the argument
            x = as_expr(self.parse_power())
            while self.starts_factor() and not (self.at("cmd") and self.peek().text in FUNCTIONS):
                x = x * as_expr(self.parse_power())
        fn = FUNCTIONS[name]
        if power == -1 and name in INVERSES:
            fn, power = INVERSES[name], None
        value = fn(x) if base is None else sympy.log(x, base)
        return value if power is None else safe_pow(value, power)

    def command(self, name: str):
        if name in ("frac", "over"):
            num = as_expr(self.arg())
            return num / as_expr(self.arg())
        if name == "sqrt":
            index = None
            if self.at("op", "["):
                self.take()
                index = as_expr(self.parse_expr())
                self.expect("op", "]")
            radicand = as_expr(self.arg())
            return sympy.sqrt(radicand) if index is None else sympy.root(radicand, index)
        if name == "binom":
            n = as_expr(self.arg())
            k = as_expr(self.arg())
            if n.is_Number and abs(n) > 10**4:
                raise ParseError("binomial too large")
            return sympy.binomial(n, k)
        if name in FUNCTIONS:
            return self.function(name)
        if name in ("pi", "infty", "varnothing", "emptyset"):
            return {"pi": sympy.pi, "infty": sympy.oo}.get(name, Seq("{", "}", ()))
        if name == "mathbb":
            letter = self.arg()
            if letter == sympy.Symbol("R"):
                return Seq("(", ")", (-sympy.oo, sympy.oo))
            raise ParseError("only \\mathbb{R} is understood")
        if name in ("boxed", "fbox", "mathrm", "mathbf", "text", "operatorname"):
            return self.arg()
        if name in ("lfloor", "lceil"):
            inner = as_expr(self.parse_expr())
            self.expect("cmd", "rfloor" if name == "lfloor" else "rceil")
            return sympy.floor(inner) if name == "lfloor" else sympy.ceiling(inner)
        if name in GREEK:
            return sympy.Symbol(name)
        raise ParseError(f"unsupported command \\{name}")

    def bracket(self, text: str):
        if text in ("(", "["):
            items = self.parse_list() if not (self.at("op", ")") or self.at("op", "]")) else []
            close = self.take().text
            if close not in (")", "]"):
                raise ParseError("unbalanced bracket")
            # (x+1), [ABC] and [\begin{array}..] group; [1] is a list or interval, not 1.
            if len(items) == 1 and ((text, close) == ("(", ")") or not getattr(items[0], "is_number", True)):
                return items[0]
            return Seq(text, close, tuple(items))
        if text == "{":
            self.i -= 1
            return self.group()
        if text == "\\{":
            items = [] if self.at("op", "\\}") else self.parse_list()
            self.expect("op", "\\}")
            return Seq("{", "}", tuple(items))
        if text == "|" and self.abs_depth == 0:
            self.abs_depth += 1
            inner = as_expr(self.parse_expr())
            self.abs_depth -= 1
            self.expect("op", "|")
            return sympy.Abs(inner)
        raise ParseError(f"unexpected {text!r}")

    def matrix(self, env: str):
        if env not in MATRIX_ENVS:
            raise ParseError(f"unsupported environment {env}")
        if env == "array" and self.at("op", "{"):  # column spec {cc}
            while self.take().text != "}":
                pass
        rows, row = [], []
        while not self.at("end"):
            row.append(as_expr(self.parse_expr()))
            if self.at("op", "&"):
                self.take()
            elif self.at("op", "\\\\"):
                self.take()
                rows.append(row)
                row = []
            elif not self.at("end"):
                raise ParseError("bad matrix entry")
        self.take()
        if row:
            rows.append(row)
        if not rows or any(len(r) != len(rows[0]) for r in rows):
            raise ParseError("ragged matrix")
        return sympy.ImmutableMatrix(rows)


@lru_cache(maxsize=4096)
def parse_math(text: str):
    """Parse a normalised answer into a sympy object or a :class:`Seq` / :class:`Rel` / :class:`SetUnion`.

    A bare comma list (``1, 2``) or a list joined by "or"/"and" is a ``Seq`` with empty brackets.

    Args:
        text: Answer text after :func:`lit_reason.rewards.math.normalize.normalize_answer`.

    Returns:
        The parsed value. Cached: gold answers repeat across the samples of a group.

    Raises:
        ParseError: When the text is outside the grammar or too large to evaluate safely.

    Example:
        >>> parse_math(r"2\\sqrt{3} + \\frac{1}{2}")
        1/2 + 2*sqrt(3)
        >>> parse_math(r"(0, 1]")
        Seq(open='(', close=']', items=(0, 1))
    """
    parser = _Parser(tokenize(text))
    try:
        items = parser.parse_list()
    except RecursionError as err:
        raise ParseError("nesting too deep") from err
    except (TypeError, AttributeError, ZeroDivisionError, KeyError, IndexError, ValueError) as err:
        raise ParseError(str(err)) from err
    if parser.peek() is not None:
        raise ParseError(f"trailing {parser.peek().text!r}")
    return items[0] if len(items) == 1 else Seq("", "", tuple(items))

"""Equality of parsed math answers: expressions, equations, sets, intervals, tuples, matrices.

Works on the output of :func:`lit_reason.rewards.math.parse.parse_math`. Expressions are compared exactly when both
are rational, numerically (relative ``tolerance``) when a constant is irrational or complex, and
by evaluation at random points (then ``sympy.simplify`` of the difference when evaluation is
inconclusive) when they contain variables. Report §3.5.1 (rule-based accuracy reward).
"""

from __future__ import annotations

import random
from fractions import Fraction

import sympy

from lit_reason.rewards.math.nodes import PM, Rel, Seq, SetUnion
from lit_reason.rewards.math.normalize import rounded_equal

__all__ = ["values_equal", "exprs_equal"]

_POINT_TOL = 1e-9
_INFINITIES = (sympy.oo, -sympy.oo, sympy.zoo, sympy.nan)


def _numeric(x):
    """Evaluate to a sympy number, or None when x does not evaluate to a finite number."""
    v = sympy.N(x, 30)
    if not v.is_number or v.has(*_INFINITIES):
        return None
    return v


def _close(a, b, tol: float) -> bool | None:
    """Relative closeness of two evaluated numbers; None when undecidable."""
    try:
        diff, scale = abs(a - b), max(abs(a), abs(b))
        # The absolute floor only absorbs 30-digit rounding noise (sin(pi) -> 1e-31), nothing more.
        return bool(diff <= tol * scale + 1e-20)
    except TypeError:
        return None


def _simplifies_to_zero(a, b) -> bool:
    return sympy.simplify(a - b) == 0


def _constants_equal(a, b, tol: float) -> bool:
    if a.is_Rational and b.is_Rational:
        return a == b or rounded_equal(Fraction(int(a.p), int(a.q)), Fraction(int(b.p), int(b.q)))
    va, vb = _numeric(a), _numeric(b)
    if va is None or vb is None:
        return a.equals(b) is True
    close = _close(va, vb, tol)
    return _simplifies_to_zero(a, b) if close is None else close


def _points(symbols: list, n_points: int = 4):
    rng = random.Random(0)  # deterministic: the same pair always gets the same verdict
    for _ in range(n_points):
        yield {s: sympy.Float(rng.uniform(0.3, 2.7), 30) for s in symbols}


def exprs_equal(a: sympy.Expr, b: sympy.Expr, tol: float) -> bool:
    """Whether two sympy expressions are equal.

    Args:
        a: Predicted expression.
        b: Gold expression.
        tol: Relative tolerance for non-rational constants.

    Returns:
        True when equal (see module docstring for the rules).
    """
    if a == b:
        return True
    if a.has(*_INFINITIES) or b.has(*_INFINITIES):
        return False
    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    if not symbols:
        return _constants_equal(a, b, tol)
    agree = 0
    for subs in _points(symbols):
        va, vb = _numeric(a.xreplace(subs)), _numeric(b.xreplace(subs))
        if va is None or vb is None:
            continue
        close = _close(va, vb, _POINT_TOL)
        if close is False:
            return False
        agree += close is True
    return agree >= 2 or _simplifies_to_zero(a, b)


def _expand_pm(v):
    """``a \\pm b`` -> the bare list ``a + b, a - b`` (a quadratic's two roots)."""
    if isinstance(v, sympy.Expr) and PM in v.free_symbols:
        return Seq("", "", (v.xreplace({PM: 1}), v.xreplace({PM: -1})))
    if isinstance(v, Rel) and any(isinstance(t, sympy.Expr) and PM in t.free_symbols for t in v.terms):
        return Seq("", "", tuple(Rel(v.ops, tuple(t.xreplace({PM: s}) for t in v.terms)) for s in (1, -1)))
    if isinstance(v, Seq):
        items = []
        for item in map(_expand_pm, v.items):
            flatten = isinstance(item, Seq) and item.open == "" and v.open in ("", "{")
            items.extend(item.items if flatten else [item])
        return Seq(v.open, v.close, tuple(items))
    return v


def _is_equation(v) -> bool:
    return isinstance(v, Rel) and all(op == "=" for op in v.ops)


def _is_label(t, sums: bool = False) -> bool:
    """A left-hand side that names the answer: ``x``, ``f(x)`` (parsed as f*x); with ``sums``, ``a + b``."""
    kinds = (sympy.Mul, sympy.Add) if sums else sympy.Mul
    return isinstance(t, sympy.Symbol) or (isinstance(t, kinds) and all(isinstance(a, sympy.Symbol) for a in t.args))


def _equation_value(rel: Rel, tol: float, sums: bool = False):
    """The value an equation states: ``x = 3`` -> 3, ``3 = x`` -> 3, ``x = 1 + 2 = 3`` -> 3.

    Returns None when the stated values disagree (``x = 3 = 4``), so a chain cannot smuggle in
    the gold answer next to a wrong one. With ``sums`` (a prediction), ``a + b = 7`` states 7 too;
    a gold ``x + y = 5`` is a line, not the number 5.
    """
    terms = list(rel.terms)
    if _is_label(terms[0], sums):
        terms = terms[1:]
    elif _is_label(terms[-1], sums):
        terms = terms[:-1]
    if not all(isinstance(t, sympy.Expr) for t in terms):
        return terms[-1] if len(terms) == 1 else None
    if any(not exprs_equal(t, terms[-1], tol) for t in terms[:-1]):
        return None
    return terms[-1]


def _equations_equal(p: Rel, g: Rel, tol: float) -> bool:
    if p.terms[0] == g.terms[0] and _is_label(g.terms[0]):
        vp, vg = _equation_value(p, tol), _equation_value(g, tol)
        return vp is not None and vg is not None and values_equal(vp, vg, tol)
    if len(p.terms) != 2 or len(g.terms) != 2:
        return False
    dp, dg = p.terms[0] - p.terms[1], g.terms[0] - g.terms[1]
    if dp == 0 or dg == 0:
        return False
    # Same solution set: one side is a non-zero constant multiple of the other (y=2x+1 ~ 2x-y=-1).
    symbols = sorted(dp.free_symbols | dg.free_symbols, key=str)
    ratios = []
    for subs in _points(symbols):
        vp, vg = _numeric(dp.xreplace(subs)), _numeric(dg.xreplace(subs))
        if vp is not None and vg is not None and abs(vg) > 1e-12:
            ratios.append(vp / vg)
    return len(ratios) >= 2 and abs(ratios[0]) > 1e-12 and all(_close(r, ratios[0], _POINT_TOL) for r in ratios)


def _interval(seq: Seq):
    if len(seq.items) != 2 or seq.open not in ("(", "[") or seq.close not in (")", "]"):
        return None
    a, b = seq.items
    if not all(isinstance(x, sympy.Expr) and not x.free_symbols for x in (a, b)):
        return None
    if not (b - a).is_extended_positive:
        return None  # (3, 1) and (3, 3) are pairs, never empty intervals
    try:
        return sympy.Interval(a, b, seq.open == "(", seq.close == ")")
    except (TypeError, ValueError):
        return None


_REL_CLASSES = {"<": sympy.Lt, "<=": sympy.Le, ">": sympy.Gt, ">=": sympy.Ge, "!=": sympy.Ne}
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "!=": "!="}


def _bound_set(op: str, bound):
    """``x op bound`` as a real set (only the one asked for: an evaluated union costs ~10 ms)."""
    if op == "!=":
        pieces = (sympy.Interval.open(-sympy.oo, bound), sympy.Interval.open(bound, sympy.oo))
        return sympy.Union(*pieces, evaluate=False)  # two disjoint pieces: nothing to simplify
    below = op in ("<", "<=")
    return sympy.Interval(-sympy.oo if below else bound, bound if below else sympy.oo,
                          left_open=op == ">", right_open=op == "<")


def _linear_bound(diff, x):
    """``(a, -b/a)`` when ``diff`` is ``a x + b`` with numbers a != 0, b; None otherwise."""
    poly = sympy.Poly(diff, x) if diff.is_polynomial(x) else None
    if poly is None or poly.degree() != 1:
        return None
    a, b = poly.all_coeffs()
    return (a, -b / a) if a.is_number and b.is_number and a.is_extended_real else None


def _rel_set(rel: Rel):
    """A one-variable inequality chain as a real set: ``0 < x <= 1`` -> Interval.Lopen(0, 1).

    Plain bounds on the variable are read directly; anything else (``|x| < 1``, ``x^2 >= 4``)
    goes through ``sympy.solveset`` over the reals, under the caller's time limit.
    """
    symbols = set().union(*(t.free_symbols for t in rel.terms if isinstance(t, sympy.Expr)))
    if len(symbols) != 1 or "=" in rel.ops:
        return None
    (x,) = symbols
    result = None  # intersecting with sympy.Reals first costs ~10 ms a relation
    for left, op, right in zip(rel.terms, rel.ops, rel.terms[1:]):
        if left == x and not right.free_symbols:
            piece = _bound_set(op, right)
        elif right == x and not left.free_symbols:
            piece = _bound_set(_FLIP[op], left)
        elif (linear := _linear_bound(left - right, x)) is not None:
            slope, bound = linear  # -x > -1: x < 1, without solveset's ~100 ms
            piece = _bound_set(op if slope > 0 else _FLIP[op], bound)
        else:
            piece = sympy.solveset(_REL_CLASSES[op](left, right), x, sympy.Reals)
            if not isinstance(piece, (sympy.Interval, sympy.Union, sympy.FiniteSet)):
                return None
        result = piece if result is None else sympy.Intersection(result, piece)
    return result


def _to_set(v):
    """A real set for intervals, inequalities, unions and ``\\{...\\}``; None otherwise."""
    if isinstance(v, Seq) and v.open == "{":
        if all(isinstance(x, sympy.Expr) for x in v.items):
            return sympy.FiniteSet(*v.items)
        return None
    if isinstance(v, Seq) and v.open in ("(", "["):
        return _interval(v)
    if isinstance(v, Seq) and v.open == "" and all(isinstance(x, Rel) for x in v.items):
        parts = [_rel_set(x) for x in v.items]
        return None if any(p is None for p in parts) else sympy.Union(*parts)
    if isinstance(v, Rel):
        return _rel_set(v)
    if isinstance(v, SetUnion):
        parts, minus = [_to_set(x) for x in v.parts], [_to_set(x) for x in v.minus]
        if any(p is None for p in parts + minus):
            return None
        return sympy.Complement(sympy.Union(*parts), sympy.Union(*minus)) if minus else sympy.Union(*parts)
    return None


def _rel_symbols(v) -> set | None:
    """The variables of an inequality (or a list of them); None when ``v`` is not one."""
    rels = [v] if isinstance(v, Rel) else list(v.items) if isinstance(v, Seq) and v.open == "" else []
    if not rels or not all(isinstance(r, Rel) for r in rels):
        return None
    return set().union(*(t.free_symbols for r in rels for t in r.terms if isinstance(t, sympy.Expr)))


def _set_pieces(s) -> list:
    pieces = list(s.args) if isinstance(s, sympy.Union) else [s]
    out = []
    for piece in pieces:
        if isinstance(piece, sympy.FiniteSet):
            out.extend((x, x, False, False) for x in piece.args)
        elif isinstance(piece, sympy.Interval):
            out.append((piece.start, piece.end, piece.left_open, piece.right_open))
        else:
            raise TypeError(f"unsupported set {piece}")
    return sorted(out, key=lambda q: (float(q[0]), float(q[1])))


def _sets_equal(p, g, tol: float) -> bool | None:
    sp, sg = _to_set(p), _to_set(g)
    if sp is None or sg is None:
        return None
    pv, gv = _rel_symbols(p), _rel_symbols(g)
    if pv is not None and gv is not None and pv != gv:
        return False  # y >= 5 is not x >= 5, though both are [5, oo)
    if sp == sg:
        return True
    try:
        pp, gg = _set_pieces(sp), _set_pieces(sg)
    except TypeError:
        return False
    return len(pp) == len(gg) and all(
        a[2:] == b[2:] and exprs_equal(a[0], b[0], tol) and exprs_equal(a[1], b[1], tol) for a, b in zip(pp, gg)
    )


def _items(v):
    if isinstance(v, Seq):
        return v.items
    if isinstance(v, sympy.MatrixBase) and 1 in v.shape:
        return tuple(v)
    return None


def _unordered_equal(ps: tuple, gs: tuple, tol: float) -> bool:
    if len(ps) != len(gs):
        return False
    unused = list(ps)
    for g in gs:
        match = next((k for k, p in enumerate(unused) if values_equal(p, g, tol)), None)
        if match is None:
            return False
        unused.pop(match)
    return True


def _seqs_equal(p, g, tol: float) -> bool:
    if isinstance(p, sympy.MatrixBase) and isinstance(g, sympy.MatrixBase):
        return p.shape == g.shape and all(exprs_equal(a, b, tol) for a, b in zip(p, g))
    ps, gs = _items(p), _items(g)
    if ps is None or gs is None or len(ps) != len(gs):
        return False
    po, pc = (p.open, p.close) if isinstance(p, Seq) else ("(", ")")  # a vector reads as a tuple
    go, gc = (g.open, g.close) if isinstance(g, Seq) else ("(", ")")
    if po in ("", "{") and go in ("", "{"):
        return _unordered_equal(ps, gs, tol)
    if "{" in (po, go):
        return False  # a set is not a tuple
    if po and go and len(ps) == 2 and (po, pc) != (go, gc):
        return False  # (1, 2] is not [1, 2]
    return all(values_equal(a, b, tol) for a, b in zip(ps, gs))


def _single(v):
    """``\\{3\\}`` or a one-item list means 3."""
    return v.items[0] if isinstance(v, Seq) and v.open in ("", "{") and len(v.items) == 1 else v


def values_equal(p, g, tol: float) -> bool:
    """Whether a parsed prediction equals a parsed gold answer.

    Args:
        p: Parsed prediction (sympy Expr / Matrix, Seq, Rel or SetUnion).
        g: Parsed gold answer.
        tol: Relative tolerance for non-rational constants.

    Returns:
        True when they denote the same answer.
    """
    p, g = _single(_expand_pm(p)), _single(_expand_pm(g))
    if isinstance(p, sympy.Expr) and isinstance(g, sympy.Expr):
        return exprs_equal(p, g, tol)
    if _is_equation(p) and _is_equation(g):
        return _equations_equal(p, g, tol)
    if _is_equation(p) and isinstance(g, sympy.Expr):
        value = _equation_value(p, tol, sums=True)
        return value is not None and values_equal(value, g, tol)
    if _is_equation(g) and isinstance(p, sympy.Expr):
        value = _equation_value(g, tol)
        return value is not None and values_equal(p, value, tol)
    as_sets = _sets_equal(p, g, tol)
    if as_sets is not None and (as_sets or not (isinstance(p, Seq) and isinstance(g, Seq))):
        return as_sets
    return _seqs_equal(p, g, tol)

"""Execution rewards for code: test pass rate (report eq. 36) and the CodeRL composite (eq. 77).

``R_code(q, o) = passed tests / total tests`` (report §3.5.1, eq. 36), and
``R_code(x, y) = alpha * compile_success + beta * test_pass_rate + gamma * efficiency`` (report
§6.22.6, eq. 77, after CodeRL, Le et al. 2022, arXiv:2207.01780). Programs run in
:class:`~lit_reason.sandbox.Sandbox`; verdicts never come from the program's stdout.

Rows (report §8.1.2) arrive as TRL columns, lists aligned with the completions:

- HumanEval style: ``test`` (code defining ``check(candidate)``) and ``entry_point``. The prompt
  is the function's signature and docstring; the completion may continue it (body only) or give
  the whole function, with or without a markdown fence. Each top-level assert of ``check`` that
  involves the candidate is one test, so partial credit is the fraction of asserts passed.
- MBPP style: ``test_list`` (or ``tests``): assert strings, one test each; optional
  ``test_setup_code`` and ``test_imports``. The program is the completion's code alone.

Deliberate choices: a row without tests scores ``None`` (cannot score), as does a run where the
sandbox itself failed; values cross the sandbox boundary only as builtin types (a candidate that
returns its own class fails); the efficiency term is paid only to programs that pass every test,
since speed is worthless (and trivially won by doing nothing) otherwise.
"""

from __future__ import annotations

import ast
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from lit_reason.sandbox import Job, Sandbox, SandboxConfig, SandboxResult

__all__ = ["CodePassRate", "CodeRLReward", "code_pass_rate", "code_rl_reward", "extract_code", "build_job"]

_FENCE = re.compile(r"```[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_PY_LANGS = {"", "python", "py", "python3", "py3"}


def extract_code(text: str, entry_point: str | None = None) -> str:
    """Code of a completion: a fenced Python block if there is one, else the raw text.

    Among several Python blocks, the last one defining ``entry_point`` wins, else the last one.
    An unterminated fence (a completion cut by ``max_new_tokens``) counts up to the end.

    Args:
        text: The completion.
        entry_point: Function name the task asks for, if known.

    Returns:
        Source code (possibly not valid Python).

    Example:
        >>> extract_code("Here:\\n```python\\ndef f():\\n    return 1\\n```\\nDone.")
        'def f():\\n    return 1\\n'
    """
    blocks = [m.group(2) for m in _FENCE.finditer(text) if m.group(1).lower() in _PY_LANGS]
    if not blocks:
        return text
    if entry_point:
        defining = [b for b in blocks if _defines(b, entry_point)]
        if defining:
            return defining[-1]
    return blocks[-1]


def _defines(code: str, name: str) -> bool:
    return re.search(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\s*\(", code, re.MULTILINE) is not None


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def build_program(prompt: Any, completion: str, entry_point: str | None) -> str:
    """The program to run: the completion's code, joined to a code prompt when it continues it.

    A HumanEval prompt (signature + docstring, a valid module on its own) is kept in front of the
    code: a body-only continuation needs it, and a whole-function completion still needs its
    imports and helpers (the redefinition simply replaces the stub). A prompt that is not valid on its
    own but becomes valid with the completion appended (it stops mid-statement) is continued verbatim.

    Args:
        prompt: The prompt (string, or chat messages, which are never code).
        completion: The completion text.
        entry_point: Function under test for HumanEval-style rows, ``None`` for MBPP-style.
    """
    code = extract_code(completion, entry_point)
    code_prompt = isinstance(prompt, str) and bool(entry_point) and "def " in prompt
    if code_prompt and not _parses(prompt):
        # A prompt that stops mid-statement (``return 47+8 - ``) is continued by the completion's raw text.
        return prompt + completion if _parses(prompt + completion) else code
    stem = prompt if code_prompt else ""
    if not stem or code.lstrip().startswith(stem.strip()):
        return code
    if _defines(code, entry_point):
        return stem.rstrip("\n") + "\n\n" + code
    return stem + code


def _references(nodes: Sequence[ast.stmt], names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for s in nodes for n in ast.walk(s))


def _has_assert(nodes: Sequence[ast.stmt]) -> bool:
    return any(isinstance(n, ast.Assert) for s in nodes for n in ast.walk(s))


def _has_return(fn: ast.FunctionDef) -> bool:
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
    return False


def humaneval_tests(test: str, entry_point: str) -> tuple[str, list[str]]:
    """Split a HumanEval ``check(candidate)`` into setup code and one snippet per assert.

    Statements without an assert on the candidate are glued to the next test, so state they
    build carries over; an ``assert True`` alone is never a test. A ``check`` that ``return`` s
    or has no such assert stays one test, ``check(entry_point)``.

    Returns:
        ``(setup, tests)``: setup binds the candidate name; tests run in order, in one namespace.
    """
    fallback = (f"{test}\n", [f"check({entry_point})"])
    try:
        module = ast.parse(test)
    except (SyntaxError, ValueError, RecursionError):
        return fallback
    checks = [s for s in module.body if isinstance(s, ast.FunctionDef) and s.name == "check"]
    if len(checks) != 1 or not checks[0].args.args or _has_return(checks[0]):
        return fallback
    check = checks[0]
    param = check.args.args[0].arg
    names = {param, entry_point}
    groups: list[list[ast.stmt]] = []
    pending: list[ast.stmt] = []
    for stmt in check.body:
        pending.append(stmt)
        if _has_assert(pending) and _references(pending, names):
            groups.append(pending)
            pending = []
    if not groups:
        return fallback
    groups[-1].extend(pending)
    rest = [s for s in module.body if s is not check]
    setup = ast.unparse(ast.Module(body=rest, type_ignores=[])) + f"\n{param} = {entry_point}\n"
    return setup, [ast.unparse(ast.Module(body=g, type_ignores=[])) for g in groups]


def _completion_text(completion: Any) -> str:
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content", ""))  # TRL conversational format
    return str(completion)


def build_job(prompt: Any, completion: Any, row: dict[str, Any]) -> Job | None:
    """A sandbox :class:`Job` for one row, or ``None`` when the row carries no tests."""
    text = _completion_text(completion)
    if row.get("test") and row.get("entry_point"):
        setup, tests = humaneval_tests(row["test"], row["entry_point"])
        return Job(build_program(prompt, text, row["entry_point"]), tests, setup, row["entry_point"])
    test_list = row.get("test_list") or row.get("tests")
    if not test_list or isinstance(test_list, str):
        return None
    setup = "\n".join([*(row.get("test_imports") or []), row.get("test_setup_code") or ""])
    return Job(build_program(prompt, text, None), list(test_list), setup)


def _rows(n: int, columns: dict[str, Any]) -> list[dict[str, Any]]:
    # TRL also passes non-column kwargs (trainer_state, ...): keep only lists aligned with completions.
    aligned = {k: v for k, v in columns.items() if isinstance(v, (list, tuple)) and len(v) == n}
    return [{k: v[i] for k, v in aligned.items()} for i in range(n)]


class CodePassRate:
    """Fraction of a row's tests the completion passes (report §3.5.1, eq. 36).

    Identical jobs (same program, tests and setup) run once per batch, and their results are remembered
    for the next ``cache_size`` distinct jobs: a GRPO group often repeats a completion, and the module
    scores each rollout twice (reward, then verifier). Runs that timed out or where the sandbox failed are
    not remembered, since load on the machine decides them rather than the program.

    Args:
        config: Sandbox limits; the defaults suit short functions.
        max_workers: Concurrent sandboxes (default: all cores).
        cache_size: Distinct jobs whose results are remembered; 0 runs every job.

    Example:
        >>> reward = CodePassRate(SandboxConfig(wall_s=5))
        >>> reward(["Add one."], ["```python\\ndef inc(x):\\n    return x + 1\\n```"],
        ...        test_list=[["assert inc(1) == 2", "assert inc(2) == 4"]])
        [0.5]
    """

    __name__ = "code_pass_rate"

    def __init__(self, config: SandboxConfig | None = None, max_workers: int | None = None,
                 cache_size: int = 4096) -> None:
        if cache_size < 0:
            raise ValueError(f"cache_size must be >= 0, got {cache_size}")
        self.config = config or SandboxConfig()
        self.max_workers = max_workers
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple, SandboxResult] = OrderedDict()
        self._sandbox: Sandbox | None = None  # built on first use: it probes the isolation tier

    @property
    def sandbox(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = Sandbox(self.config, self.max_workers)
        return self._sandbox

    def jobs(self, prompts: Sequence[Any], completions: Sequence[Any], **columns: Any) -> list[Job | None]:
        """One sandbox job per completion (``None`` for rows without tests)."""
        rows = _rows(len(completions), columns)
        return [build_job(p, c, r) for p, c, r in zip(prompts, completions, rows)]

    def run(self, jobs: Sequence[Job | None]) -> list[SandboxResult | None]:
        """Run the jobs as one pool batch, each distinct job once; ``None`` passes through."""
        keys = [None if j is None else _job_key(j) for j in jobs]
        todo: dict[tuple, Job] = {}
        for key, job in zip(keys, jobs):
            if key is not None and key not in self._cache and key not in todo:
                todo[key] = job
        fresh = dict(zip(todo, self.sandbox.run_many(list(todo.values()))))
        out = []
        for key in keys:
            result = None if key is None else fresh.get(key) or self._cache[key]
            if key is not None and self.cache_size and key in self._cache:
                self._cache.move_to_end(key)
            out.append(None if result is None else replace(result, tests=list(result.tests),
                                                           errors=list(result.errors)))
        for key, result in fresh.items():
            if self.cache_size and not (result.timeout or result.harness_error):
                self._cache[key] = result
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return out

    def evaluate(self, prompts: Sequence[Any], completions: Sequence[Any], **columns: Any) -> list[SandboxResult | None]:
        """Sandbox results per completion, e.g. for pass@k or for logging the failure kinds."""
        return self.run(self.jobs(prompts, completions, **columns))

    def reward(self, job: Job, result: SandboxResult) -> float:
        """Eq. 36: passed / total."""
        return result.pass_rate

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], **columns: Any) -> list[float | None]:
        jobs = self.jobs(prompts, completions, **columns)
        results = self.run(jobs)
        return [None if j is None or r is None or r.harness_error else self.reward(j, r)
                for j, r in zip(jobs, results)]


class CodeRLReward(CodePassRate):
    """CodeRL-style composite (report §6.22.6, eq. 77; Le et al. 2022, arXiv:2207.01780).

    ``alpha * compiles + beta * pass_rate + gamma * efficiency`` with
    ``efficiency = max(0, 1 - t / efficiency_budget_s)`` when every test passes, else 0, where
    ``t`` is the time the trusted test runner spent waiting on the candidate (load + calls).
    ``compiles`` is checked outside the sandbox with ``compile()``, which runs nothing.
    Deviation from CodeRL: its critic-based and -1/-0.6/-0.3/+1 return shaping is not used; the
    report's linear form is.

    Args:
        alpha: Weight of compile success.
        beta: Weight of the test pass rate.
        gamma: Weight of efficiency.
        efficiency_budget_s: Candidate time at which efficiency reaches 0.
        config: Sandbox limits.
        max_workers: Concurrent sandboxes.
    """

    __name__ = "code_rl_reward"

    def __init__(self, alpha: float = 0.1, beta: float = 0.8, gamma: float = 0.1, efficiency_budget_s: float = 1.0,
                 config: SandboxConfig | None = None, max_workers: int | None = None) -> None:
        super().__init__(config, max_workers)
        if min(alpha, beta, gamma) < 0 or efficiency_budget_s <= 0:
            raise ValueError(f"alpha, beta, gamma must be >= 0 and efficiency_budget_s > 0, got "
                             f"{alpha}, {beta}, {gamma}, {efficiency_budget_s}")
        self.alpha, self.beta, self.gamma, self.budget = alpha, beta, gamma, efficiency_budget_s

    def reward(self, job: Job, result: SandboxResult) -> float:
        """Eq. 77 for one completion."""
        full = bool(result.tests) and all(result.tests)
        eff = max(0.0, 1.0 - result.candidate_s / self.budget) if full else 0.0
        return self.alpha * _compiles(job.program) + self.beta * result.pass_rate + self.gamma * eff


def _job_key(job: Job) -> tuple:
    return job.program, tuple(job.tests), job.setup, job.entry_point


def _compiles(program: str) -> bool:
    try:
        compile(program, "<candidate>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


code_pass_rate = CodePassRate()
code_rl_reward = CodeRLReward()

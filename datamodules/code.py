"""CodePromptDataModule: HumanEval- and MBPP-style code problems for the sandboxed code reward.

Rows reach the reward (:mod:`lit_reason.rewards.code`, report §3.5.1 eq 36, §8.1.2) as columns:

- HumanEval (Chen et al. 2021, arXiv:2107.03374): ``prompt`` (signature + docstring), ``test`` (code
  defining ``check(candidate)``) and ``entry_point``; ``canonical_solution`` becomes ``completion``.
- MBPP (Austin et al. 2021, arXiv:2108.07732): ``text`` or ``prompt`` (a description), ``test_list``
  (assert strings), optional ``test_setup_code`` and ``test_imports``; ``code`` becomes ``completion``. The
  prompt shows the tests (``mbpp_template``), as in the MBPP paper, since they name the function.

Every row is checked in ``setup``: a row without tests, a ``test`` that is not Python defining ``check``, an
``entry_point`` that is not an identifier or a ``test_list`` that is not a list of strings fails with the
file, the row and the field named. Every row carries every code column (``None`` where absent), so a batch
mixing both styles hands the reward aligned columns.
"""

from __future__ import annotations

import ast
from typing import Any

from lit_reason.datamodules.files import (
    DatasetFormatError,
    field_label,
    read_rows,
    row_location,
    validate_rows,
)
from lit_reason.datamodules.prompt import PromptDataModule
from lit_reason.datamodules.tasks.code import CodeArithmeticTask, CodeExpressionTask

CODE_COLUMNS = ("test", "entry_point", "test_list", "test_setup_code", "test_imports")
# Reference solutions by dataset; read as the SFT target when a file has no ``completion``.
REFERENCE_COLUMNS = ("canonical_solution", "code")
MBPP_TEMPLATE = "{prompt}\nYour code should pass these tests:\n{tests}\n"


class CodePromptDataModule(PromptDataModule):
    """Batches of code problems ``{"prompt", "test", "entry_point", "test_list", ...}`` for code RL and SFT.

    Takes the arguments of :class:`PromptDataModule` (``required_fields``: fields every training row must
    have besides its tests, e.g. ``completion`` for SFT; ``rename``: MBPP's ``text`` is read as ``prompt``
    when the file has no ``prompt``; ``chat``: a HumanEval stub is then no longer continued as code, so give
    whole functions), plus:

    Args:
        synthetic: Generate train and validation rows (disjoint) from this words-to-expression task.
        arithmetic: Or from :class:`CodeArithmeticTask` (arithmetic as a function body), instead of files.
        mbpp_template: Prompt of MBPP-style rows, filled with ``{prompt}`` and ``{tests}`` (one assert per
            line); None keeps the prompt as it is.
    """

    def __init__(
        self,
        *args: Any,
        synthetic: CodeExpressionTask | None = None,
        arithmetic: CodeArithmeticTask | None = None,
        mbpp_template: str | None = MBPP_TEMPLATE,
        **kwargs: Any,
    ) -> None:
        if synthetic is not None and arithmetic is not None:
            raise ValueError("CodePromptDataModule: give one of synthetic and arithmetic")
        if mbpp_template is not None:
            try:
                mbpp_template.format(prompt="p", tests="t")
            except (KeyError, IndexError, ValueError) as e:
                raise ValueError(f"CodePromptDataModule.mbpp_template {mbpp_template!r} is not a format string "
                                 f"of {{prompt}} and {{tests}} ({e}); write literal braces as {{{{}}}}") from None
        # Checked before the parent looks at the files: an option error needs no data on disk.
        super().__init__(*args, synthetic=synthetic or arithmetic, **kwargs)
        self.mbpp_template = mbpp_template

    @staticmethod
    def default_fields() -> list[str]:
        return ["prompt"]

    def _load(self, source: str, required: list[str], split: str | None = "train") -> list[dict[str, Any]]:
        # The parent asks validation files for an ``answer``: code rows are verified by their tests instead.
        return load_code_rows(source, [f for f in required if f != "answer"], self.rename, self.mbpp_template,
                              split=split)


def load_code_rows(
    source: str,
    required: list[str],
    rename: dict[str, str] | None = None,
    mbpp_template: str | None = MBPP_TEMPLATE,
    *,
    split: str | None = "train",
) -> list[dict[str, Any]]:
    """Reads, validates and normalises code problems.

    Args:
        source: File, ``datasets`` directory or hub name (see :func:`~lit_reason.datamodules.read_rows`).
        required: Fields every row must have besides its tests, by our names.
        rename: ``{field in the file: our field}``.
        mbpp_template: Prompt of MBPP-style rows (``{prompt}``, ``{tests}``); None keeps it.
        split: Split to read when the dataset has several and ``source`` names none.

    Returns:
        Rows with every column of ``CODE_COLUMNS`` (None where absent); a file without ``completion`` has
        its reference solution (``canonical_solution``, MBPP's ``code``) read as one.

    Raises:
        DatasetFormatError: naming the source, the row and the field.
    """
    raw = read_rows(source, split=split)
    rename = {**_aliases(raw, rename or {}), **(rename or {})}
    where = [row_location(source, r, i) if isinstance(r, dict) else "" for i, r in enumerate(raw, start=1)]
    rows = validate_rows(raw, source, required, rename)
    original = {ours: theirs for theirs, ours in rename.items()}
    out = []
    for row, place in zip(rows, where):
        problem = check_code_row(row)
        if problem:
            name, message = problem
            raise DatasetFormatError(f"{place}: field {field_label(name, original)} {message}")
        out.append(normalise(row, mbpp_template))
    return out


def _aliases(raw: list[Any], rename: dict[str, str]) -> dict[str, str]:
    """Dataset names read as ours when the file lacks ours: MBPP's ``text`` as ``prompt``, a reference
    solution as ``completion``. A file where one row holds both names keeps them apart."""
    rows = [{rename.get(k, k) for k in r} for r in raw if isinstance(r, dict)]
    out = {}
    for theirs, ours in (("text", "prompt"), *((c, "completion") for c in REFERENCE_COLUMNS)):
        if theirs in rename or not any(theirs in r for r in rows):
            continue
        if not any(theirs in r and ours in r for r in rows) and ours not in rename.values():
            out[theirs] = ours
    return out


def check_code_row(row: dict[str, Any]) -> tuple[str, str] | None:
    """The first problem with a row's tests as ``(field, message)``, or None when they are usable."""
    if row.get("test") is not None:
        test, entry = row["test"], row.get("entry_point")
        if not isinstance(test, str) or not test.strip():
            return "test", "must be non-empty Python code defining check(candidate)"
        try:
            module = ast.parse(test)
        except SyntaxError as e:
            return "test", f"is not valid Python (line {e.lineno}: {e.msg})"
        if not any(isinstance(s, ast.FunctionDef) and s.name == "check" for s in module.body):
            return "test", "must define check(candidate) (HumanEval layout)"
        if entry is None:
            return "entry_point", "is missing (HumanEval rows with 'test' name the function under test)"
        if not isinstance(entry, str) or not entry.isidentifier():
            return "entry_point", f"must be a function name, got {entry!r:.80}"
        return None
    tests = row.get("test_list")
    if tests is None:
        return "test_list", "is missing: give 'test' and 'entry_point' (HumanEval) or 'test_list' (MBPP)"
    if not isinstance(tests, list) or not tests or not all(isinstance(t, str) and t.strip() for t in tests):
        return "test_list", f"must be a non-empty list of assert strings, got {tests!r:.80}"
    setup, imports = row.get("test_setup_code"), row.get("test_imports")
    if setup is not None and not isinstance(setup, str):
        return "test_setup_code", f"must be a string, got {type(setup).__name__}"
    if imports is not None and not (isinstance(imports, list) and all(isinstance(i, str) for i in imports)):
        return "test_imports", f"must be a list of import strings, got {imports!r:.80}"
    return None


def normalise(row: dict[str, Any], mbpp_template: str | None = MBPP_TEMPLATE) -> dict[str, Any]:
    """Every code column present (None where absent) and MBPP prompts through ``mbpp_template``."""
    out = {**{c: None for c in CODE_COLUMNS}, **row}
    if out["test"] is None and mbpp_template is not None and isinstance(out["prompt"], str):
        out["prompt"] = mbpp_template.format(prompt=out["prompt"], tests="\n".join(out["test_list"]))
    return out

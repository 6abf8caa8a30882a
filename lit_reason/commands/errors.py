"""One-line command-line errors: ``lit-reason: error: <option>: <what is wrong>``.

jsonargparse reports a bad constructor argument as a tree of "Does not validate against any of the Union
subtypes" blocks that ends in a dump of the whole config, 75-112 lines with the useful sentence buried in
the middle. This module reduces both of its forms to the option and that sentence:

- parse errors (``ArgumentError``): their text nests ``Parser key "x":`` blocks down to the leaf message;
- instantiation errors (a constructor raised): jsonargparse chains the original exception as
  ``__cause__``; its message is the sentence, and the innermost union block's "Given value" locates the
  option in the parsed config.

One mechanism for every class, so a new option's validation needs no CLI code. ``LIT_REASON_TRACEBACK=1``
shows the full traceback instead.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import re
from typing import Any

UNION = "Does not validate against any of the Union subtypes"
_BOILERPLATE = re.compile(
    r"^(- )?(Does not validate against|Subtypes:|Errors:|Given value|Expected a <class 'NoneType'>"
    r"|tip: |usage: )"
)
_KEY = re.compile(r'^(- )?Parser key "([^"]+)":\s*(.*)$')
_CLASS = re.compile(r"^(- )?Problem with given class_path '([^']+)':\s*(.*)$")
_TOP = {"LightningModule": "model", "LightningDataModule": "data"}


class CLIError(Exception):
    """A user error the CLI prints as one line and exits 2 on; ``option`` may be empty."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(f"{option}: {message}" if option else message)
        self.option, self.message = option, message


def show_tracebacks() -> bool:
    return os.environ.get("LIT_REASON_TRACEBACK", "") not in ("", "0")


def from_parse_error(text: str) -> CLIError:
    """The option and leaf message of a jsonargparse parse error's text."""
    path: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("error: "):
            line = line[len("error: ") :]
        if not line or _BOILERPLATE.match(line):
            continue
        if m := _KEY.match(line):
            path.append(m.group(2))
            line = m.group(3)
        elif m := _CLASS.match(line):
            if not _is_dataclass_path(m.group(2)):
                path.append("init_args")
            line = m.group(3)
        if line and not _BOILERPLATE.match(line):
            return CLIError(".".join(path), _first_sentence(line))
    return CLIError(".".join(path), _first_sentence(text))


def from_instantiation_error(exc: BaseException, config: Any) -> CLIError:
    """The option and the constructor's own message for an exception raised while instantiating ``config``."""
    chain = []
    while exc is not None:
        chain.append(exc)
        exc = exc.__cause__
    root = chain[-1]
    unions = [e for e in chain if str(e).startswith(UNION)]
    option = ""
    if unions:
        given = str(unions[-1]).rpartition("\nGiven value: ")[2]
        option = _find(config, given) or _top_level(str(unions[0]))
    message = _first_sentence(str(root)) or type(root).__name__
    return CLIError(option, message)


def _first_sentence(text: str) -> str:
    """The first non-empty line, without jsonargparse's ``. Got value: ...`` echo of long values."""
    line = next((ln.strip() for ln in str(text).splitlines() if ln.strip()), "")
    head, sep, value = line.partition(". Got value: ")
    return f"{head} (got {value})" if sep and len(value) <= 60 else (head if sep else line)


def _find(node: Any, given: str, prefix: str = "") -> str:
    """Dotted key of the config node whose text is ``given`` (the deepest match), or ""."""
    items = vars(node).items() if hasattr(node, "__dict__") and not isinstance(node, type) else ()
    if isinstance(node, dict):
        items = node.items()
    for key, value in items:
        if key.startswith("__"):
            continue
        path = f"{prefix}.{key}" if prefix else key
        deeper = _find(value, given, path) if isinstance(value, (dict, list)) or hasattr(value, "__dict__") else ""
        if deeper:
            return deeper
        if str(value) == given and not isinstance(value, (str, int, float)):
            return path
    if isinstance(node, list):
        for i, value in enumerate(node):
            deeper = _find(value, given, f"{prefix}[{i}]")
            if deeper or str(value) == given:
                return deeper or f"{prefix}[{i}]"
    return ""


def _top_level(union_text: str) -> str:
    for name, key in _TOP.items():
        if f".{name}'>" in union_text.split("\n", 2)[1]:
            return key
    return ""


def _is_dataclass_path(class_path: str) -> bool:
    module, _, name = class_path.rpartition(".")
    try:
        return dataclasses.is_dataclass(getattr(importlib.import_module(module), name))
    except (ImportError, AttributeError, ValueError):
        return False

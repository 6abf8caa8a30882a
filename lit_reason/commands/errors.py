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

import contextlib
import dataclasses
import importlib
import os
import re
from collections.abc import Iterator
from typing import Any

UNION = "Does not validate against any of the Union subtypes"
_BOILERPLATE = re.compile(
    r"^(- )?(Does not validate against|Subtypes:|Errors:|Given value|Expected a <class 'NoneType'>"
    r"|tip: |usage: )"
)
_KEY = re.compile(r'^(- )?Parser key "([^"]+)":\s*(.*)$')
_CLASS = re.compile(r"^(- )?Problem with given class_path '([^']+)':\s*(.*)$")
_TOP = {"LightningModule": "model", "LightningDataModule": "data"}


class CLIError(ValueError):
    """A user error the CLI prints as one line and exits 2 on; ``option`` may be empty.

    A ``ValueError``, so that Python callers of a command's function (``evaluate.run``) catch it as they would
    the constructor's error it replaces.
    """

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
    unions = [i for i, e in enumerate(chain) if str(e).startswith(UNION)]
    # what the constructor raised is the cause of jsonargparse's innermost union block (its own causes are
    # the constructor's business: `raise ValueError("rewards: ...") from e`)
    at = min(unions[-1] + 1, len(chain) - 1) if unions else len(chain) - 1
    while at + 1 < len(chain) and _CLASS.match(str(chain[at]).strip().splitlines()[0] if str(chain[at]) else ""):
        at += 1  # jsonargparse's "Problem with given class_path" wrapper: the constructor's error is its cause
    root = chain[at]
    unions = [chain[i] for i in unions]
    option = ""
    message = _first_sentence(str(root)) or type(root).__name__
    if unions:
        option = _find(config, str(unions[-1]).rpartition("\nGiven value: ")[2])
    # the object under construction when it raised is at least as precise: a Policy inside the module, a
    # callback in the trainer's list (whose union's given value is half instantiated), a dataclass in a dataclass
    raising = _raising_option(root, config)
    if raising and (not option or raising.startswith((option + ".", option + "["))):
        option = raising
    if option:
        return CLIError(*_named_options(config, option, message))
    return CLIError(_top_level(str(unions[0])) if unions else "", message)


@contextlib.contextmanager
def option_errors(option: str, value: Any = None) -> Iterator[None]:
    """Re-raises a ``ValueError`` or ``OSError`` of the block as a :class:`CLIError` of ``option``.

    For commands that build their objects themselves (``lit-reason evaluate``): the step that failed names
    the option. A leading ``Class.field: `` of the message is dropped, the option says it; ``value`` is
    prefixed where the message does not name it (transformers' hub errors name only the endpoint).
    """
    try:
        yield
    except CLIError:
        raise
    except (ValueError, OSError) as e:  # OSError: a missing file, or transformers' failed hub lookup
        if show_tracebacks():
            raise
        message = re.sub(r"^[A-Z]\w*\.\w+: ", "", _first_sentence(str(e)))
        if value is not None and str(value) not in message:
            message = f"{value!r}: {message}"
        raise CLIError(option, message) from e


def _named_options(config: Any, option: str, message: str) -> tuple[str, str]:
    """The options under ``option`` that ``message`` names, as full paths (else ``option`` itself), and the
    message without a leading option name.

    A constructor names its own argument (``GRPO: sampling.n must be >= 2``, ``OptimizerSettings.lr must be
    > 0``) but jsonargparse only knows which class failed (``model``, ``model.init_args.optimizer``); the
    user's flag is ``--model.init_args.sampling.n``. Quoted words (the valid choices) and path-like words are
    not read as names.
    """
    options = _option_paths(_node_at(config, option), option)
    head = message.partition(": ")[0]
    if head in options or (head[:1].isupper() and head.partition(".")[2] in options):
        # the message leads with the option it is about ("Policy.model: ...", "reward_weights: ...")
        return options.get(head) or options[head.partition(".")[2]], message.partition(": ")[2]
    # "data/trian: no such file": the message leads with the value of the option
    valued = [p for p in dict.fromkeys(options.values()) if str(_node_at(config, p)) == head]
    if len(valued) == 1:
        return valued[0], message
    named: list[str] = []
    for word in _NAME.findall(message):
        # "Policy.model" is the policy's own option; "OptimizerSettings.lr" the class of the option at hand
        path = options.get(word) or (options.get(word.partition(".")[2]) if word[0].isupper() else None)
        if path and path not in named:
            named.append(path)
    named = [p for p in named if not any(q.startswith(p + ".") for q in named)]  # the deepest of nested ones
    return ", ".join(named) or option, message


_NAME = re.compile(r"(?<![\w.'\"/\\-])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?![\w/'\"-])")


def _option_paths(node: Any, prefix: str) -> dict[str, str]:
    """``{"sampling.n": "model.init_args.sampling.n", ...}``: each option under ``node``, as a constructor
    names it (without ``init_args``) and as the command line does."""
    items = dict(node) if isinstance(node, dict) else vars(node) if hasattr(node, "__dict__") else {}
    cls = str(items.get("class_path") or "").rpartition(".")[2]
    out: dict[str, str] = {}
    for key, value in items.items():
        if key.startswith("__") or key in ("class_path", "dict_kwargs"):
            continue
        full = f"{prefix}.{key}"
        for name, path in _option_paths(value, full).items():
            qualified = name[0].isupper()  # "Policy.model", from a class further down
            out.setdefault(name if key == "init_args" or qualified else f"{key}.{name}", path)
            if key == "init_args" and cls and not qualified:
                out[f"{cls}.{name}"] = path  # as the class's own message names it: "Policy.model"
        if key != "init_args":
            out[key] = full
    return out


def _raising_option(exc: BaseException, config: Any) -> str:
    """The config path of the innermost object whose ``__init__`` / ``__post_init__`` was running when
    ``exc`` was raised, among those the config describes (else "")."""
    found, tb = "", exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name in ("__init__", "__post_init__") and "self" in frame.f_locals:
            found = _node_of(config, frame.f_locals["self"], frame.f_locals) or found
        tb = tb.tb_next
    return found


def _node_of(config: Any, obj: Any, local: dict[str, Any]) -> str:
    """The path of the one config node that describes ``obj``: a ``class_path`` of its class, or (a
    dataclass) a node with exactly its fields; where several do, the one whose plain values ``obj`` was given."""
    cls = type(obj)
    fields = {f.name for f in dataclasses.fields(obj)} if dataclasses.is_dataclass(obj) else None
    candidates = []
    for path, node in _nodes(config):
        items = dict(node) if isinstance(node, dict) else vars(node)
        if str(items.get("class_path") or "").rpartition(".")[2] == cls.__name__:
            args = items.get("init_args")
            args = dict(args) if isinstance(args, dict) else vars(args) if hasattr(args, "__dict__") else {}
        elif fields is not None and "class_path" not in items and set(items) - {"__path__"} == fields:
            args = items
        else:
            continue
        given = {k: local.get(k, getattr(obj, k, None)) for k in args}
        candidates.append((path, all(_same(given[k], v) for k, v in args.items() if _plain(v))))
    if len(candidates) > 1:
        candidates = [c for c in candidates if c[1]]
    return candidates[0][0] if len(candidates) == 1 else ""


def _nodes(node: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every mapping in a parsed config (``Namespace`` or dict), with its dotted path (lists as ``[i]``)."""
    if isinstance(node, list):
        for i, value in enumerate(node):
            yield from _nodes(value, f"{prefix}[{i}]")
        return
    if not isinstance(node, dict) and type(node).__name__ != "Namespace":
        return
    if prefix:
        yield prefix, node
    for key, value in (dict(node) if isinstance(node, dict) else vars(node)).items():
        if not key.startswith("__"):
            yield from _nodes(value, f"{prefix}.{key}" if prefix else key)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # an argument whose == is not a bool (a tensor): not evidence either way
        return False


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool)) or (
        isinstance(value, list) and all(_plain(v) for v in value))


def _node_at(config: Any, path: str) -> Any:
    node = config
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        node = node[int(part[1:-1])] if part.startswith("[") else (
            node[part] if isinstance(node, dict) else getattr(node, part, None))
    return node


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

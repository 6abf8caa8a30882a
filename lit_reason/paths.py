"""Telling a local path from a hub name before anything reaches the network.

A typo in a local path (``runs/quickstart/sft`` before the SFT stage ran, ``data/trian``) must fail at once
with the path named, not after a hub lookup that stalls and then reports an unrelated repo-id rule.
"""

from __future__ import annotations

import os


def looks_local(source: str) -> bool:
    """Whether ``source`` is meant as a local path rather than a hub name (``owner/name``).

    Local: absolute or ``./``/``../``/``~`` paths, more than one ``/`` (hub ids have at most one), a first
    component that exists here as a directory (``data/trian`` when ``data/`` exists), or a file extension
    (letters only, so ``Qwen/Qwen2.5-0.5B`` stays a hub id).

    Example:
        >>> looks_local("runs/quickstart/sft"), looks_local("HuggingFaceTB/SmolLM2-135M"), looks_local("x.txt")
        (True, False, True)
    """
    name = source.split("@")[0]
    if name.startswith(("/", "./", "../", "~")) or name.count("/") > 1:
        return True
    head, sep, tail = name.partition("/")
    if sep and os.path.isdir(head):
        return True
    ext = os.path.splitext(tail or head)[1][1:]
    return ext.isalpha()  # "train.txt", "model.gguf"; not the ".5B" of "Qwen/Qwen2.5-0.5B"


def missing_local(source: str) -> bool:
    """True when ``source`` looks local (:func:`looks_local`) and does not exist."""
    return looks_local(source) and not os.path.exists(os.path.expanduser(source.split("@")[0]))

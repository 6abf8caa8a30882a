"""Checks of the command line that need no Lightning: config files exist and are valid YAML."""

from __future__ import annotations

import os

import yaml

from lit_reason.commands.errors import CLIError


def config_files(args: list[str]) -> list[str]:
    """The values of ``--config``/``-c`` in ``args`` (both ``--config X`` and ``--config=X``)."""
    out = []
    for i, arg in enumerate(args):
        if arg in ("--config", "-c") and i + 1 < len(args):
            out.append(args[i + 1])
        elif arg.startswith("--config="):
            out.append(arg.split("=", 1)[1])
    return out


def check_config_files(args: list[str]) -> None:
    """Every ``--config`` file exists and parses, else a :class:`CLIError` naming the file and line.

    jsonargparse reports a YAML error as ``in "<unicode string>", line 2`` without the file, and a missing
    file as an unparseable inline YAML string.
    """
    for path in config_files(args):
        if not os.path.isfile(path):
            if path.lstrip().startswith("{"):
                continue  # an inline YAML/JSON config, which jsonargparse accepts
            raise CLIError("--config", f"{path}: no such file")
        with open(path, encoding="utf-8") as f:
            try:
                yaml.safe_load(f)
            except yaml.YAMLError as e:
                mark = getattr(e, "problem_mark", None)
                where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else path
                what = getattr(e, "problem", None) or str(e).splitlines()[0]
                raise CLIError("--config", f"{where}: invalid YAML ({what})") from None

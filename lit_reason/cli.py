"""``lit-reason``: the command line.

    lit-reason fit --config configs/grpo/quickstart.yaml
    lit-reason fit --config configs/grpo/quickstart.yaml --trainer.max_steps 3 --model.init_args.kl.coef 0.05
    lit-reason validate --config configs/grpo/quickstart.yaml --model.init_args.policy.init_args.model runs/quickstart/grpo
    lit-reason pipeline --config configs/pipelines/r1.yaml     # a chain of stages (lit_reason.pipeline)
    lit-reason plot runs/quickstart/grpo                        # curves of a run to a PNG
    lit-reason evaluate --policy runs/quickstart/grpo --data test.jsonl --out report.json

``fit`` and ``validate`` are LightningCLI subcommands (:class:`LitReasonCLI`); the others are plain
functions registered in :data:`COMMANDS` and imported only when chosen, so ``lit-reason --help`` and
``lit-reason plot`` do not pay for importing Lightning. Any LightningModule and LightningDataModule can be
named by ``class_path``; lit-reason's are the defaults. Logging is CSV unless the config picks another
logger (e.g. ``lightning.pytorch.loggers.WandbLogger``).

A user error (a bad option value, a missing file, invalid YAML, a checkpoint of another method) is one
line, ``lit-reason: error: <option>: <what is wrong>``, and exit status 2; ``LIT_REASON_TRACEBACK=1``
shows the traceback instead.
"""

from __future__ import annotations

import importlib
import os
import sys

# Subcommands outside LightningCLI: name -> ("module:function(argv)", one-line help). Add one here.
COMMANDS: dict[str, tuple[str, str]] = {
    "pipeline": ("lit_reason.pipeline:main", "run a chain of stages, e.g. configs/pipelines/r1.yaml"),
    "plot": ("lit_reason.commands.plot:main", "draw a run's reward/accuracy/KL/entropy/length curves to a PNG"),
    "evaluate": ("lit_reason.evaluate:main", "greedy / pass@k / maj@k / best-of-n / search accuracy to a JSON report"),
    "label-steps": ("lit_reason.commands.label_steps:main", "Math-Shepherd step labels (eq 67) of a file's solutions, resumable"),
}
# LightningCLI subcommands. `test` and `predict` are not offered: no lit-reason module defines their steps.
LIGHTNING_COMMANDS = {
    "fit": "train a config (resume with --ckpt_path)",
    "validate": "score a model on the config's validation set",
}


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``lit-reason``."""
    args = list(sys.argv[1:] if argv is None else argv)
    # Like `python -m`, let configs name modules of the working directory (custom rewards, callbacks).
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    if not args or args[0] in ("-h", "--help"):
        print(_usage())
        return
    from lit_reason.commands.errors import CLIError, show_tracebacks

    try:
        if args[0] in COMMANDS:
            module, _, fn = COMMANDS[args[0]][0].partition(":")
            getattr(importlib.import_module(module), fn)(args[1:])
            return
        if args[0] not in LIGHTNING_COMMANDS:
            raise CLIError("", f"unknown subcommand {args[0]!r}; choose one of {_names()}")
        from lit_reason.commands.preflight import check_config_files

        check_config_files(args)
        cli_class = _lightning_cli()
        cli_class(args=args if argv is not None else None)
    except CLIError as e:
        if show_tracebacks():
            raise
        print(f"lit-reason: error: {e}", file=sys.stderr)
        raise SystemExit(2) from None


def _names() -> str:
    return ", ".join([*LIGHTNING_COMMANDS, *COMMANDS])


def _usage() -> str:
    width = max(map(len, [*LIGHTNING_COMMANDS, *COMMANDS]))
    rows = [f"  {k:<{width}}  {v}" for k, v in LIGHTNING_COMMANDS.items()]
    rows += [f"  {k:<{width}}  {v[1]}" for k, v in COMMANDS.items()]
    return "\n".join([
        "usage: lit-reason {" + ",".join([*LIGHTNING_COMMANDS, *COMMANDS]) + "} ...",
        "",
        "Train reasoning LMs with RL and self-training (PyTorch Lightning).",
        "",
        "subcommands:",
        *rows,
        "",
        "`lit-reason SUBCOMMAND --help` lists a subcommand's options (fit/validate: every option of the config's",
        "classes with its default). Example: lit-reason fit --config configs/grpo/quickstart.yaml",
    ])


def _lightning_cli() -> type:
    from lit_reason.commands.lightning_cli import LitReasonCLI

    return LitReasonCLI


def __getattr__(name: str):
    # `from lit_reason.cli import LitReasonCLI` keeps working without importing Lightning for `--help`.
    if name == "LitReasonCLI":
        return _lightning_cli()
    raise AttributeError(name)


if __name__ == "__main__":
    main()

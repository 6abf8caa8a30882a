"""LitReasonCLI: LightningCLI with subclass mode, lit-reason's defaults and one-line user errors."""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

import lightning as L
from jsonargparse import ArgumentError
from lightning.pytorch.callbacks import ProgressBar
from lightning.pytorch.cli import LightningCLI

from lit_reason.commands.errors import CLIError, from_instantiation_error, from_parse_error, show_tracebacks
from lit_reason.commands.output import StepProgressBar, summary
from lit_reason.commands.resume import resume_overrides
from lit_reason.datamodules.files import DatasetFormatError

_DESCRIPTION = (
    "lit-reason: train reasoning LMs with RL and self-training. `fit` trains a config, `validate` scores a "
    "model on its validation set; see `lit-reason --help` for pipeline and plot."
)


class LitReasonCLI(LightningCLI):
    """LightningCLI with subclass mode for modules and data, and lit-reason's defaults.

    Differences from plain LightningCLI, each for a user at the command line:

    - ``fit`` and ``validate`` only (no lit-reason module defines test or predict steps);
    - ``trainer.accelerator: auto`` (a GPU is used when present), CSV logging under ``runs/``;
    - errors in options, files or checkpoints raise :class:`CLIError` (one line from ``lit-reason``);
    - ``--ckpt_path`` warns about every config value the checkpoint replaces, and refuses a checkpoint of
      another module class;
    - a progress bar counting optimizer steps, and a closing summary (metrics, weights, logs).
    """

    def __init__(self, args: list[str] | None = None, run: bool = True) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        # Lightning warns (14 lines) that under manual optimisation a ModelCheckpoint saves the state after
        # the optimizer step. That is what lit-reason wants: weights, optimizer state, iteration and RNG of
        # the same moment, so a resumed run continues exactly (tested in tests/algorithms/test_resume*.py).
        warnings.filterwarnings("ignore", message="Using ModelCheckpoint with manual optimization")
        super().__init__(
            L.LightningModule,
            L.LightningDataModule,
            subclass_mode_model=True,
            subclass_mode_data=True,
            save_config_kwargs={"overwrite": True},
            args=args,
            run=run,
            auto_configure_optimizers=False,
            parser_kwargs={"description": _DESCRIPTION, "exit_on_error": False},
        )

    @staticmethod
    def subcommands() -> dict[str, set[str]]:
        return {k: v for k, v in LightningCLI.subcommands().items() if k in ("fit", "validate")}

    def add_arguments_to_parser(self, parser: Any) -> None:
        parser.set_defaults(
            {
                "trainer.logger": {
                    "class_path": "lightning.pytorch.loggers.CSVLogger",
                    "init_args": {"save_dir": "runs"},
                },
                "trainer.accelerator": "auto",
                "trainer.devices": 1,
            }
        )

    def parse_arguments(self, parser: Any, args: Any) -> None:
        try:
            super().parse_arguments(parser, args)
        except ArgumentError as e:
            if show_tracebacks():
                raise
            raise from_parse_error(str(e)) from None

    def _parse_ckpt_path(self) -> None:
        sub = self.config.get("subcommand")
        ckpt_path = self.config[sub].get("ckpt_path") if sub else None
        if ckpt_path:
            model = self.config[sub].get("model")
            model = model.as_dict() if hasattr(model, "as_dict") else dict(model or {})
            replaced = resume_overrides(ckpt_path, model)
            if replaced:
                print(f"lit-reason: warning: resuming from {ckpt_path}: the checkpoint's model settings replace "
                      f"the config's (and its optimizer state keeps the saved learning rate): "
                      + "; ".join(replaced), file=sys.stderr)
        super()._parse_ckpt_path()

    def instantiate_classes(self) -> None:
        try:
            super().instantiate_classes()
        except CLIError:
            raise
        except Exception as e:
            if show_tracebacks():
                raise
            sub = self.config.get("subcommand")
            raise from_instantiation_error(e, self.config[sub] if sub else self.config) from e

    def _instantiate_trainer(self, config: dict[str, Any], callbacks: list) -> L.Trainer:
        given = list(config.get("callbacks") or []) + list(callbacks)
        if config.get("enable_progress_bar", True) is not False and not any(isinstance(c, ProgressBar) for c in given):
            callbacks = [*callbacks, StepProgressBar()]
        return super()._instantiate_trainer(config, callbacks)

    def _run_subcommand(self, subcommand: str) -> None:
        try:
            super()._run_subcommand(subcommand)
        except DatasetFormatError as e:  # rows are read in setup(): the file, row and field are in the message
            if show_tracebacks():
                raise
            raise CLIError("data", str(e)) from e
        if self.trainer.is_global_zero:
            print(summary(self.trainer, subcommand))

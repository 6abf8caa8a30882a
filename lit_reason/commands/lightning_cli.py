"""LitReasonCLI: LightningCLI with subclass mode, lit-reason's defaults and one-line user errors."""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

import lightning as L
from jsonargparse import ArgumentError, Namespace
from lightning.pytorch.callbacks import Callback, ModelCheckpoint, ProgressBar
from lightning.pytorch.cli import LightningCLI
from lightning.pytorch.utilities.model_helpers import is_overridden

from lit_reason.algorithms.optim import ScheduleError
from lit_reason.commands.errors import CLIError, from_instantiation_error, from_parse_error, show_tracebacks
from lit_reason.commands.output import StepProgressBar, summary
from lit_reason.commands.resume import policy_mismatch, resume_overrides
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
        warnings_ = []
        if ckpt_path:
            model = self.config[sub].get("model")
            model = model.as_dict() if hasattr(model, "as_dict") else dict(model or {})
            if replaced := resume_overrides(ckpt_path, model):
                warnings_.append("the checkpoint's model settings replace the config's (and its optimizer state keeps "
                                 "the saved learning rate): " + "; ".join(replaced))
            warnings_ += policy_mismatch(ckpt_path, dict((model.get("init_args") or {}).get("policy") or {}))
        try:
            super()._parse_ckpt_path()
        except ArgumentError as e:  # the saved settings do not fit this version's signature (an option removed)
            if show_tracebacks():
                raise
            error = from_parse_error(str(e))
            raise CLIError("ckpt_path", f"{ckpt_path}: its saved model settings do not parse here ({error})") from None
        for line in warnings_:  # after every refusal
            print(f"lit-reason: warning: resuming from {ckpt_path}: {line}", file=sys.stderr)

    def instantiate_classes(self) -> None:
        try:
            self._build_data_first()
            super().instantiate_classes()
        except CLIError:
            raise
        except Exception as e:
            if show_tracebacks():
                raise
            sub = self.config.get("subcommand")
            raise from_instantiation_error(e, self.config[sub] if sub else self.config) from e

    def _build_data_first(self) -> None:
        """Builds the data module once on its own, then drops it.

        jsonargparse builds the model first, and a model may load for minutes; a data module checks its files
        in ``__init__`` (a mistyped ``train_file``, an unknown extension), so that one-line error comes first.
        A LightningDataModule reads nothing before ``setup``, so the extra construction costs nothing.
        """
        sub = self.config.get("subcommand")
        config = self.config[sub] if sub else self.config
        if config.get("data") is not None:
            self._parser(sub).instantiate_classes(Namespace(data=config.data))

    def _instantiate_trainer(self, config: dict[str, Any], callbacks: list) -> L.Trainer:
        if isinstance(config.get("callbacks"), list):
            config["callbacks"] = later_wins(config["callbacks"])
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
        except ScheduleError as e:  # built in configure_optimizers, from trainer.max_steps
            if show_tracebacks():
                raise
            raise CLIError("model.init_args.optimizer.schedule", str(e)) from e
        if self.trainer.is_global_zero:
            print(summary(self.trainer, subcommand))


def later_wins(callbacks: list[Callback]) -> list[Callback]:
    """``callbacks`` without those a later one of the same state key replaces, each said in a warning.

    Lightning refuses two stateful callbacks of one state key (two ``ModelCheckpoint`` on the same schedule);
    on the command line a later value replaces an earlier one, so ``--trainer.callbacks+=...`` (as the
    pipeline runner adds its stage checkpoint to a config that has its own) replaces the config's.
    """
    stateful = [is_overridden("state_dict", instance=c, parent=Callback) for c in callbacks]
    last = {c.state_key: i for i, (c, s) in enumerate(zip(callbacks, stateful, strict=True)) if s}
    kept = []
    for i, (cb, s) in enumerate(zip(callbacks, stateful, strict=True)):
        if s and last[cb.state_key] != i:
            print(f"lit-reason: warning: trainer.callbacks: {_describe(cb)} is replaced by the later "
                  f"{_describe(callbacks[last[cb.state_key]])} (Lightning keeps one per state key)", file=sys.stderr)
            continue
        kept.append(cb)
    return kept


def _describe(callback: Callback) -> str:
    where = f"(dirpath={callback.dirpath})" if isinstance(callback, ModelCheckpoint) else ""
    return type(callback).__name__ + where

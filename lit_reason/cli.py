"""``lit-reason``: LightningCLI for every method (``fit``, ``validate``, ``test``, ``predict``).

    lit-reason fit --config configs/grpo/quickstart.yaml
    lit-reason fit --config configs/grpo/quickstart.yaml --trainer.max_steps 3 --model.kl_coef 0.05
    lit-reason pipeline --config configs/pipelines/r1.yaml     # a chain of stages (lit_reason.pipeline)

Any LightningModule and LightningDataModule can be named by ``class_path``; lit-reason's are the defaults.
Logging is CSV unless the config picks another logger (e.g. ``lightning.pytorch.loggers.WandbLogger``).
"""

from __future__ import annotations

import os
import sys

import lightning as L
from lightning.pytorch.cli import LightningCLI

_DESCRIPTION = (
    "lit-reason: train reasoning LMs with RL and self-training. Subcommands fit/validate/test/predict run "
    "one config; `lit-reason pipeline --config PIPELINE.yaml` runs a chain of stages (see "
    "`lit-reason pipeline --help`)."
)


class LitReasonCLI(LightningCLI):
    """LightningCLI with subclass mode for modules and data, and lit-reason's defaults."""

    def __init__(self, args: list[str] | None = None, run: bool = True) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        super().__init__(
            L.LightningModule,
            L.LightningDataModule,
            subclass_mode_model=True,
            subclass_mode_data=True,
            save_config_kwargs={"overwrite": True},
            args=args,
            run=run,
            auto_configure_optimizers=False,
            parser_kwargs={"description": _DESCRIPTION},
        )

    def add_arguments_to_parser(self, parser) -> None:
        parser.set_defaults(
            {
                "trainer.logger": {
                    "class_path": "lightning.pytorch.loggers.CSVLogger",
                    "init_args": {"save_dir": "runs"},
                },
                "trainer.accelerator": "cpu",
                "trainer.devices": 1,
            }
        )


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``lit-reason``: ``pipeline`` goes to :mod:`lit_reason.pipeline`, ``evaluate`` to
    :mod:`lit_reason.evaluate`, the rest to :class:`LitReasonCLI`."""
    args = list(argv if argv is not None else sys.argv[1:])
    if args[:1] == ["pipeline"]:
        from lit_reason.pipeline import main as pipeline_main  # imported on demand: the CLI needs none of it

        pipeline_main(args[1:])
        return
    if args[:1] == ["evaluate"]:
        from lit_reason.evaluate import main as evaluate_main  # on demand, like pipeline

        evaluate_main(args[1:])
        return
    # args=None lets LightningCLI read sys.argv itself (passing both makes it warn).
    LitReasonCLI(args=args if argv is not None else None)


if __name__ == "__main__":
    main()

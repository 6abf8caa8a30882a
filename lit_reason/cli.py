"""``lit-reason``: LightningCLI for every method (``fit``, ``validate``, ``test``, ``predict``).

    lit-reason fit --config configs/grpo/quickstart.yaml
    lit-reason fit --config configs/grpo/quickstart.yaml --trainer.max_steps 3 --model.kl_coef 0.05

Any LightningModule and LightningDataModule can be named by ``class_path``; lit-reason's are the defaults.
Logging is CSV unless the config picks another logger (e.g. ``lightning.pytorch.loggers.WandbLogger``).
"""

from __future__ import annotations

import os
import sys

import lightning as L
from lightning.pytorch.cli import LightningCLI


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
    """Console entry point ``lit-reason``."""
    LitReasonCLI(args=argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()

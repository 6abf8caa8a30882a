"""ExportPolicy: write the trained policy as a Hugging Face directory, so the next stage can load it."""

from __future__ import annotations

import json
import os

import lightning as L
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.utilities import rank_zero_warn
from typing_extensions import override

# Written next to the weights: how many optimizer steps made them, so a shorter run does not replace them.
RECORD = "lit_reason_export.json"


class ExportPolicy(Callback):
    """Saves ``pl_module.policy`` with ``save_pretrained`` when fitting ends (LoRA merged in).

    The directory loads with ``Policy(model=dirpath)`` or ``AutoModelForCausalLM.from_pretrained``. It
    records the run's step count in ``lit_reason_export.json``; an export made by a run of more steps is
    kept, with a warning, unless ``overwrite`` is set: a 5-step trial of ``configs/sft/quickstart.yaml`` no
    longer replaces the 250-step model every other quickstart config starts from.

    Args:
        dirpath: Output directory.
        overwrite: Replace an existing export even when it came from a run of more optimizer steps.
    """

    def __init__(self, dirpath: str, overwrite: bool = False) -> None:
        if not dirpath:
            raise ValueError("ExportPolicy.dirpath must be a non-empty path")
        self.dirpath = dirpath
        self.overwrite = overwrite
        self.exported = False

    @override
    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        if not hasattr(pl_module, "policy"):
            raise TypeError(f"ExportPolicy needs a module with a `policy` attribute; {type(pl_module).__name__} has none")

    @override
    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        earlier = self.previous_steps()
        if not self.overwrite and earlier is not None and earlier > trainer.global_step:
            rank_zero_warn(
                f"ExportPolicy: kept {self.dirpath} (exported by a run of {earlier} steps); this run's "
                f"{trainer.global_step} steps were not written over it. Set ExportPolicy overwrite: true or "
                "another dirpath to export them."
            )
            return
        os.makedirs(self.dirpath, exist_ok=True)
        pl_module.policy.save_pretrained(self.dirpath)
        with open(os.path.join(self.dirpath, RECORD), "w") as f:
            json.dump({"global_step": trainer.global_step}, f)
        self.exported = True

    def previous_steps(self) -> int | None:
        """Optimizer steps of the export already in ``dirpath``, or None if there is none (or no record)."""
        try:
            with open(os.path.join(self.dirpath, RECORD)) as f:
                return int(json.load(f)["global_step"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

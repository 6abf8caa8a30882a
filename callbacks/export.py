"""ExportPolicy: write the trained policy as a Hugging Face directory, so the next stage can load it."""

from __future__ import annotations

import os

import lightning as L
from lightning.pytorch.callbacks import Callback
from typing_extensions import override


class ExportPolicy(Callback):
    """Saves ``pl_module.policy`` with ``save_pretrained`` when fitting ends (LoRA merged in).

    The directory loads with ``Policy(model=dirpath)`` or ``AutoModelForCausalLM.from_pretrained``.

    Args:
        dirpath: Output directory.
    """

    def __init__(self, dirpath: str) -> None:
        if not dirpath:
            raise ValueError("ExportPolicy.dirpath must be a non-empty path")
        self.dirpath = dirpath

    @override
    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        if not hasattr(pl_module, "policy"):
            raise TypeError(f"ExportPolicy needs a module with a `policy` attribute; {type(pl_module).__name__} has none")

    @override
    def on_fit_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if trainer.is_global_zero:
            os.makedirs(self.dirpath, exist_ok=True)
            pl_module.policy.save_pretrained(self.dirpath)

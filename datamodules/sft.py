"""SFTDataModule: prompt/completion pairs for supervised fine-tuning."""

from __future__ import annotations

from lit_reason.datamodules.prompt import PromptDataModule


class SFTDataModule(PromptDataModule):
    """Batches of ``{"prompt", "completion", ...}`` rows; validation rows keep ``answer`` for accuracy.

    Takes the arguments of :class:`PromptDataModule`; files must have ``prompt`` and ``completion``
    (validation files ``prompt`` and ``answer``). Synthetic rows carry all three.
    """

    @staticmethod
    def default_fields() -> list[str]:
        return ["prompt", "completion"]

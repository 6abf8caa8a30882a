"""DataModules, installed as ``lit_reason.datamodules``. They yield raw rows and know nothing of models."""

from lit_reason.datamodules.arithmetic import ArithmeticTask, evaluate
from lit_reason.datamodules.files import DatasetFormatError, read_rows, validate_rows
from lit_reason.datamodules.loader import RowLoader
from lit_reason.datamodules.prompt import PromptDataModule
from lit_reason.datamodules.sft import SFTDataModule

__all__ = [
    "ArithmeticTask",
    "DatasetFormatError",
    "PromptDataModule",
    "RowLoader",
    "SFTDataModule",
    "evaluate",
    "read_rows",
    "validate_rows",
]

"""DataModules, installed as ``lit_reason.datamodules``. They yield raw rows and know nothing of models."""

from lit_reason.datamodules.code import CodePromptDataModule, load_code_rows
from lit_reason.datamodules.difficulty import FeatureDifficulty
from lit_reason.datamodules.files import DatasetFormatError, read_rows, split_source, validate_rows
from lit_reason.datamodules.loader import RowLoader
from lit_reason.datamodules.preference import PreferenceDataModule, near_miss, preference_splits, unpair
from lit_reason.datamodules.prompt import PromptDataModule
from lit_reason.datamodules.sampler import DifficultySampler
from lit_reason.datamodules.sft import SFTDataModule
from lit_reason.datamodules.steps import StepLabelDataModule, with_worked_solutions, worked_solution
from lit_reason.datamodules.tasks.arithmetic import ArithmeticTask, canonical, evaluate
from lit_reason.datamodules.tasks.code import CodeExpressionTask

__all__ = [
    "CodeExpressionTask",
    "CodePromptDataModule",
    "load_code_rows",
    "ArithmeticTask",
    "DatasetFormatError",
    "DifficultySampler",
    "FeatureDifficulty",
    "PreferenceDataModule",
    "PromptDataModule",
    "RowLoader",
    "SFTDataModule",
    "StepLabelDataModule",
    "with_worked_solutions",
    "worked_solution",
    "canonical",
    "evaluate",
    "near_miss",
    "preference_splits",
    "read_rows",
    "split_source",
    "unpair",
    "validate_rows",
]

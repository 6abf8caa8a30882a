"""Every config parses against the real signatures; tiny ones also instantiate."""

import glob
import os

import lightning as L
import pytest
from jsonargparse import ActionConfigFile
from lightning.pytorch.cli import LightningArgumentParser

from lit_reason.cli import LitReasonCLI

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALL = sorted(glob.glob(os.path.join(ROOT, "configs", "**", "*.yaml"), recursive=True))
# configs/pipelines/*.yaml list stages (`lit-reason pipeline`); their stage configs are LightningCLI ones
PIPELINES = [p for p in ALL if os.path.dirname(p) == os.path.join(ROOT, "configs", "pipelines")]
CONFIGS = [p for p in ALL if p not in PIPELINES]


def _parser() -> LightningArgumentParser:
    parser = LightningArgumentParser()
    parser.add_argument("--config", action=ActionConfigFile)
    parser.add_argument("--seed_everything", type=int | bool, default=True)
    parser.add_lightning_class_args(L.Trainer, "trainer")
    parser.add_lightning_class_args(L.LightningModule, "model", subclass_mode=True)
    parser.add_lightning_class_args(L.LightningDataModule, "data", subclass_mode=True)
    return parser


def test_there_are_configs():
    assert any(c.endswith("grpo/quickstart.yaml") for c in CONFIGS)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: os.path.relpath(p, ROOT))
def test_config_parses(path):
    cfg = _parser().parse_args(["--config", path])
    assert cfg.model.class_path.startswith("lit_reason.")


def test_sft_quickstart_instantiates_with_cli(tmp_path):
    cli = LitReasonCLI(
        args=["--config", os.path.join(ROOT, "configs/sft/quickstart.yaml"),
              f"--trainer.logger.init_args.save_dir={tmp_path}"],
        run=False,
    )
    assert type(cli.model).__name__ == "SFTModule"
    assert cli.datamodule.batch_size == 32

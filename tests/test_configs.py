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


def _checkpoints(node):
    """Every ModelCheckpoint entry (``{"class_path": ..., "init_args": ...}``) anywhere in a parsed YAML tree."""
    if isinstance(node, dict):
        if str(node.get("class_path", "")).endswith("ModelCheckpoint"):
            yield node
        for value in node.values():
            yield from _checkpoints(value)
    elif isinstance(node, list):
        for value in node:
            yield from _checkpoints(value)


def test_a_config_checkpoint_is_replaced_by_its_next_run():
    # ModelCheckpoint's version counter makes a second run write last-v1.ckpt beside last.ckpt, so the README's
    # `--ckpt_path .../last.ckpt` would resume the first run, not the latest one.
    import yaml

    found = 0
    for path in CONFIGS:
        with open(path, encoding="utf-8") as f:
            for ckpt in _checkpoints(yaml.safe_load(f)):
                found += 1
                args = ckpt.get("init_args") or {}
                if args.get("save_last"):
                    assert args.get("enable_version_counter") is False, f"{path}: ModelCheckpoint needs " \
                        "enable_version_counter: false next to save_last: true"
    assert found  # configs/grpo/quickstart.yaml has one

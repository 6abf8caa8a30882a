"""Shared fixtures: the tiny policy, a seeded RNG, short arithmetic rows, and the SFT start of behaviour tests."""

from __future__ import annotations

from collections.abc import Callable

import lightning as L
import pytest
from torch.utils.data import DataLoader

from lit_reason.algorithms import OptimizerSettings, SFTModule
from lit_reason.policy import Policy
from lit_reason.tiny import TinyConfig


@pytest.fixture(autouse=True)
def _seed() -> None:
    L.seed_everything(0, verbose=False)


@pytest.fixture
def tiny_policy() -> Policy:
    return Policy("tiny", tiny=TinyConfig(hidden_size=64, num_layers=2, num_heads=4, intermediate_size=128))


@pytest.fixture
def add_rows() -> list[dict]:
    return [{"prompt": f"{a}+{b}=", "answer": str(a + b)} for a, b in [(1, 2), (3, 4), (10, 5), (7, 7)]]


def _sft_start(rows: list[dict], steps: int = 150, lr: float = 3e-3, batch_size: int = 32) -> Policy:
    """A 64-wide tiny Llama after ``steps`` of SFT on ``rows`` (seed 0): the start of the behaviour tests."""
    L.seed_everything(0, verbose=False)
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=64, num_layers=2, num_heads=4, intermediate_size=128))
    loader = DataLoader(rows, batch_size=batch_size, shuffle=True, collate_fn=list)
    trainer = L.Trainer(max_steps=steps, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        enable_checkpointing=False, limit_val_batches=0)
    trainer.fit(SFTModule(policy, verifier=None, optimizer=OptimizerSettings(lr=lr)), loader)
    return policy


@pytest.fixture(scope="session")
def sft_start() -> Callable[..., Policy]:
    """``sft_start(rows, steps=150, lr=3e-3, batch_size=32) -> Policy``; call it from a module-scoped fixture."""
    return _sft_start

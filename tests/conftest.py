"""Shared fixtures: the tiny policy, a seeded RNG, short arithmetic rows, and the SFT start of behaviour tests."""

from __future__ import annotations

from collections.abc import Callable

import lightning as L
import pytest
import torch
from torch import Tensor
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


def _scored_pair(policy: Policy) -> tuple[Tensor, Tensor, Tensor]:
    """Two prompts with hand-written completions (the second padded): ``(input_ids, attention_mask, completion_mask)``."""
    ids, mask, _ = policy.encode_prompts(["12+7=", "3+4="])
    comp = torch.tensor([[20, 21, 2], [13, 2, 0]])
    cmask = torch.tensor([[1, 1, 1], [1, 1, 0]])
    return torch.cat([ids, comp], 1), torch.cat([mask, cmask], 1), cmask


@pytest.fixture
def scored_pair() -> Callable[[Policy], tuple[Tensor, Tensor, Tensor]]:
    """``scored_pair(policy)``: the batch the policy and offload tests score."""
    return _scored_pair


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

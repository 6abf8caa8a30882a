"""Shared fixtures: the tiny policy, a seeded RNG, and short arithmetic rows."""

from __future__ import annotations

import lightning as L
import pytest

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

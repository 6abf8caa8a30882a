"""Fixtures of the BitLinear tests: a single-thread guard and a tiny HF Llama factory."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM


@pytest.fixture
def one_thread():
    """The tiny model gains nothing from threads; on a shared CPU spinning OpenMP workers slow it down."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _tiny_llama() -> LlamaForCausalLM:
    config = LlamaConfig(
        vocab_size=64, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=4,
    )  # fmt: skip
    return LlamaForCausalLM(config)


@pytest.fixture
def tiny_llama() -> Callable[[], LlamaForCausalLM]:
    """Builds a fresh randomly initialised 2-layer, 64-wide HF Llama on each call."""
    return _tiny_llama

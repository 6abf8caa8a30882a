"""PRIME: the advantage of Cui et al. 2025 eq 5-6 by hand, and the online implicit PRM on the tiny model."""

import lightning as L
import pytest
import torch
from torch.testing import assert_close
from torch.utils.data import DataLoader

from lit_reason.advantages.process import discounted_returns, prime_advantages
from lit_reason.algorithms import OptimizerSettings
from lit_reason.algorithms.prime import PRIME
from lit_reason.policy import Policy
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig


def test_prime_advantages_by_hand():
    outcome = torch.tensor([1.0, 0.0, 5.0])
    r = torch.tensor([[0.2, 0.4], [0.0, -0.2], [1.0, 1.0]])
    mask = torch.tensor([[1, 1], [1, 0], [1, 1]])
    group = torch.tensor([0, 0, 1])
    adv = prime_advantages(outcome, r, mask, group, gamma=0.5)
    # per-token means: 0.3, 0.0 (one real token); leave-one-out process baselines: 0.0 for row 0, 0.3 for row 1
    # row 0: process (0.2, 0.4) -> returns (0.2 + 0.5 * 0.4, 0.4) = (0.4, 0.4); outcome 1 - 0 = 1 -> (1.4, 1.4)
    # row 1: process (0 - 0.3) on its one token -> -0.3; outcome 0 - 1 = -1 -> (-1.3, 0)
    # row 2: a group of one: both baselines are its own values -> process (0, 0), outcome 0
    assert_close(adv, torch.tensor([[1.4, 1.4], [-1.3, 0.0], [0.0, 0.0]]), atol=1e-6, rtol=1e-5)
    assert_close(prime_advantages(outcome, r, mask, group, process_coef=0.0)[:, 0], torch.tensor([1.0, -1.0, 0.0]))
    assert_close(discounted_returns(torch.zeros(1, 2), torch.zeros(1, 2)), torch.zeros(1, 2))  # fully masked


ROWS = [{"prompt": f"{i}+1=", "answer": str(i + 1)} for i in range(8)]


def test_prime_updates_its_implicit_prm_online_and_trains():
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    module = PRIME(policy, sampling=SamplingParams(n=4, max_new_tokens=4), optimizer=OptimizerSettings(lr=1e-3),
                   prm_beta=0.5, prm_lr=1e-2)
    start = {k: v.clone() for k, v in module.prm.policy.state_dict().items()}
    trainer = L.Trainer(max_steps=2, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        enable_checkpointing=False, limit_val_batches=0)
    trainer.fit(module, DataLoader(ROWS, batch_size=4, collate_fn=list))
    metrics = trainer.callback_metrics
    assert torch.isfinite(metrics["train/prm_loss"]) and torch.isfinite(metrics["train/loss"])
    moved = any(not torch.equal(v, start[k]) for k, v in module.prm.policy.state_dict().items())
    assert moved  # the PRM took its online steps (pi_ref stays the start)
    assert "prm" not in dict(module.named_children())  # its own optimizer; not the policy's parameters


def test_prime_needs_a_verifier():
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    with pytest.raises(ValueError, match="needs a verifier"):
        PRIME(policy, verifier=None, rewards=["math_accuracy"], sampling=SamplingParams(n=2, max_new_tokens=2))


def test_prime_refuses_one_sample_per_prompt():
    # its outcome and process advantages are leave-one-out (RLOO): a group of one sample has advantage 0
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    with pytest.raises(ValueError, match="PRIME: sampling.n must be >= 2"):
        PRIME(policy, rewards=["math_accuracy"], sampling=SamplingParams(n=1, max_new_tokens=2))

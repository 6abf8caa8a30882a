"""PPO's token rewards, GAE / sequence-level advantages and returns (hand-computed), and its options."""

import lightning as L
import pytest
import torch
from torch.testing import assert_close
from torch.utils.data import DataLoader

from lit_reason.algorithms import PPO, OptimizerSettings
from lit_reason.policy import Policy
from lit_reason.rollout import Rollout
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig

TOL = {"atol": 1e-6, "rtol": 1e-5}


def make(**kw):
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    defaults = dict(rewards=["tests.algorithms.test_grpo.sevens"], verifier=None,
                    sampling=SamplingParams(n=4, max_new_tokens=4), optimizer=OptimizerSettings(lr=1e-3))
    return PPO(policy, **{**defaults, **kw})


def rollout():
    # one completion of two valid tokens and one padding column
    return Rollout(
        prompt_ids=torch.ones(1, 2, dtype=torch.long), prompt_mask=torch.ones(1, 2, dtype=torch.long),
        completion_ids=torch.ones(1, 3, dtype=torch.long), completion_mask=torch.tensor([[1, 1, 0]]),
        sampler_logprobs=torch.tensor([[-1.0, -2.0, 0.0]]), group=torch.tensor([0]),
        finished=torch.tensor([True]), prompts=[""], completions=[""], rewards=torch.tensor([1.0]),
        old_logprobs=torch.tensor([[-1.0, -2.0, 0.0]]), ref_logprobs=torch.tensor([[-1.5, -1.0, 0.0]]),
        values=torch.tensor([[0.2, 0.4, 0.0]]),
    )


def test_token_rewards_gae_and_returns():
    m = make(kl_coef=0.1, kl_estimator="k1", gamma=1.0, lam=1.0, whiten_advantages=False)
    r = rollout()
    adv, ret = m.advantages(r)
    # k1 KL = old - ref = (0.5, -1.0); token rewards = (0 - 0.1*0.5, 1 - 0.1*(-1.0)) = (-0.05, 1.1)
    assert_close(m.token_rewards(r), torch.tensor([[-0.05, 1.1, 0.0]]), **TOL)
    # gamma = lam = 1: A_t = remaining rewards - V_t = (1.05 - 0.2, 1.1 - 0.4); returns = (1.05, 1.1)
    assert_close(adv, torch.tensor([[0.85, 0.7, 0.0]]), **TOL)
    assert_close(ret, torch.tensor([[1.05, 1.1, 0.0]]), **TOL)


def test_kl_in_loss_leaves_token_rewards_plain():
    m = make(kl_coef=0.1, kl_in_reward=False, gamma=1.0, lam=0.0, whiten_advantages=False)
    r = rollout()
    adv = m.advantages(r).advantages
    # lam = 0: A_t = delta_t: t0 = 0 + 0.4 - 0.2 = 0.2, t1 = 1 + 0 - 0.4 = 0.6
    assert_close(m.token_rewards(r), torch.tensor([[0.0, 1.0, 0.0]]), **TOL)
    assert_close(adv, torch.tensor([[0.2, 0.6, 0.0]]), **TOL)


def test_sequence_level_advantage_eq22():
    m = make(kl_coef=0.1, kl_estimator="k1", advantage_level="sequence", whiten_advantages=False)
    r = rollout()
    # R = -0.05 + 1.1 = 1.05; A = R - V(q) = 1.05 - 0.2 = 0.85; every valid token's target is R
    adv, ret = m.advantages(r)
    assert_close(adv, torch.tensor([0.85]), **TOL)
    assert_close(ret, torch.tensor([[1.05, 1.05, 0.0]]), **TOL)


@pytest.mark.parametrize("options", [
    {"policy_loss": "dual_clip", "critic": "separate", "entropy_coef": 0.01},
    {"policy_loss": "kl_penalty", "critic": "frozen", "advantage_level": "sequence", "kl_coef": 0.05},
])
def test_options_train_with_epochs_and_minibatches(options):
    m = make(update_epochs=2, minibatch_size=4, **options)
    trainer = L.Trainer(max_steps=8, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        enable_checkpointing=False, limit_val_batches=0)
    rows = [{"prompt": f"{i}+1=", "answer": str(i + 1)} for i in range(8)]
    trainer.fit(m, DataLoader(rows, batch_size=2, shuffle=False, collate_fn=list))
    # 2 prompts x 4 samples = 8 per rollout: 2 epochs x 2 minibatches = 4 optimizer steps per rollout
    assert m.iteration == 2 and trainer.global_step == 8
    metrics = trainer.callback_metrics
    assert torch.isfinite(metrics["train/value_loss"]) and torch.isfinite(metrics["train/policy_loss"])
    assert "train/explained_variance" in metrics


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="unknown policy loss 'ppo'; valid names: 'clip'"):
        make(policy_loss="ppo")
    with pytest.raises(ValueError, match="advantage_level"):
        make(advantage_level="step")
    with pytest.raises(ValueError, match="value_clip"):
        make(value_clip=0.0)

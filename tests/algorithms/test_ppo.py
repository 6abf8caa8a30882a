"""PPO's token rewards, GAE / sequence-level advantages and returns (hand-computed), and its options."""

import lightning as L
import pytest
import torch
from torch.testing import assert_close
from torch.utils.data import DataLoader

from lit_reason.algorithms import PPO, BatchSettings, KLSettings, OptimizerSettings
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
    m = make(kl=KLSettings(0.1), reward_kl_estimator="k1", gamma=1.0, lam=1.0, whiten_advantages=False)
    r = rollout()
    adv, ret = m.advantages(r)
    # k1 KL = old - ref = (0.5, -1.0); token rewards = (0 - 0.1*0.5, 1 - 0.1*(-1.0)) = (-0.05, 1.1)
    assert_close(m.token_rewards(r), torch.tensor([[-0.05, 1.1, 0.0]]), **TOL)
    # gamma = lam = 1: A_t = remaining rewards - V_t = (1.05 - 0.2, 1.1 - 0.4); returns = (1.05, 1.1)
    assert_close(adv, torch.tensor([[0.85, 0.7, 0.0]]), **TOL)
    assert_close(ret, torch.tensor([[1.05, 1.1, 0.0]]), **TOL)


def test_kl_in_loss_leaves_token_rewards_plain():
    m = make(kl=KLSettings(0.1), kl_in_reward=False, gamma=1.0, lam=0.0, whiten_advantages=False)
    r = rollout()
    adv = m.advantages(r).advantages
    # lam = 0: A_t = delta_t: t0 = 0 + 0.4 - 0.2 = 0.2, t1 = 1 + 0 - 0.4 = 0.6
    assert_close(m.token_rewards(r), torch.tensor([[0.0, 1.0, 0.0]]), **TOL)
    assert_close(adv, torch.tensor([[0.2, 0.6, 0.0]]), **TOL)


def test_sequence_level_advantage_eq22():
    m = make(kl=KLSettings(0.1), reward_kl_estimator="k1", advantage_level="sequence", whiten_advantages=False)
    r = rollout()
    # R = -0.05 + 1.1 = 1.05; A = R - V(q) = 1.05 - 0.2 = 0.85; every valid token's target is R
    adv, ret = m.advantages(r)
    assert_close(adv, torch.tensor([0.85]), **TOL)
    assert_close(ret, torch.tensor([[1.05, 1.05, 0.0]]), **TOL)


def lengths(prompts, completions, **columns):
    """A reward that is never all zero (unlike ``sevens`` on an untrained model): the critic has targets."""
    return [len(c) / 4 for c in completions]


@pytest.mark.parametrize("options", [
    {"policy_loss": "dual_clip", "critic": "separate", "entropy_coef": 0.01},
    {"policy_loss": "kl_penalty", "critic": "frozen", "advantage_level": "sequence", "kl": KLSettings(0.05)},
])
def test_options_train_with_epochs_and_minibatches(options):
    m = make(batching=BatchSettings(update_epochs=2, minibatch_size=4), rewards=["tests.algorithms.test_ppo.lengths"], **options)
    head0 = [p.detach().clone() for p in m.critic.head.parameters()]
    policy0 = [p.detach().clone() for p in m.policy.parameters()]
    trainer = L.Trainer(max_steps=8, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        enable_checkpointing=False, limit_val_batches=0)
    rows = [{"prompt": f"{i}+1=", "answer": str(i + 1)} for i in range(8)]
    trainer.fit(m, DataLoader(rows, batch_size=2, shuffle=False, collate_fn=list))
    # 2 prompts x 4 samples = 8 per rollout: 2 epochs x 2 minibatches = 4 optimizer steps per rollout
    assert m.iteration == 2 and trainer.global_step == 8
    metrics = trainer.callback_metrics
    # both losses reached their parameters: the value head (initialised to 0) and the policy moved
    assert any((p - p0).abs().max() > 1e-6 for p, p0 in zip(m.critic.head.parameters(), head0))
    assert any((p - p0).abs().max() > 1e-6 for p, p0 in zip(m.policy.parameters(), policy0))
    assert m.nonfinite_skips == 0 and "train/explained_variance" in metrics


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="unknown policy loss 'ppo'; valid names: 'clip'"):
        make(policy_loss="ppo")
    with pytest.raises(ValueError, match="advantage_level"):
        make(advantage_level="step")
    with pytest.raises(ValueError, match="value_clip"):
        make(value_clip=0.0)


def test_reward_side_kl_defaults_to_k1_and_other_estimators_are_checked():
    # the default must equal the k1 result of test_token_rewards_gae_and_returns
    m = make(kl=KLSettings(0.1), gamma=1.0, lam=1.0, whiten_advantages=False)
    assert_close(m.token_rewards(rollout()), torch.tensor([[-0.05, 1.1, 0.0]]), **TOL)
    with pytest.warns(UserWarning, match="reward_kl_estimator='k3'"):
        make(kl=KLSettings(0.1), reward_kl_estimator="k3")
    with pytest.raises(ValueError, match="reward_kl_estimator must be one of"):
        make(reward_kl_estimator="full")
    with pytest.raises(ValueError, match="kl.estimator='k1' in the loss has zero expected gradient"):
        make(kl=KLSettings(0.1, estimator="k1"), kl_in_reward=False)


def test_penalty_beta_is_read_at_each_loss_and_adapted_by_the_kl_callback():
    from lit_reason.callbacks import AdaptiveKLController

    m = make(policy_loss="kl_penalty", penalty_beta=0.5, batching=BatchSettings(update_epochs=4), optimizer=OptimizerSettings(lr=3e-2))
    seen = []

    class Record(L.Callback):
        def on_train_batch_start(self, trainer, module, *args):
            seen.append([module.penalty_beta])

        def on_train_batch_end(self, trainer, module, *args):
            seen[-1] += [float(trainer.callback_metrics["train/penalty_kl"]), module.penalty_beta]

    target = 1e-3
    cb = AdaptiveKLController(attribute="penalty_beta", metric="train/penalty_kl", target=target, max_coef=100.0)
    trainer = L.Trainer(max_steps=16, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        enable_checkpointing=False, limit_val_batches=0, callbacks=[cb, Record()])
    rows = [{"prompt": f"{i}+1=", "answer": str(i + 1)} for i in range(8)]
    trainer.fit(m, DataLoader(rows, batch_size=2, shuffle=False, collate_fn=list))
    assert len(seen) == 4
    for before, kl, after in seen:  # eq 19: x2 above 1.5 target, /2 below target / 1.5
        assert kl > 0  # measured at the last of 4 epochs, after 3 of them, not at the first step (where it is 0)
        expected = before * 2 if kl > 1.5 * target else before / 2 if kl < target / 1.5 else before
        assert after == pytest.approx(expected)
    assert any(after != before for before, _, after in seen)
    # the loss reads the current beta: the same minibatch with another beta gives another loss
    r = rollout()
    r.advantages, r.returns = torch.tensor([1.0]), torch.zeros(1, 3)
    m.penalty_beta = 0.0
    r.old_logprobs = r.old_logprobs - 0.5
    low = m.loss(r).loss
    m.penalty_beta = 10.0
    assert m.loss(r).loss > low + 0.1

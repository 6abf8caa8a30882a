"""Online DPO (alg 8) and Iterative DPO (sec 6.22.2): pairing, pair-preserving minibatches, reference rounds,
and a behaviour test: online DPO with the math reward raises validation accuracy over its SFT start."""

import copy

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

from lit_reason.algorithms import BatchSettings, KLSettings, OptimizerSettings
from lit_reason.algorithms.online_dpo import IterativeDPO, OnlineDPO, preference_pairs
from lit_reason.losses.preference import dpo_loss
from lit_reason.policy import Policy
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig
from tests.heldout import DRAWS, TASK, accuracy
from tests.stats import gain_z

TRAIN = TASK.generate(2000, seed=0)  # 1-digit addition has 100 problems: validation is all of them
SAMPLING = SamplingParams(n=8, max_new_tokens=4, temperature=1.0)
TRAINER = dict(logger=False, enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
               limit_val_batches=0)


def small_policy() -> Policy:
    return Policy("tiny", tiny=TinyConfig(hidden_size=64, num_layers=2, num_heads=4, intermediate_size=128))


def fit(module, steps: int, rows=TRAIN, batch_size: int = 8, **trainer):
    L.Trainer(max_steps=steps, **TRAINER, **trainer).fit(module, DataLoader(rows, batch_size=batch_size, shuffle=True,
                                                                 collate_fn=list))
    return module


def test_pairs_are_best_and_worst_per_group_and_ties_are_skipped():
    rewards = torch.tensor([0.0, 1.0, 0.5, 1.0, 1.0, 1.0, 0.2, 0.9, 0.9])
    group = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2])
    index, skipped = preference_pairs(rewards, group)
    # group 0: best 1 (reward 1.0), worst 0 (0.0); group 1 all 1.0 -> skipped; group 2: best 7 (first 0.9), worst 6
    assert index.tolist() == [1, 0, 7, 6] and skipped == 1
    index, skipped = preference_pairs(rewards, group, min_gap=0.6)  # gaps 1.0, 0.0, 0.7 -> groups 0 and 2 pass
    assert index.tolist() == [1, 0, 7, 6] and skipped == 1
    index, skipped = preference_pairs(rewards, group, min_gap=0.8)
    assert index.tolist() == [1, 0] and skipped == 2
    valid = torch.tensor([True, False, True, True, True, True, True, True, True])
    index, _ = preference_pairs(rewards, group, valid=valid)  # group 0 without row 1: best 2 (0.5), worst 0
    assert index.tolist() == [2, 0, 7, 6]


def test_groups_come_in_order_of_first_appearance():
    index, skipped = preference_pairs(torch.tensor([1.0, 0.0, 0.0, 1.0]), torch.tensor([5, 5, 2, 2]))
    assert index.tolist() == [0, 1, 3, 2] and skipped == 0


class Recording(OnlineDPO):
    """Records each micro-batch's groups and checks its loss against dpo_loss computed by hand."""

    def loss(self, minibatch):
        self.seen.append(minibatch.group.tolist())
        out = super().loss(minibatch)
        with torch.no_grad():
            lp = self.policy.token_logprobs(minibatch.input_ids, minibatch.attention_mask,
                                            minibatch.completion_mask).logprobs.sum(1)
        ref = minibatch.ref_logprobs.sum(1)
        expected = dpo_loss(lp[0::2], lp[1::2], ref[0::2], ref[1::2], beta=self.hparams.beta).loss
        torch.testing.assert_close(out.loss.detach(), expected, rtol=1e-5, atol=1e-6)
        return out


def test_minibatches_keep_pairs_together_and_loss_is_dpo(tiny_policy, add_rows):
    module = Recording(tiny_policy, rewards=[lambda p, c, **k: [float(len(x)) for x in c]],
                       sampling=SamplingParams(n=4, max_new_tokens=6), batching=BatchSettings(minibatch_size=4, micro_batch_size=2),
                       optimizer=OptimizerSettings(lr=1e-3))
    module.seen = []
    fit(module, steps=2, rows=add_rows * 4, batch_size=4)
    assert module.seen, "no DPO step ran"
    for groups in module.seen:  # every micro-batch is whole pairs: chosen and rejected from the same prompt
        assert len(groups) % 2 == 0 and groups[0::2] == groups[1::2], groups


def test_no_pairs_no_step(tiny_policy, add_rows):
    module = OnlineDPO(tiny_policy, rewards=[lambda p, c, **k: [1.0] * len(c)],
                       sampling=SamplingParams(n=2, max_new_tokens=3))
    before = copy.deepcopy(module.policy.state_dict())
    fit(module, steps=1, rows=add_rows, batch_size=4, max_epochs=1)  # no pair: no optimizer step is counted
    assert module.iteration == 1
    assert module.trainer.callback_metrics["train/pairs"] == 0
    assert module.trainer.callback_metrics["train/tied_groups"] == 4
    assert all(torch.equal(v, module.policy.state_dict()[k]) for k, v in before.items())


def test_iterative_dpo_replaces_the_reference_every_round(tiny_policy, add_rows):
    module = IterativeDPO(tiny_policy, rewards=[lambda p, c, **k: [float(len(x)) for x in c]], ref_update_every=2,
                          sampling=SamplingParams(n=4, max_new_tokens=6), optimizer=OptimizerSettings(lr=1e-2))
    ref = module.policy.reference
    fit(module, steps=1, rows=add_rows * 4, batch_size=4)  # one rollout: policy moved, reference still the start
    w = "model.model.embed_tokens.weight"
    assert module.ref_round == 0 and not torch.equal(ref.state_dict()[w], module.policy.state_dict()[w])
    fit(module, steps=1, rows=add_rows * 4, batch_size=4)  # second rollout ends round 1
    assert module.ref_round == 1 and torch.equal(ref.state_dict()[w], module.policy.state_dict()[w])
    ckpt = {"lit_reason": {}}
    module.on_save_checkpoint(ckpt)
    fresh = IterativeDPO(small_policy(), ref_update_every=2, sampling=SamplingParams(n=2))
    fresh.on_load_checkpoint(ckpt)
    assert fresh.ref_round == 1 and torch.equal(fresh.policy.reference.state_dict()[w], ref.state_dict()[w])


def test_bad_options_are_named(tiny_policy):
    with pytest.raises(ValueError, match="sampling.n must be >= 2"):
        OnlineDPO(tiny_policy, sampling=SamplingParams(n=1))
    with pytest.raises(ValueError, match="kl.coef must be 0.*batching.micro_batch_size must be even"):
        OnlineDPO(tiny_policy, kl=KLSettings(0.1), batching=BatchSettings(micro_batch_size=3))
    with pytest.raises(ValueError, match="beta must be > 0"):
        OnlineDPO(tiny_policy, beta=0.0)
    with pytest.raises(ValueError, match="ref_update_every must be >= 1"):
        IterativeDPO(tiny_policy, ref_update_every=0)


@pytest.fixture(scope="module")
def sft_policy(sft_start):
    return sft_start(TRAIN)


@pytest.mark.behaviour
def test_online_dpo_raises_validation_accuracy(sft_policy):
    start = accuracy(sft_policy)
    L.seed_everything(0, verbose=False)
    module = OnlineDPO(copy.deepcopy(sft_policy), sampling=SAMPLING, optimizer=OptimizerSettings(lr=5e-4))
    end = accuracy(fit(module, steps=150).policy)
    metrics = module.trainer.callback_metrics
    z = gain_z(start["val/accuracy_sampled"], end["val/accuracy_sampled"], DRAWS)
    print("online DPO start", start, "end", end, "z", z)
    # Observed sampled accuracy (z): native 0.39 -> 0.60 (6.1), avx2 0.39 -> 0.58 (5.6), default 0.39 -> 0.56
    # (4.7); at 100 steps default gave only 0.52 (3.5).
    assert z >= 3, (start, end)
    assert metrics["train/pairs"] > 0  # (the last rollout's margin is one noisy draw: not asserted)

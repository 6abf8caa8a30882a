"""Self-Rewarding (sec 6.9, eq 59-60): pairs come only from differing self-judged scores; an iteration runs
end to end on the tiny model and its reference becomes the trained policy (M_t -> M_{t+1})."""

import math

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

from lit_reason.algorithms.self_rewarding import SelfRewarding
from lit_reason.sampling import SamplingParams

TRAINER = dict(logger=False, enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
               limit_val_batches=0)


def test_pairs_only_from_differing_scores(tiny_policy, add_rows):
    module = SelfRewarding(tiny_policy, sampling=SamplingParams(n=4, max_new_tokens=3))
    # Scripted judgements, 4 per prompt in rollout order (additive 0-5 scale, normalised by 5):
    replies = [" 3", " 3", " 3", " 3",                # all equal: no pair
               " 5", " 1", " 4/5", " 2",              # best row 4 (5 -> 1.0), worst row 5 (1 -> 0.2)
               " 2", " 2", " 0 points", " 2",         # best row 8 (first 2), worst row 10 (0)
               " nothing", " 4 or 5", "", " 9"]       # no parseable score: none_reward 0.0 for all -> tie
    calls = []

    def scripted(texts, max_new_tokens):
        calls.append(texts)
        return replies

    module.judge.backend.generate = scripted
    rollout, metrics = module.collect(add_rows)
    assert calls[0][0].endswith("Score:") and "Review the user's question" in calls[0][0]
    assert rollout.prompts[0] in calls[0][0] and rollout.completions[0] in calls[0][0]
    torch.testing.assert_close(rollout.rewards, torch.tensor(
        [0.6, 0.6, 0.6, 0.6, 1.0, 0.2, 0.8, 0.4, 0.4, 0.4, 0.0, 0.4, 0.0, 0.0, 0.0, 0.0]))
    assert metrics["reward_none_frac"] == 4 / 16
    index, skipped = module.pairs(rollout)
    assert index.tolist() == [4, 5, 8, 10] and skipped == 2
    assert (rollout.rewards[index[0::2]] > rollout.rewards[index[1::2]]).all()


def test_one_self_rewarding_iteration_end_to_end(tiny_policy, add_rows):
    # eq 33 scoring (probability-weighted score) never abstains, so the untrained model's own scores differ
    # and give pairs; the reference is refreshed after the iteration.
    module = SelfRewarding(tiny_policy, judge_scoring="expected", ref_update_every=1,
                           sampling=SamplingParams(n=4, max_new_tokens=4), verifier="math_accuracy")
    L.Trainer(max_steps=1, **TRAINER).fit(module, DataLoader(add_rows, batch_size=4, collate_fn=list))
    m = module.trainer.callback_metrics
    assert m["train/pairs"] == 4 and m["train/reward_none_frac"] == 0
    # the first DPO step starts from policy == reference: every margin is 0 and the loss is exactly log 2
    assert float(m["train/loss"]) == pytest.approx(math.log(2), abs=1e-4)
    assert module.ref_round == 1
    ref = module.policy.reference.state_dict()
    assert all(torch.equal(v, ref[k]) for k, v in module.policy.state_dict().items())


def test_one_iteration_with_generated_judgements(tiny_policy, add_rows):
    module = SelfRewarding(tiny_policy, judge_max_new_tokens=4, sampling=SamplingParams(n=2, max_new_tokens=3))
    L.Trainer(max_steps=1, max_epochs=1, **TRAINER).fit(module, DataLoader(add_rows, batch_size=4,
                                                                           collate_fn=list))
    m = module.trainer.callback_metrics
    # the untrained model writes no score: every sample abstains, is counted, and no pair is formed
    assert m["train/reward_none_frac"] == 1.0 and m["train/pairs"] == 0 and m["train/tied_groups"] == 4


def test_rewards_option_is_refused(tiny_policy):
    with pytest.raises(ValueError, match="rewards must not be set"):
        SelfRewarding(tiny_policy, rewards=["math_accuracy"])

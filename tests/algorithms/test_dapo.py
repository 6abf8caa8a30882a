"""DAPO: dynamic sampling keeps only informative groups, draws until full (bounded), shapes overlong samples."""

import pytest
import torch

from lit_reason.algorithms import DAPO, OptimizerSettings
from lit_reason.policy import Policy
from lit_reason.rollout import Rollout
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig


def make(**kw):
    torch.manual_seed(0)
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    return DAPO(policy, rewards=["math_accuracy"], sampling=SamplingParams(n=2, max_new_tokens=4),
                optimizer=OptimizerSettings(lr=1e-2), **kw)


def scored(rewards: list[float], finished: list[bool] | None = None, lengths: list[int] | None = None) -> Rollout:
    """Two samples per group, in order: groups 0, 0, 1, 1, ...; completion lengths 1..4."""
    b = len(rewards)
    lengths = lengths or [2] * b
    mask = torch.tensor([[1] * n + [0] * (4 - n) for n in lengths])
    return Rollout(
        prompt_ids=torch.ones(b, 2, dtype=torch.long), prompt_mask=torch.ones(b, 2, dtype=torch.long),
        completion_ids=mask.clone(), completion_mask=mask, sampler_logprobs=torch.zeros(b, 4),
        group=torch.arange(b) // 2, finished=torch.tensor(finished or [True] * b),
        prompts=[f"p{i // 2}" for i in range(b)], completions=[f"c{i}" for i in range(b)],
        columns={"answer": [str(i) for i in range(b)]}, rewards=torch.tensor(rewards),
    )


def test_draws_until_full_then_trains_on_one_batch_of_informative_groups():
    dapo = make(max_draws=4)
    # batch 1 (2 prompts): group 0 informative, group 1 all-equal -> 1 of 2: draw again
    out, m = dapo.draw(scored([1.0, 0.0, 1.0, 1.0]), prompts=2)
    assert out is None and m == {"dapo_groups": 1.0}
    # batch 2: both informative -> 3 >= 2: the update gets the first 2 groups in draw order
    out, m = dapo.draw(scored([0.0, 1.0, 1.0, 0.0]), prompts=2)
    assert m == {"dapo_draws": 2.0, "dapo_prompts": 4.0, "dapo_groups": 2.0}
    assert out.completions == ["c0", "c1", "c0", "c1"] and out.group.tolist() == [0, 0, 1, 1]
    assert out.rewards.tolist() == [1.0, 0.0, 0.0, 1.0]
    # the buffer is empty again: an informative batch is one draw
    out, m = dapo.draw(scored([0.0, 1.0, 1.0, 0.0]), prompts=2)
    assert m["dapo_draws"] == 1.0 and len(out) == 4


def test_the_bound_on_draws_trains_on_what_it_has_or_nothing():
    dapo = make(max_draws=2)
    assert dapo.draw(scored([1.0, 1.0, 1.0, 0.0]), prompts=2)[0] is None
    out, m = dapo.draw(scored([0.0, 0.0, 1.0, 1.0]), prompts=2)  # second and last draw: 1 group of 2
    assert len(out) == 2 and m["dapo_draws"] == 2.0 and m["dapo_groups"] == 1.0
    dapo = make(max_draws=1)
    out, m = dapo.draw(scored([1.0, 1.0, 0.0, 0.0]), prompts=2)  # nothing informative: no update, counted
    assert out is None and m == {"dapo_draws": 1.0, "dapo_prompts": 2.0, "dapo_groups": 0.0}


def test_overlong_filter_and_soft_punishment():
    dapo = make(overlong_cache=2)  # max_new_tokens 4: free up to 2 tokens, -0.5 at 3, -1 at 4
    r = scored([1.0, 1.0, 0.0, 0.0], finished=[True, True, True, False], lengths=[1, 3, 2, 4])
    m = dapo.shape(r)
    assert r.rewards.tolist() == [1.0, 0.5, 0.0, -1.0]
    assert r.completion_mask.sum(1).tolist() == [1, 3, 2, 0]  # the truncated sample leaves the loss
    assert m == {"dapo_overlong_penalty": pytest.approx(-0.375), "dapo_truncated_frac": 0.25}


def test_bad_options_are_named():
    with pytest.raises(ValueError, match=r"overlong_cache must be in \[1, sampling.max_new_tokens=4\]"):
        make(overlong_cache=5)
    with pytest.raises(ValueError, match="max_draws must be >= 1"):
        make(max_draws=0)


def has_seven(prompts, completions, **columns):
    """A 0/1 reward that an untrained tiny model earns now and then: many groups are all 0."""
    return [1.0 if "7" in c else 0.0 for c in completions]


class Watched(DAPO):
    """Keeps what each iteration's ``select`` returned."""

    def select(self, rollout):
        out = super().select(rollout)
        self.selected = [*getattr(self, "selected", []), out]
        return out


def test_in_training_every_update_holds_only_informative_groups_and_draws_are_logged():
    import lightning as L
    from lightning.pytorch.callbacks import Callback
    from torch.utils.data import DataLoader

    from lit_reason.advantages import informative_groups

    rows = [{"prompt": f"{i}+{i}=", "answer": str(2 * i)} for i in range(40)]
    torch.manual_seed(0)
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    dapo = Watched(policy, rewards=[has_seven], verifier=None, sampling=SamplingParams(n=4, max_new_tokens=6),
                   optimizer=OptimizerSettings(lr=1e-2), max_draws=3)
    logged = []

    class Log(Callback):
        def on_train_batch_end(self, trainer, pl_module, *args):
            m = trainer.callback_metrics
            logged.append({k: float(m[k]) for k in ("train/dapo_draws", "train/dapo_groups") if k in m})

    trainer = L.Trainer(max_steps=3, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        enable_checkpointing=False, limit_val_batches=0, callbacks=[Log()])
    trainer.fit(dapo, DataLoader(rows, batch_size=4, shuffle=False, collate_fn=list))
    updates = [r for r in dapo.selected if len(r)]
    assert len(updates) == 3  # max_steps counts updates: iterations that only drew made no step
    for r in updates:
        assert informative_groups(r.rewards, r.group).all()  # the filter admits only mixed groups
        assert r.group.unique().numel() <= 4
    # every iteration that ended a draw logged how many batches it took (1..max_draws)
    draws = [m["train/dapo_draws"] for m in logged if "train/dapo_draws" in m]
    assert draws and all(1 <= d <= 3 for d in draws)
    assert len(dapo.selected) >= len(updates)

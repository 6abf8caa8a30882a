"""The asynchronous actor-learner on a local Ray cluster (report sec 8.4.4), on the tiny task."""

import lightning as L
import pytest
from lightning.pytorch.callbacks import Callback
from torch.utils.data import DataLoader

from lit_reason.algorithms import GRPO, OptimizerSettings
from lit_reason.distributed import RaySettings
from lit_reason.policy import Policy
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig


def test_settings_are_validated():
    with pytest.raises(ValueError, match=r"max_staleness \(1\) must be >= depth \(2\)"):
        RaySettings(depth=2, max_staleness=1)
    with pytest.raises(ValueError, match="inner must be one of"):
        RaySettings(inner="sglang")


class Record(Callback):
    def __init__(self):
        self.rows = []

    def on_train_batch_end(self, trainer, pl_module, *args):
        m = trainer.callback_metrics
        self.rows.append({k: float(m[k]) for k in ("train/staleness", "train/is_weight_mean", "train/sampler_kl")})


@pytest.mark.ray
def test_generator_actors_sample_one_step_ahead_with_broadcast_weights():
    pytest.importorskip("ray")
    L.seed_everything(0, verbose=False)
    policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    rows = [{"prompt": f"{i}+1=", "answer": str(i + 1)} for i in range(16)]
    module = GRPO(policy, rewards=["tests.algorithms.test_ddp.odd_start"], verifier=None,
                  sampling=SamplingParams(n=4, max_new_tokens=6), optimizer=OptimizerSettings(lr=1e-2),
                  engine="ray", ray=RaySettings(num_generators=1, depth=1, max_staleness=1))
    assert module.is_correction == "token"  # stale samples: eq 132 on by default
    rec = Record()
    trainer = L.Trainer(max_steps=3, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        enable_checkpointing=False, limit_val_batches=0, callbacks=[rec])
    try:
        trainer.fit(module, DataLoader(rows, batch_size=4, collate_fn=list))
        engine = module.sampler
        # The first rollout is on-policy (the queue fills); then the learner trains one version behind.
        assert [r["train/staleness"] for r in rec.rows] == [0.0, 1.0, 1.0]
        # Stale samples differ from the learner's pi_old: the IS weights are not all 1 and the mismatch is
        # measured (observed sampler_kl ~1e-3 after one update at lr 1e-2).
        assert rec.rows[0]["train/sampler_kl"] == pytest.approx(0.0, abs=1e-6)
        assert all(r["train/sampler_kl"] > 0 for r in rec.rows[1:])
        # The actor took every broadcast: it holds the version of the last sync (before the 3rd collection).
        import ray

        assert engine.policy_version == 2
        assert ray.get(engine.actors[0].version.remote()) == 2
    finally:
        module.sampler.shutdown()

"""The rollout-engine interface: the HF engine as one engine, version stamps, and the vLLM engine (GPU)."""

import importlib.util

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

from lit_reason.algorithms import GRPO, ISSettings, OptimizerSettings
from lit_reason.algorithms import base as base_module
from lit_reason.sampling import HFSampler, SamplingParams
from lit_reason.sampling.engine import RolloutEngine, build_engine
from lit_reason.sampling.vllm import VLLMSettings

PARAMS = SamplingParams(n=2, max_new_tokens=4)


def test_hf_engine_is_a_rollout_engine_and_stamps_its_version(tiny_policy):
    engine = build_engine("hf", tiny_policy, batch_size=1)
    assert isinstance(engine, HFSampler) and isinstance(engine, RolloutEngine)
    first = engine.generate(["1+1=", "2+2="], PARAMS, generator=torch.Generator().manual_seed(0))
    assert first.policy_version.tolist() == [0, 0, 0, 0]
    engine.sync_weights(3)
    assert engine.generate(["1+1="], PARAMS).policy_version.tolist() == [3, 3]


def test_per_chunk_generators_reproduce_chunks_sampled_alone(tiny_policy):
    # What makes 2 ranks x b equal 1 rank x 2b: chunk c of a batch samples exactly as chunk c alone.
    params = SamplingParams(n=3, max_new_tokens=5)
    gens = lambda: [torch.Generator().manual_seed(s) for s in (11, 12)]  # noqa: E731
    both = HFSampler(tiny_policy, batch_size=2).generate(["1+1=", "22+2=", "3+3=", "4+44="], params, generator=gens())
    alone = [HFSampler(tiny_policy).generate(p, params, generator=g)
             for p, g in zip([["1+1=", "22+2="], ["3+3=", "4+44="]], gens())]
    assert both.completions == alone[0].completions + alone[1].completions
    with pytest.raises(ValueError, match="1 generators for 2 chunks"):
        HFSampler(tiny_policy, batch_size=2).generate(["a", "b", "c"], params, generator=gens()[:1])


def test_unknown_engine_and_bad_vllm_settings_are_named(tiny_policy):
    with pytest.raises(ValueError, match=r"engine must be one of \('hf', 'vllm', 'ray'\), got 'sglang'"):
        GRPO(tiny_policy, engine="sglang", verifier=None)
    with pytest.raises(ValueError, match="sleep_level must be 0, 1 or 2, got 3"):
        VLLMSettings(sleep_level=3)
    with pytest.raises(ValueError, match="gpu_memory_utilization"):
        VLLMSettings(gpu_memory_utilization=0.0)


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed")
def test_vllm_engine_without_vllm_says_how_to_install(tiny_policy):
    with pytest.raises(ImportError, match=r"lit-reason\[vllm\]"):
        GRPO(tiny_policy, engine="vllm", verifier=None)


def test_is_correction_is_on_by_default_for_engines_other_than_hf(tiny_policy, monkeypatch):
    assert GRPO(tiny_policy, verifier=None).is_correction == "none"
    # Stand an HF sampler in for vLLM (no GPU here): only the default's resolution is under test.
    monkeypatch.setattr(base_module, "build_engine", lambda name, policy, **kw: HFSampler(policy))
    assert GRPO(tiny_policy, engine="vllm", verifier=None).is_correction == "token"
    assert GRPO(tiny_policy, engine="vllm", verifier=None, is_correction=ISSettings("none")).is_correction == "none"


def test_learner_syncs_the_engine_each_update_and_logs_zero_staleness(tiny_policy):
    rows = [{"prompt": f"{i}+1=", "answer": str(i + 1)} for i in range(8)]
    module = GRPO(tiny_policy, rewards=["tests.algorithms.test_grpo.sevens"], verifier=None,
                  sampling=SamplingParams(n=2, max_new_tokens=4), optimizer=OptimizerSettings(lr=1e-3))
    trainer = L.Trainer(max_steps=3, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        enable_checkpointing=False, limit_val_batches=0)
    trainer.fit(module, DataLoader(rows, batch_size=2, collate_fn=list))
    assert module.last_iteration.rollout.policy_version.tolist() == [2] * 4  # the third rollout, after 2 updates
    assert float(trainer.callback_metrics["train/staleness"]) == 0.0


needs_gpu = pytest.mark.skipif(
    importlib.util.find_spec("vllm") is None or not torch.cuda.is_available(), reason="needs vLLM and a CUDA GPU"
)


@needs_gpu
def test_vllm_engine_samples_what_the_learner_would_and_follows_weight_syncs(tiny_policy):
    from lit_reason.sampling.vllm import VLLMEngine

    policy = tiny_policy.cuda()
    engine = VLLMEngine(policy, VLLMSettings(dtype="float32", enforce_eager=True, gpu_memory_utilization=0.2))
    engine.sync_weights(0)
    greedy = SamplingParams(temperature=0.0, n=1, max_new_tokens=6)
    prompts = ["1+1=", "22+22=", "3+3="]
    assert engine.generate(prompts, greedy).completions == HFSampler(policy).generate(prompts, greedy).completions
    # Sampled: vLLM's log-probs are those the learner recomputes, up to kernel differences (IS weights ~ 1).
    roll = engine.generate(prompts, SamplingParams(n=4, max_new_tokens=6), generator=torch.Generator().manual_seed(0))
    roll = roll.to("cuda")
    lp = policy.token_logprobs(roll.input_ids, roll.attention_mask, roll.completion_mask).logprobs
    m = roll.completion_mask.bool()
    torch.testing.assert_close(lp[m], roll.sampler_logprobs[m], atol=1e-3, rtol=0)
    # After the learner's weights change, a sync makes vLLM sample from the new weights.
    with torch.no_grad():
        for p in policy.parameters():
            p.add_(torch.randn_like(p) * 0.5)
    engine.sync_weights(1)
    out = engine.generate(prompts, greedy)
    assert out.completions == HFSampler(policy).generate(prompts, greedy).completions
    assert out.policy_version.tolist() == [1, 1, 1]

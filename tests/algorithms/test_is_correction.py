"""Eq 132 in the module: pi_old recomputed by the learner, truncated weights on the per-token loss."""

import math

import pytest
import torch
from torch.testing import assert_close

from lit_reason.algorithms import GRPO, BatchSettings, ISSettings, KLSettings
from lit_reason.policy import Policy
from lit_reason.rollout import Rollout
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig


def module(**kw):
    pol = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
    return GRPO(pol, sampling=SamplingParams(n=2, max_new_tokens=3, temperature=1.0), **kw)


def scripted_rollout(m, shift):
    """Two samples of one prompt whose sampler log-probabilities are the learner's minus ``shift``."""
    ids, mask, comp = m.policy.encode_pairs(["1+2=", "1+2="], ["3", "45"])
    t = comp.shape[1]
    with torch.no_grad():
        learner = m.policy.token_logprobs(ids, mask, comp).logprobs
    return Rollout(
        prompt_ids=ids[:, :-t], prompt_mask=mask[:, :-t], completion_ids=ids[:, -t:], completion_mask=comp,
        sampler_logprobs=(learner - shift) * comp, group=torch.tensor([0, 0]),
        finished=torch.ones(2, dtype=torch.bool), prompts=["1+2="] * 2, completions=["3", "45"],
        rewards=torch.tensor([1.0, 0.0]),
    ), learner


@pytest.mark.parametrize(("kind", "shift", "expected"), [
    ("token", 0.5, math.exp(0.5)),  # each token's ratio e^0.5 = 1.6487 < cap 2
    ("token", 1.0, 2.0),  # e^1 = 2.718 truncated at 2
])
def test_token_weights_and_recomputed_old_logprobs(kind, shift, expected):
    m = module(is_correction=ISSettings(kind, cap=2.0))
    r, learner = scripted_rollout(m, shift)
    metrics = m._correct_sampler(r)
    assert_close(r.old_logprobs, learner, atol=1e-6, rtol=1e-6)
    mask = r.completion_mask.bool()
    assert_close(r.is_weights[mask], torch.full((int(mask.sum()),), expected), atol=1e-5, rtol=1e-5)
    assert metrics["is_weight_mean"] == pytest.approx(expected, rel=1e-5)
    # k3 of KL(mu || pi) with log(pi / mu) = shift on every token: (e^s - 1) - s
    assert metrics["sampler_kl"] == pytest.approx(math.expm1(shift) - shift, rel=1e-4)


def test_sequence_weights_truncate_the_product():
    m = module(is_correction=ISSettings("sequence", cap=5.0))
    r, _ = scripted_rollout(m, 0.5)
    m._correct_sampler(r)
    # sample 0 has 2 tokens ("3" + EOS): e^(0.5*2) = 2.718; sample 1 has 3: e^1.5 = 4.48; both under cap 5
    assert_close(r.is_weights[:, 0], torch.tensor([math.e, math.exp(1.5)]), atol=1e-4, rtol=1e-5)
    assert (r.is_weights[0] == r.is_weights[0, 0]).all()  # one weight per sequence, spread over its tokens


def test_weights_scale_the_per_token_loss():
    plain, weighted = module(), module(is_correction=ISSettings("token", cap=2.0))
    weighted.load_state_dict(plain.state_dict())
    r, _ = scripted_rollout(weighted, 0.5)
    weighted._correct_sampler(r)
    r.advantages = torch.tensor([1.0, -1.0])
    r_plain = Rollout(**{**r.__dict__, "is_weights": None, "old_logprobs": r.old_logprobs})
    # every token weighted by the same e^0.5, so the token-mean loss is e^0.5 times the uncorrected one
    assert_close(weighted.loss(r).loss, plain.loss(r_plain).loss * math.exp(0.5), atol=1e-6, rtol=1e-5)


def test_on_policy_hf_sampler_needs_no_correction():
    m = module(is_correction=ISSettings("token"))
    rollout, _ = m.collect([{"prompt": "1+2=", "answer": "3"}, {"prompt": "4+4=", "answer": "8"}])
    metrics = m._correct_sampler(rollout)  # what annotate records
    # the HF sampler and the learner agree (same weights, same kernels): weights ~1, mismatch ~0
    assert metrics["is_weight_mean"] == pytest.approx(1.0, abs=1e-4)
    assert abs(metrics["sampler_kl"]) < 1e-6


def test_bad_option_names_it():
    with pytest.raises(ValueError, match="ISSettings.kind must be one of"):
        module(is_correction=ISSettings("both"))


def test_score_batch_size_changes_the_passes_not_the_values():
    rows = ["1+2=", "3+4=", "5+1="]
    sampling = SamplingParams(n=2, max_new_tokens=4, temperature=1.0)
    scores = []
    for size in (None, 6):
        m = module(kl=KLSettings(0.1), batching=BatchSettings(micro_batch_size=2, score_batch_size=size))
        m.policy.init_reference()
        rollout = m.sampler.generate(rows, sampling, generator=torch.Generator().manual_seed(0))
        calls = []
        ref = m.policy.frozen_reference.logprobs
        scores.append(m._score(rollout, lambda *a, calls=calls, ref=ref, **k: calls.append(a[0].shape[0]) or ref(*a, **k)))
        assert calls == ([2, 2, 2] if size is None else [6])
    assert_close(scores[0], scores[1], atol=1e-5, rtol=0)


def test_score_batch_size_must_be_positive():
    with pytest.raises(ValueError, match="score_batch_size must be >= 1, got 0"):
        module(batching=BatchSettings(score_batch_size=0))


"""Eq 128's full-vocabulary KL: Policy.full_kl against explicit logits, its gradient, and GRPO selecting it."""

import lightning as L
import torch
from torch.testing import assert_close
from torch.utils.data import DataLoader

from lit_reason.algorithms import GRPO, KLSettings, OptimizerSettings
from lit_reason.losses import full_kl
from lit_reason.policy import Policy
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig

TINY = TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64)


def _moved_policy() -> Policy:
    policy = Policy("tiny", tiny=TINY, logprob_chunk=2)  # chunks of 2 rows: the chunking and checkpointing run
    policy.init_reference()
    with torch.no_grad():
        for p in policy.parameters():
            p.add_(0.1 * torch.randn_like(p))
    return policy


def _explicit(policy: Policy, model: Policy, ids, mask, cmask, temperature: float):
    t = cmask.shape[1]
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    logits = model.causal_lm(input_ids=ids, attention_mask=mask, position_ids=pos).logits[:, -t - 1 : -1]
    return logits / temperature


def test_policy_full_kl_matches_explicit_logits_with_gradients(scored_pair):
    policy = _moved_policy()
    ids, mask, cmask = scored_pair(policy)
    out = policy.full_kl(ids, mask, cmask, temperature=0.7)
    with torch.no_grad():
        ref_logits = _explicit(policy, policy.reference, ids, mask, cmask, 0.7)
    expected = full_kl(_explicit(policy, policy, ids, mask, cmask, 0.7), ref_logits) * cmask
    assert_close(out, expected, atol=1e-5, rtol=1e-4)
    assert (out[cmask.bool()] > 1e-4).all() and (out[~cmask.bool()] == 0).all()
    weight = policy.causal_lm.get_output_embeddings().weight
    (g,) = torch.autograd.grad(out.sum(), weight)
    (g_expected,) = torch.autograd.grad(expected.sum(), weight)
    assert_close(g, g_expected, atol=1e-5, rtol=1e-4)
    assert policy.reference.causal_lm.get_output_embeddings().weight.grad is None


def test_grpo_trains_with_the_full_kl_in_its_loss():
    L.seed_everything(0, verbose=False)
    m = GRPO(Policy("tiny", tiny=TINY), rewards=["tests.algorithms.test_grpo.sevens"], verifier=None, kl=KLSettings(coef=0.1, estimator="full"),
             sampling=SamplingParams(n=4, max_new_tokens=4),
             optimizer=OptimizerSettings(lr=2e-2))
    trainer = L.Trainer(max_steps=3, logger=False, enable_progress_bar=False, enable_model_summary=False,
                        enable_checkpointing=False, limit_val_batches=0)
    rows = [{"prompt": f"{i}+1=", "answer": str(i + 1)} for i in range(6)]
    trainer.fit(m, DataLoader(rows, batch_size=2, collate_fn=list))
    # the exact KL is >= 0 and grows from 0 once the policy leaves its reference
    assert float(trainer.callback_metrics["train/kl"]) > 0 and m.nonfinite_skips == 0

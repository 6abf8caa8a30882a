import pytest
import torch

from lit_reason.sampling import HFSampler, SamplingParams
from lit_reason.sampling.processors import pick_tokens, top_p_mask


def test_sampler_logprobs_equal_fresh_forward(tiny_policy):
    sampler = HFSampler(tiny_policy)
    r = sampler.generate(["12+7=", "3+4=", "100+2="], SamplingParams(n=3, max_new_tokens=10),
                         generator=torch.Generator().manual_seed(0))
    fresh = tiny_policy.token_logprobs(r.input_ids, r.attention_mask, r.completion_mask).logprobs
    torch.testing.assert_close(r.sampler_logprobs, fresh.detach(), atol=1e-4, rtol=0)


def test_same_seed_same_completions_and_groups(tiny_policy):
    sampler, params = HFSampler(tiny_policy), SamplingParams(n=4, max_new_tokens=8)
    a = sampler.generate(["1+1=", "2+2="], params, generator=torch.Generator().manual_seed(7))
    b = sampler.generate(["1+1=", "2+2="], params, generator=torch.Generator().manual_seed(7))
    c = sampler.generate(["1+1=", "2+2="], params, generator=torch.Generator().manual_seed(8))
    assert a.completions == b.completions and a.completions != c.completions
    assert a.group.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert len(a) == 8 and a.prompts[3] == "1+1=" and a.prompts[4] == "2+2="


def test_greedy_is_deterministic_and_max_new_tokens_holds(tiny_policy):
    sampler = HFSampler(tiny_policy)
    params = SamplingParams(temperature=0.0, n=2, max_new_tokens=5)
    a = sampler.generate(["9+9="], params, generator=torch.Generator().manual_seed(1))
    b = sampler.generate(["9+9="], params, generator=torch.Generator().manual_seed(2))
    assert a.completions == b.completions and a.completions[0] == a.completions[1]
    assert a.completion_ids.shape[1] <= 5 and int(a.completion_mask.sum(1).max()) <= 5


def test_generation_batches_give_same_rollout_layout(tiny_policy):
    params = SamplingParams(temperature=0.0, n=2, max_new_tokens=6)
    whole = HFSampler(tiny_policy).generate(["1+1=", "22+22=", "3+3="], params, columns={"answer": ["2", "44", "6"]})
    split = HFSampler(tiny_policy, batch_size=1).generate(["1+1=", "22+22=", "3+3="], params,
                                                           columns={"answer": ["2", "44", "6"]})
    assert whole.completions == split.completions
    assert whole.columns == split.columns == {"answer": ["2", "2", "44", "44", "6", "6"]}
    assert split.group.tolist() == [0, 0, 1, 1, 2, 2]


class _UniformLM(torch.nn.Module):
    """Mock causal LM whose next-token logits are uniform except EOS, which is banned."""

    def __init__(self, vocab: int, eos: int) -> None:
        super().__init__()
        self.vocab, self.eos = vocab, eos

    def __call__(self, input_ids, **kw):
        logits = torch.zeros(*input_ids.shape, self.vocab)
        logits[..., self.eos] = -1e9
        return type("Out", (), {"logits": logits})()


def test_uniform_logits_sampling_is_uniform_and_logprob_is_log_one_over_v():
    vocab = 10
    logits = torch.zeros(20000, vocab)
    pick = pick_tokens(logits, SamplingParams(temperature=1.0), torch.Generator().manual_seed(0))
    freq = torch.bincount(pick.tokens, minlength=vocab).float() / 20000
    torch.testing.assert_close(freq, torch.full((vocab,), 0.1), atol=0.01, rtol=0)
    torch.testing.assert_close(pick.logprobs, torch.full((20000,), -torch.log(torch.tensor(10.0)).item()))


def test_top_k_and_top_p_restrict_support():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]])).repeat(4000, 1)
    gen = torch.Generator().manual_seed(0)
    top2 = pick_tokens(logits, SamplingParams(top_k=2), gen).tokens
    assert set(top2.tolist()) == {0, 1}
    # p=0.8: mass before token 2 is 0.8 >= 0.8, so only tokens 0 and 1 remain.
    assert top_p_mask(logits[:1].softmax(-1), torch.tensor([0.8])).tolist() == [[False, False, True, True]]
    nucleus = pick_tokens(logits, SamplingParams(top_p=0.8), gen).tokens
    assert set(nucleus.tolist()) == {0, 1}
    # Log-probabilities stay those of the unfiltered softmax, which the learner can recompute.
    pick = pick_tokens(logits[:2], SamplingParams(top_k=1), gen)
    torch.testing.assert_close(pick.logprobs, torch.log(torch.tensor([0.5, 0.5])))


def test_stop_strings_end_completions(tiny_policy):
    sampler = HFSampler(tiny_policy)
    r = sampler.generate(["1+1="], SamplingParams(n=16, max_new_tokens=30, stop=["a", "b", "c"]),
                         generator=torch.Generator().manual_seed(0))
    eos = tiny_policy.tokenizer.eos_token_id
    lengths = r.completion_mask.sum(1)
    for i, (text, done) in enumerate(zip(r.completions, r.finished.tolist())):
        hit = any(s in text for s in "abc")
        ended_by_eos = int(r.completion_ids[i, lengths[i] - 1]) == eos
        assert done == (hit or ended_by_eos)
        if hit:
            assert text[-1] in "abc" and not any(s in text[:-1] for s in "abc")


@pytest.mark.parametrize("bad", [{"temperature": -1}, {"top_p": 0}, {"top_k": -2}, {"max_new_tokens": 0}, {"n": 0}])
def test_sampling_params_validate(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        SamplingParams(**bad)


def test_per_prompt_counts(tiny_policy):
    sampler = HFSampler(tiny_policy, batch_size=2)
    r = sampler.generate(["1+1=", "22+3=", "4+4="], SamplingParams(n=2, max_new_tokens=6),
                         columns={"answer": ["2", "25", "8"]}, generator=torch.Generator().manual_seed(0),
                         counts=[1, 3, 2])
    assert r.group.tolist() == [0, 1, 1, 1, 2, 2]
    assert r.prompts == ["1+1=", "22+3=", "22+3=", "22+3=", "4+4=", "4+4="]
    assert r.columns["answer"] == ["2", "25", "25", "25", "8", "8"]
    fresh = tiny_policy.token_logprobs(r.input_ids, r.attention_mask, r.completion_mask).logprobs
    torch.testing.assert_close(r.sampler_logprobs, fresh.detach(), atol=1e-4, rtol=0)
    with pytest.raises(ValueError, match="one count >= 1 per prompt"):
        sampler.generate(["1+1="], SamplingParams(n=2), counts=[0])


def test_inverse_cdf_sample_frequencies_and_zero_mass():
    from lit_reason.sampling.processors import inverse_cdf_sample

    probs = torch.tensor([[0.0, 0.5, 0.0, 0.25, 0.25, 0.0]]).expand(20000, 6)
    draws = inverse_cdf_sample(probs, torch.Generator().manual_seed(0))
    counts = torch.bincount(draws, minlength=6).float() / len(draws)
    assert counts[[0, 2, 5]].sum() == 0  # zero-probability tokens, first, middle and last, never drawn
    # binomial std at n=20000, p=0.5: 0.0035; 4 sigma
    torch.testing.assert_close(counts[[1, 3, 4]], torch.tensor([0.5, 0.25, 0.25]), atol=0.014, rtol=0)

import torch

from lit_reason.policy import Policy


def test_token_logprobs_equal_naive_log_softmax_gather(tiny_policy, scored_pair):
    ids, mask, cmask = scored_pair(tiny_policy)
    got = tiny_policy.token_logprobs(ids, mask, cmask, temperature=0.8)
    pos = (mask.cumsum(-1) - 1).clamp(min=0)
    logits = tiny_policy.model(input_ids=ids, attention_mask=mask, position_ids=pos).logits[:, -4:-1] / 0.8
    naive = logits.log_softmax(-1).gather(-1, ids[:, -3:, None]).squeeze(-1) * cmask
    torch.testing.assert_close(got.logprobs, naive, atol=1e-5, rtol=0)
    assert got.entropy is None


def test_left_padding_does_not_change_logprobs(tiny_policy, scored_pair):
    ids, mask, cmask = scored_pair(tiny_policy)
    alone_ids, alone_mask, _ = tiny_policy.encode_prompts(["3+4="])
    alone = torch.cat([alone_ids, torch.tensor([[13, 2]])], 1)
    single = tiny_policy.token_logprobs(alone, torch.ones_like(alone), torch.ones(1, 2, dtype=torch.long))
    batched = tiny_policy.token_logprobs(ids, mask, cmask).logprobs[1, :2]
    torch.testing.assert_close(batched, single.logprobs[0], atol=1e-5, rtol=0)


def test_reference_is_frozen_copy(tiny_policy, scored_pair):
    ids, mask, cmask = scored_pair(tiny_policy)
    tiny_policy.init_reference()
    before = tiny_policy.frozen_reference.logprobs(ids, mask, cmask)
    with torch.no_grad():
        for p in tiny_policy.model.parameters():
            p.add_(0.05)
    after_ref = tiny_policy.frozen_reference.logprobs(ids, mask, cmask)
    torch.testing.assert_close(after_ref, before)
    assert not torch.allclose(tiny_policy.token_logprobs(ids, mask, cmask).logprobs, before)
    assert not any(k.startswith(("_frozen", "_reference")) for k in tiny_policy.state_dict())


def test_save_and_reload_directory(tiny_policy, tmp_path, scored_pair):
    ids, mask, cmask = scored_pair(tiny_policy)
    tiny_policy.save_pretrained(str(tmp_path))
    again = Policy(str(tmp_path))
    torch.testing.assert_close(again.token_logprobs(ids, mask, cmask).logprobs,
                               tiny_policy.token_logprobs(ids, mask, cmask).logprobs)


def test_lora_reference_is_adapter_disabled_base(tmp_path, scored_pair):
    from lit_reason.policy import LoraSettings
    from lit_reason.tiny import TinyConfig

    policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_heads=2, intermediate_size=64),
                    lora=LoraSettings(r=2))
    ids, mask, cmask = scored_pair(policy)
    base = policy.frozen_reference.logprobs(ids, mask, cmask)
    with torch.no_grad():
        for n, p in policy.model.named_parameters():
            if "lora_B" in n:
                p.add_(0.5)
    torch.testing.assert_close(policy.frozen_reference.logprobs(ids, mask, cmask), base)
    assert not torch.allclose(policy.token_logprobs(ids, mask, cmask).logprobs, base)


def test_bad_dtype_is_named():
    import pytest

    with pytest.raises(ValueError, match="Policy.dtype"):
        Policy("tiny", dtype="float8")


def test_a_gguf_file_without_the_gguf_extra_names_the_extra(tmp_path, monkeypatch):
    import importlib.util

    import pytest

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "gguf" else real(name, *a))
    path = tmp_path / "m.gguf"
    path.write_bytes(b"GGUF")
    with pytest.raises(ImportError, match=r"GGUF file, which needs gguf: pip install 'lit-reason\[gguf\]'"):
        Policy(model=str(path))

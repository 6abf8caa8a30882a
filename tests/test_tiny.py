import torch
from transformers import AutoTokenizer

from lit_reason.tiny import TinyConfig, char_tokenizer, tiny_llama


def test_tokenizer_round_trips_text_and_save_load(tmp_path):
    tok = char_tokenizer()
    text = "12+7= <think>a b</think>\n"
    ids = tok(text)["input_ids"]
    assert len(ids) == len(text)  # one id per character
    assert tok.decode(ids) == text
    tok.save_pretrained(tmp_path)
    again = AutoTokenizer.from_pretrained(tmp_path)
    assert again(text)["input_ids"] == ids
    assert again.eos_token_id == tok.eos_token_id and again.pad_token_id == tok.pad_token_id
    chat = again.apply_chat_template([{"role": "user", "content": "1+1="}], tokenize=False, add_generation_prompt=True)
    assert chat == "Q: 1+1=\nA: "


def test_unknown_character_maps_to_unk():
    tok = char_tokenizer()
    assert tok("é")["input_ids"] == [tok.unk_token_id]


def test_tiny_llama_is_seeded_and_leaves_global_rng_alone():
    tok = char_tokenizer()
    before = torch.random.get_rng_state()
    a, b = tiny_llama(tok, TinyConfig(seed=3)), tiny_llama(tok, TinyConfig(seed=3))
    assert torch.equal(torch.random.get_rng_state(), before)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)
    assert a.config.vocab_size == len(tok)


def test_tiny_config_rejects_bad_sizes():
    import pytest

    with pytest.raises(ValueError, match="divisible"):
        TinyConfig(hidden_size=30, num_heads=4)

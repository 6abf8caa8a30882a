"""A character tokenizer and a tiny Llama: the default model of the quickstart and the tests.

Both are real Hugging Face objects (``PreTrainedTokenizerFast``, ``LlamaForCausalLM``), so everything
that works on them works on a hub model: ``save_pretrained`` / ``from_pretrained``, chat templates,
``generate``. The model is small enough that one GRPO step on a 2-core CPU takes well under a second.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

import torch
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

PAD, BOS, EOS, UNK = "<pad>", "<s>", "</s>", "<unk>"
SPECIAL_TOKENS = [PAD, BOS, EOS, UNK]
# Printable ASCII minus the rarely useful vertical whitespace; enough for arithmetic, code and <think> tags.
CHARS = [c for c in string.printable if c not in "\r\x0b\x0c"]

# Chat template: a plain transcript, so a character model can learn it from few examples.
CHAT_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['role'] == 'system' %}{{ m['content'] }}\n"
    "{% elif m['role'] == 'user' %}Q: {{ m['content'] }}\n"
    "{% else %}A: {{ m['content'] }}{{ eos_token }}\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}A: {% endif %}"
)


def char_tokenizer() -> PreTrainedTokenizerFast:
    """Builds the character-level tokenizer: one id per printable ASCII character plus four specials.

    Returns:
        A ``PreTrainedTokenizerFast`` with pad/bos/eos/unk set and a chat template.

    Example:
        >>> tok = char_tokenizer()
        >>> tok.decode(tok("12+7=")["input_ids"])
        '12+7='
    """
    vocab = {tok: i for i, tok in enumerate(SPECIAL_TOKENS + CHARS)}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token=UNK))
    # Every character is its own pre-token; Fuse joins them back without spaces on decode.
    backend.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    backend.decoder = decoders.Fuse()
    tok = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token=PAD,
        bos_token=BOS,
        eos_token=EOS,
        unk_token=UNK,
        padding_side="left",
    )
    tok.chat_template = CHAT_TEMPLATE
    return tok


@dataclass
class TinyConfig:
    """Size of the tiny Llama.

    Args:
        hidden_size: Width of the residual stream.
        num_layers: Transformer blocks.
        num_heads: Attention heads (key/value heads equal).
        intermediate_size: MLP width.
        max_position_embeddings: Longest sequence (prompt + completion).
        seed: Seed of the random initialisation, so a run is reproducible from its config alone.
    """

    hidden_size: int = 128
    num_layers: int = 2
    num_heads: int = 4
    intermediate_size: int = 256
    max_position_embeddings: int = 256
    seed: int = 0

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_heads:
            raise ValueError(
                f"TinyConfig.hidden_size ({self.hidden_size}) must be divisible by num_heads ({self.num_heads})"
            )
        for name in ("hidden_size", "num_layers", "num_heads", "intermediate_size", "max_position_embeddings"):
            if getattr(self, name) < 1:
                raise ValueError(f"TinyConfig.{name} must be >= 1, got {getattr(self, name)}")


def tiny_llama(tokenizer: PreTrainedTokenizerFast, config: TinyConfig | None = None) -> LlamaForCausalLM:
    """Builds a randomly initialised Llama sized by ``config`` for ``tokenizer``'s vocabulary.

    The initialisation uses its own generator seeded from ``config.seed`` so that it does not depend on,
    or disturb, the global RNG.
    """
    cfg = config or TinyConfig()
    llama_cfg = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=cfg.hidden_size,
        intermediate_size=cfg.intermediate_size,
        num_hidden_layers=cfg.num_layers,
        num_attention_heads=cfg.num_heads,
        num_key_value_heads=cfg.num_heads,
        max_position_embeddings=cfg.max_position_embeddings,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        tie_word_embeddings=True,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        model = LlamaForCausalLM(llama_cfg)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model

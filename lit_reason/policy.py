"""Policy: a Hugging Face causal LM and its tokenizer, with the log-probabilities RL needs.

``Policy("tiny")`` builds the tiny Llama of :mod:`lit_reason.tiny`; ``Policy("path/or/hub-id")`` loads any
causal LM; ``Policy("dir/model.gguf")`` de-quantises a GGUF file (needs ``gguf`` and ``accelerate``).
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerBase

from lit_reason.cpu_alloc import keep_freed_memory
from lit_reason.logprobs import TokenStats, chunked_full_kl, chunked_token_logprobs
from lit_reason.nn.lean import make_lean
from lit_reason.packing import PackedBatch, pack_shared_prefix
from lit_reason.paths import missing_local
from lit_reason.reference import AdapterReference, CopyReference, FrozenReference, OffloadedReference
from lit_reason.tiny import TinyConfig, char_tokenizer, tiny_llama

Prompt = str | list[dict[str, str]]
_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass
class LoraSettings:
    """LoRA adapters (peft). With LoRA the reference model is the base with adapters disabled: no copy.

    Args:
        r: Rank.
        alpha: Scaling numerator (``alpha / r``).
        dropout: Dropout on the adapter input.
        target_modules: Linear layers to adapt.
    """

    r: int = 8
    alpha: int = 16
    dropout: float = 0.0
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])

    def __post_init__(self) -> None:
        if self.r < 1:
            raise ValueError(f"LoraSettings.r must be >= 1, got {self.r}")


class Policy(nn.Module):
    """A causal LM + tokenizer.

    Args:
        model: ``"tiny"``, a hub id, a local directory saved with ``save_pretrained``, or a ``.gguf`` file.
        tokenizer: Where to load the tokenizer from, when not beside the model.
        dtype: ``float32`` (the CPU default: bf16 matmuls are slower on most CPUs), ``bfloat16`` or ``float16``.
        tiny: Size of the tiny model when ``model="tiny"``.
        lora: Train LoRA adapters instead of all weights.
        gradient_checkpointing: Recompute activations in the backward pass: ``true`` for every decoder layer,
            an integer n for every n-th layer only (less recomputation, more activation memory).
        bitlinear: Replace every ``nn.Linear`` but the LM head by BitLinear: ``1bit``, ``b1.58`` or ``a4.8``.
        logprob_chunk: Tokens per chunk of the LM head in :meth:`token_logprobs`; None sizes it to the vocabulary.
        lean_activations: Route Llama-family MLPs and RMSNorms through autograd functions that save only
            their matmul outputs for the backward (``lit_reason.nn.lean``): same values, about a third less
            activation memory, no recomputed matmul.
        reference_offload: Keep the frozen reference's weights in a file and in memory only while it scores
            (``lit_reason.offload``): the learner's peak then holds one copy of the model, not two, for about
            0.15 s per step per 0.5 GB read back from the page cache.
        offload_dir: Directory of that file (default: the system's temporary directory); it must be on a disk.
    """

    def __init__(
        self,
        model: str = "tiny",
        tokenizer: str | None = None,
        dtype: str = "float32",
        tiny: TinyConfig | None = None,
        lora: LoraSettings | None = None,
        gradient_checkpointing: bool | int = False,
        bitlinear: str | None = None,
        logprob_chunk: int | None = None,
        lean_activations: bool = False,
        reference_offload: bool = False,
        offload_dir: str | None = None,
    ) -> None:
        super().__init__()
        # What the weights' shapes and meaning depend on, saved in a checkpoint (algorithms/checkpointing.py)
        # so that a resume can refuse a policy built otherwise; memory options may change between runs.
        self.built_from: dict[str, Any] = {
            "model": model, "tokenizer": tokenizer, "dtype": dtype, "bitlinear": bitlinear,
            "tiny": dataclasses.asdict(tiny) if tiny is not None else None,
            "lora": dataclasses.asdict(lora) if lora is not None else None,
        }
        if dtype not in _DTYPES:
            raise ValueError(f"Policy.dtype must be one of {sorted(_DTYPES)}, got {dtype!r}")
        if logprob_chunk is not None and logprob_chunk < 1:  # 0 or less gave NaN log-probs at every step
            raise ValueError(f"Policy.logprob_chunk must be >= 1 or null (sized to the vocabulary), got {logprob_chunk}")
        self.source = model
        self.tokenizer, self.model = _load(model, tokenizer, _DTYPES[dtype], tiny)
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        if bitlinear is not None:
            from lit_reason.nn.bitlinear import swap_linear

            self.bitlinear_report = swap_linear(self.model, variant=bitlinear)
        if lora is not None:
            self.model = _add_lora(self.model, lora)
        if lean_activations:
            make_lean(self.model)
        if gradient_checkpointing:
            _enable_checkpointing(self.model, every_n_layers=int(gradient_checkpointing))
            self.model.config.use_cache = False
        # from_pretrained returns eval mode; Lightning and gradient checkpointing expect train mode.
        self.model.train()
        self.uses_lora = lora is not None
        self.logprob_chunk = logprob_chunk
        self.reference_offload, self.offload_dir = reference_offload, offload_dir
        self._frozen: FrozenReference | None = None  # plain attribute: not a submodule, not in the state dict

    # ---------------------------------------------------------------- prompts
    def format_prompt(self, prompt: Prompt) -> str:
        """Chat messages through the tokenizer's chat template; a plain string as it is."""
        if isinstance(prompt, str):
            return prompt
        return self.tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)

    def encode_prompts(self, prompts: list[Prompt]) -> tuple[Tensor, Tensor, list[str]]:
        """Left-padded prompt ids, their mask and the formatted prompt texts."""
        texts = [self.format_prompt(p) for p in prompts]
        # A chat template writes its own special tokens; a raw prompt gets the tokenizer's (e.g. BOS).
        add_special = not any(isinstance(p, list) for p in prompts)
        self.tokenizer.padding_side = "left"
        enc = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=add_special)
        return enc["input_ids"], enc["attention_mask"], texts

    def encode_pairs(self, prompts: list[Prompt], completions: list[str]) -> tuple[Tensor, Tensor, Tensor]:
        """Prompt (left-padded) + completion + EOS (right-padded), the layout of a Rollout.

        Returns:
            ``(input_ids (B, P + T), attention_mask (B, P + T), completion_mask (B, T))``.
        """
        ids, mask, _ = self.encode_prompts(prompts)
        tok = self.tokenizer
        comp = [c + [tok.eos_token_id] for c in tok(list(completions), add_special_tokens=False)["input_ids"]]
        t = max(len(c) for c in comp)
        comp_ids = torch.full((len(comp), t), tok.pad_token_id, dtype=torch.long)
        comp_mask = torch.zeros(len(comp), t, dtype=torch.long)
        for i, c in enumerate(comp):
            comp_ids[i, : len(c)] = torch.tensor(c)
            comp_mask[i, : len(c)] = 1
        return torch.cat([ids, comp_ids], 1), torch.cat([mask, comp_mask], 1), comp_mask

    # ---------------------------------------------------------------- log-probabilities
    @property
    def backbone(self) -> nn.Module:
        """The transformer without its LM head (LoRA layers included)."""
        return self.causal_lm.get_decoder()

    @property
    def causal_lm(self) -> nn.Module:
        """The ``*ForCausalLM`` module, under a peft wrapper if there is one."""
        return self.model.get_base_model() if self.uses_lora else self.model

    def hidden_states(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        """Final hidden states (B, L, H). Positions count real tokens only, so left padding is harmless."""
        position_ids = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
        out = self.backbone(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids)
        return out.last_hidden_state

    def token_logprobs(
        self,
        input_ids: Tensor,
        attention_mask: Tensor,
        completion_mask: Tensor,
        *,
        temperature: float = 1.0,
        entropy: bool = False,
        group: Tensor | None = None,
    ) -> TokenStats:
        """log pi(token | prefix) of the completion tokens, never building a (B, T, V) tensor.

        Args:
            input_ids: (B, P + T) prompt ids (left-padded) followed by completion ids (right-padded).
            attention_mask: (B, P + T).
            completion_mask: (B, T), 1 on completion tokens to score; the completion is the last T columns.
            temperature: Divides the logits, as the sampler did.
            entropy: Also return per-token entropies (detached).
            group: (B,) prompt ids of the samples; given, samples of one prompt are scored in one packed
                row that holds the prompt once and no completion padding (packing.py), same values.

        Returns:
            ``TokenStats(logprobs (B, T), entropy (B, T) or None)``, zero where ``completion_mask`` is 0.
        """
        if input_ids.device.type == "cpu" and torch.is_grad_enabled():
            keep_freed_memory()  # first CPU training forward: process-wide, once (cpu_alloc.py)
        valid = completion_mask.bool()
        packed = self._pack(input_ids, attention_mask, completion_mask, group)
        if packed is not None:
            out = self.backbone(input_ids=packed.input_ids, position_ids=packed.position_ids,
                                attention_mask=packed.additive_mask(self.causal_lm.dtype))
            hidden = out.last_hidden_state.flatten(0, 1)[packed.predictor]
            targets = packed.targets
        else:
            t = completion_mask.shape[1]
            hidden = self.hidden_states(input_ids, attention_mask)[:, -t - 1 : -1][valid]  # predicts tokens
            targets = input_ids[:, -t:][valid]
        head = self.causal_lm.get_output_embeddings()
        stats = chunked_token_logprobs(
            hidden,
            head.weight,
            targets,
            bias=head.bias,
            temperature=temperature,
            chunk=self.logprob_chunk,
            entropy=entropy,
        )
        logp = stats.logprobs.new_zeros(completion_mask.shape)
        logp = logp.masked_scatter(valid, stats.logprobs)
        ent = None
        if stats.entropy is not None:
            ent = torch.zeros_like(logp).masked_scatter(valid, stats.entropy)
        return TokenStats(logp, ent)

    def full_kl(self, input_ids: Tensor, attention_mask: Tensor, completion_mask: Tensor, *,
                temperature: float = 1.0) -> Tensor:
        """Exact per-token KL(pi || pi_ref) over the vocabulary (eq 128), (B, T), 0 off the completion.

        Gradients reach the policy only; the reference is the frozen copy, or the base under LoRA.
        """
        valid, t = completion_mask.bool(), completion_mask.shape[1]
        hidden = self.hidden_states(input_ids, attention_mask)[:, -t - 1 : -1][valid]  # (N, H)
        frozen = self.frozen_reference
        with torch.no_grad(), frozen.weights() as ref:
            ref_hidden = ref.hidden_states(input_ids, attention_mask)[:, -t - 1 : -1][valid]
            ref_head = ref.causal_lm.get_output_embeddings()
            ref_w = ref_head.weight.detach().clone() if frozen.offloaded else ref_head.weight.detach()
            ref_b = None if ref_head.bias is None else ref_head.bias.detach().clone()
        head = self.causal_lm.get_output_embeddings()
        kl = chunked_full_kl(hidden, head.weight, ref_hidden, ref_w, bias=head.bias, ref_bias=ref_b,
                             temperature=temperature, chunk=self.logprob_chunk)
        return kl.new_zeros(completion_mask.shape).masked_scatter(valid, kl)

    def _pack(
        self, input_ids: Tensor, attention_mask: Tensor, completion_mask: Tensor, group: Tensor | None
    ) -> PackedBatch | None:
        # A 4D mask reaches only the attention kernels that take one; others keep the padded layout.
        if group is None or self.causal_lm.config._attn_implementation not in ("sdpa", "eager"):
            return None
        return pack_shared_prefix(input_ids, attention_mask, completion_mask, group)

    # ---------------------------------------------------------------- reference
    def init_reference(self) -> None:
        """Builds the frozen reference once (``lit_reason/reference.py``): a copy of the current weights, on
        disk with ``reference_offload``, or under LoRA the base with adapters disabled (nothing copied)."""
        if self._frozen is not None:
            return
        if self.uses_lora:
            frozen: FrozenReference = AdapterReference(self)
        elif self.reference_offload:
            frozen = OffloadedReference(self, self.offload_dir)
        else:
            frozen = CopyReference(self)
        # Outside nn.Module's registry: not trained, not in state_dict/checkpoints, not moved twice.
        self.__dict__["_frozen"] = frozen

    @property
    def frozen_reference(self) -> FrozenReference:
        """The reference strategy: ``weights()``, ``logprobs(...)``, ``state_dict``, ``refresh``.

        Under LoRA it exists without :meth:`init_reference` (the base with adapters off costs nothing).
        """
        if self._frozen is None and self.uses_lora:
            self.init_reference()
        if self._frozen is None:
            raise RuntimeError("Policy.frozen_reference: no reference; call init_reference() first")
        return self._frozen

    @property
    def reference(self) -> Policy | None:
        """The frozen reference copy (None before :meth:`init_reference`, and under LoRA).

        Offloaded, its parameters are meta tensors outside ``frozen_reference.weights()``.
        """
        return None if self._frozen is None else self._frozen.model

    # ---------------------------------------------------------------- persistence
    def save_pretrained(self, directory: str) -> None:
        """Writes model and tokenizer so that ``Policy(directory)`` loads them (LoRA merged in)."""
        model = self.model
        if self.uses_lora:
            model = copy.deepcopy(self.model).merge_and_unload()
        model.save_pretrained(directory)
        self.tokenizer.save_pretrained(directory)

    def eval_mode(self):
        """Context manager: eval mode (no dropout) for generation, restoring the previous mode after."""
        return _EvalMode(self.model) if self.model.training else nullcontext()


class _EvalMode:
    def __init__(self, model: nn.Module) -> None:
        self.model = model

    def __enter__(self) -> None:
        self.model.eval()

    def __exit__(self, *exc: object) -> None:
        self.model.train()


def _load(
    source: str, tokenizer: str | None, dtype: torch.dtype, tiny: TinyConfig | None
) -> tuple[PreTrainedTokenizerBase, nn.Module]:
    if source == "tiny":
        if tokenizer is not None:  # the tiny model's vocabulary is its character tokenizer's: nothing else fits
            raise ValueError(f"Policy.tokenizer is not used with model='tiny' (it has its own), got {tokenizer!r}")
        tok = char_tokenizer()
        return tok, tiny_llama(tok, tiny).to(dtype)
    if tiny is not None:
        raise ValueError(f"Policy.tiny is only used with model='tiny', not model={source!r}")
    if missing_local(source):  # before transformers turns a typo into a hub lookup and a repo-id error
        raise FileNotFoundError(
            f"Policy.model: {source!r} does not exist (a local directory saved with save_pretrained, a .gguf "
            "file, a hub id 'owner/name' or 'tiny'); if an earlier stage writes it, run that stage first"
        )
    if tokenizer is not None and missing_local(tokenizer):
        raise FileNotFoundError(f"Policy.tokenizer: {tokenizer!r} does not exist (a local directory with the "
                                "tokenizer's files, or a hub id 'owner/name')")
    kwargs: dict[str, Any] = {"dtype": dtype}
    path = source
    if source.endswith(".gguf"):
        missing = [m for m in ("gguf", "accelerate") if importlib.util.find_spec(m) is None]
        if missing:  # transformers would say only that GGUF loading "requires" them, inside a parse error
            raise ImportError(f"Policy.model: {source!r} is a GGUF file, which needs {' and '.join(missing)}: "
                              "pip install 'lit-reason[gguf]' (make smollm2 installs it)")
        path, kwargs["gguf_file"] = os.path.dirname(os.path.abspath(source)), os.path.basename(source)
    tok_kwargs = {"gguf_file": kwargs["gguf_file"]} if "gguf_file" in kwargs and tokenizer is None else {}
    tok = AutoTokenizer.from_pretrained(tokenizer or path, **tok_kwargs)
    model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    return tok, model


def _enable_checkpointing(model: nn.Module, every_n_layers: int = 1) -> None:
    kwargs = {"use_reentrant": False}
    if every_n_layers < 1:
        raise ValueError(f"Policy.gradient_checkpointing must be true or an integer >= 1, got {every_n_layers}")
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    if hasattr(base, "activation_checkpointing_enable"):  # transformers >= 5.x; the old name warns
        base.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs, every_n_layers=every_n_layers)
    elif every_n_layers > 1:
        raise ValueError("Policy.gradient_checkpointing: every n-th layer needs transformers >= 5.x")
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)


def _add_lora(model: nn.Module, lora: LoraSettings) -> nn.Module:
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("Policy.lora needs peft: pip install 'lit-reason[peft]'") from e
    cfg = LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=list(lora.target_modules),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, cfg)

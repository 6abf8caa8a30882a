"""A colocated vLLM rollout engine (optional extra ``lit-reason[vllm]``; GPU only).

The ``LLM`` lives in the learner's process and on its GPU (TRL's "colocate" mode, verl's hybrid engine):

1. before a collection it wakes up (``LLM.wake_up``), takes the learner's weights if it is behind
   (:meth:`VLLMEngine.sync_weights`: the full state dict through the model's ``load_weights``, or, under
   LoRA, only the adapter, saved and served as a new ``LoRARequest``), and generates from token ids that
   the policy's own tokenizer and chat template produced;
2. after it, it sleeps (``LLM.sleep``: level 1 offloads its weights to CPU and drops the KV cache, level 2
   drops both), returning the GPU memory to the learner's backward pass.

Every sample carries vLLM's log-probability of its token (``logprobs_mode="processed_logprobs"``: after
temperature and top-k/top-p, i.e. the distribution it actually sampled from) and the policy version of the
weights it came from. vLLM's kernels differ from the learner's, so its log-probs are *not* the learner's:
the learner recomputes pi_old and applies the truncated importance weight of eq 132, on by default with this
engine (``is_correction.kind: null`` resolves to ``token``).

Unvalidated here: this session had no GPU, so this module was written against vLLM's documented API
(``LLM(enable_sleep_mode=...)``, ``SamplingParams(logprobs=0, seed=...)``, ``TokensPrompt``,
``LoRARequest``, the V1 in-process engine's ``driver_worker.worker.model_runner.model.load_weights``) and
its tests skip without CUDA.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from typing import Any

import torch

from lit_reason.policy import Policy, Prompt
from lit_reason.rollout import Rollout
from lit_reason.sampling.params import SamplingParams


@dataclass
class VLLMSettings:
    """Options of the colocated vLLM engine.

    Args:
        gpu_memory_utilization: Share of the GPU vLLM may take (weights + KV cache) while awake.
        dtype: vLLM's weight dtype (``bfloat16``, ``float16``, ``float32``).
        sleep_level: 1 offloads weights to CPU while the learner trains, 2 discards them (they are reloaded
            from the learner on wake-up), 0 never sleeps.
        max_model_len: Longest prompt + completion; None lets vLLM read it from the config.
        enforce_eager: No CUDA graphs (slower decoding, faster start, less memory).
        max_lora_rank: Largest adapter rank vLLM reserves for, under a LoRA policy.
        seed: Seed of the engine (each request also gets its own seed from the learner's RNG).
    """

    gpu_memory_utilization: float = 0.3
    dtype: str = "bfloat16"
    sleep_level: int = 1
    max_model_len: int | None = None
    enforce_eager: bool = False
    max_lora_rank: int = 64
    seed: int = 0

    def __post_init__(self) -> None:
        errors = []
        if not 0 < self.gpu_memory_utilization <= 1:
            errors.append(f"gpu_memory_utilization must be in (0, 1], got {self.gpu_memory_utilization}")
        if self.sleep_level not in (0, 1, 2):
            errors.append(f"sleep_level must be 0, 1 or 2, got {self.sleep_level}")
        if errors:
            raise ValueError("VLLMSettings: " + "; ".join(errors))


class VLLMEngine:
    """Rollouts from a colocated vLLM ``LLM`` (see the module docstring).

    Args:
        policy: The learner's policy; its tokenizer encodes the prompts and decodes the completions.
        settings: Engine options.

    Raises:
        ImportError: vLLM is not installed (``pip install "lit-reason[vllm]"``).
        RuntimeError: No CUDA device.
        ValueError: ``sleep_level`` 2 with a LoRA policy.
    """

    def __init__(self, policy: Policy, settings: VLLMSettings) -> None:
        try:
            import vllm
        except ImportError as e:
            raise ImportError('engine "vllm" needs vLLM: pip install "lit-reason[vllm]"') from e
        if not torch.cuda.is_available():
            raise RuntimeError('engine "vllm" needs a CUDA GPU; use engine "hf" on CPU')
        if policy.uses_lora and settings.sleep_level == 2:
            raise ValueError("VLLMSettings.sleep_level 2 discards the base weights, which a LoRA policy never "
                             "sends again; use sleep_level 1")
        self._vllm, self.policy, self.settings = vllm, policy, settings
        self.policy_version = -1  # the exported weights are version 0, but sync once to be sure
        self._dir = tempfile.TemporaryDirectory(prefix="lit_reason_vllm_")
        self._lora: Any = None
        # The model must be in this process for load_weights (TRL's colocate mode sets the same).
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        base = os.path.join(self._dir.name, "base")
        if policy.uses_lora:  # serve the frozen base; the adapter goes in per request
            policy.causal_lm.save_pretrained(base)
        else:
            policy.model.save_pretrained(base)
        self.llm = vllm.LLM(
            model=base, skip_tokenizer_init=True, dtype=settings.dtype, seed=settings.seed,
            gpu_memory_utilization=settings.gpu_memory_utilization, enable_sleep_mode=settings.sleep_level > 0,
            max_model_len=settings.max_model_len, enforce_eager=settings.enforce_eager,
            enable_lora=policy.uses_lora, max_lora_rank=settings.max_lora_rank,
            logprobs_mode="processed_logprobs",
        )
        self._asleep = False
        self._sleep()

    # ------------------------------------------------------------------ weights
    def sync_weights(self, version: int) -> None:
        """Copies the learner's weights in: the adapter only under LoRA, else the full state dict."""
        self._wake(weights_only=True)
        if self.policy.uses_lora:
            path = os.path.join(self._dir.name, f"adapter_v{version}")
            self.policy.model.save_pretrained(path)  # peft writes the adapter alone
            from vllm.lora.request import LoRARequest

            self._lora = LoRARequest(f"policy_v{version}", version + 1, path)
        else:
            model = self.llm.llm_engine.model_executor.driver_worker.worker.model_runner.model
            model.load_weights((name, p.detach()) for name, p in self.policy.model.state_dict().items())
        self.policy_version = version

    def _wake(self, weights_only: bool = False) -> None:
        if self._asleep:
            self.llm.wake_up(tags=["weights"] if weights_only else None)
            self._asleep = weights_only  # the KV cache is still released after a weights-only wake-up

    def _sleep(self) -> None:
        if self.settings.sleep_level > 0 and not self._asleep:
            self.llm.sleep(level=self.settings.sleep_level)
            self._asleep = True

    # ------------------------------------------------------------------ generation
    @torch.no_grad()
    def generate(
        self,
        prompts: list[Prompt],
        params: SamplingParams,
        *,
        columns: dict[str, list[Any]] | None = None,
        generator: torch.Generator | list[torch.Generator] | None = None,
        counts: list[int] | None = None,
    ) -> Rollout:
        """``counts[i]`` (default ``params.n``) samples of prompt i; each request's seed comes from ``generator``."""
        if params.dynamic_top_p:
            raise ValueError('engine "vllm" has no dynamic top-p (eq 108); use engine "hf" or dynamic_top_p: 0')
        counts = [params.n] * len(prompts) if counts is None else list(counts)
        gen = generator[0] if isinstance(generator, list) else generator
        ids, mask, texts = self.policy.encode_prompts(prompts)
        tok = self.policy.tokenizer
        requests, sampling = [], []
        for row, count in zip(range(len(prompts)), counts):
            requests.append({"prompt_token_ids": ids[row][mask[row].bool()].tolist()})
            seed = int(torch.randint(0, 2**31 - 1, (1,), generator=gen)) if gen is not None else None
            sampling.append(self._vllm.SamplingParams(
                n=count, temperature=params.temperature, top_p=params.top_p, top_k=params.top_k or -1,
                max_tokens=params.max_new_tokens, logprobs=0, seed=seed, stop_token_ids=[tok.eos_token_id],
                detokenize=False,
            ))
        self._wake()
        outputs = self.llm.generate(requests, sampling, lora_request=self._lora, use_tqdm=False)
        self._sleep()
        samples = [(o.token_ids, o.logprobs, o.finish_reason == "stop") for out in outputs for o in out.outputs]
        return self._rollout(samples, ids, mask, texts, counts, columns or {}, params.stop)

    def _rollout(self, samples: list[tuple[Any, Any, bool]], ids: torch.Tensor, mask: torch.Tensor,
                 texts: list[str], counts: list[int], columns: dict[str, list[Any]], stop: list[str]) -> Rollout:
        tok = self.policy.tokenizer
        samples = [_cut_at_stop(tok, list(t), [lp[t_i][tok_id].logprob for t_i, tok_id in enumerate(t)], done, stop)
                   for t, lp, done in samples]
        width = max((len(t) for t, _, _ in samples), default=1) or 1
        b = len(samples)
        comp = torch.full((b, width), tok.pad_token_id, dtype=torch.long)
        logps = torch.zeros(b, width)
        cmask = torch.zeros(b, width, dtype=torch.long)
        for i, (t, lp, _) in enumerate(samples):
            comp[i, : len(t)], logps[i, : len(t)], cmask[i, : len(t)] = torch.tensor(t), torch.tensor(lp), 1
        repeats = torch.tensor(counts)
        return Rollout(
            prompt_ids=ids.repeat_interleave(repeats, 0), prompt_mask=mask.repeat_interleave(repeats, 0),
            completion_ids=comp, completion_mask=cmask, sampler_logprobs=logps,
            group=torch.arange(len(counts)).repeat_interleave(repeats),
            finished=torch.tensor([done for _, _, done in samples]),
            prompts=[t for t, c in zip(texts, counts) for _ in range(c)],
            completions=tok.batch_decode(comp * cmask, skip_special_tokens=True),
            columns={k: [v for v, c in zip(vals, counts) for _ in range(c)] for k, vals in columns.items()},
            policy_version=torch.full((b,), self.policy_version, dtype=torch.long),
        )


def _cut_at_stop(tok: Any, tokens: list[int], logps: list[float], done: bool, stop: list[str]):
    """Ends a completion at the first token whose text completes a stop string (as the HF engine does)."""
    stop = [s for s in stop if s]
    if stop:
        for end in range(1, len(tokens) + 1):
            if any(s in tok.decode(tokens[:end], skip_special_tokens=True) for s in stop):
                return tokens[:end], logps[:end], True
    return tokens, logps, done

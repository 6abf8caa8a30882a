"""Learned reward models behind the TRL reward signature: an outcome reward model (ORM) and a process reward
model (PRM), trained by :class:`~lit_reason.algorithms.reward_model.RewardModelModule` and saved to a
directory that GRPO / PPO / self-training name in ``rewards:`` like any preset (report sec 3.5.5, 6.14).

A saved reward model is a directory: the backbone as ``Policy.save_pretrained`` writes it (so its tokenizer
and chat template travel with it), ``reward_head.pt`` and ``reward_model.json`` (kind and options).
"""

from __future__ import annotations

import json
import os
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from lit_reason.heads import ScalarHead, StepHead
from lit_reason.losses.reward_model import resolve_step_aggregation
from lit_reason.policy import Policy, Prompt
from lit_reason.rewards.steps import resolve_splitter

META_FILE, HEAD_FILE = "reward_model.json", "reward_head.pt"
ORM_OUTPUTS = ("logit", "probability")


class StepEncoding(NamedTuple):
    """Prompts (left-padded) + step tokens (right-padded), with each step's last token located.

    Args:
        input_ids: (B, P + T).
        attention_mask: (B, P + T).
        completion_mask: (B, T).
        ends: (B, S) index in the completion of each step's last token (0 on padded steps).
        step_mask: (B, S) 1 on real steps.
    """

    input_ids: Tensor
    attention_mask: Tensor
    completion_mask: Tensor
    ends: Tensor
    step_mask: Tensor


def encode_steps(policy: Policy, prompts: list[Prompt], steps: list[list[str]]) -> StepEncoding:
    """Tokenizes each step on its own and concatenates them, so a step's last token is known exactly and a
    step prefix is encoded alike inside a whole solution and alone (search scores prefixes). A step that
    encodes to no token is dropped (it has no last token)."""
    tok = policy.tokenizer
    p_ids, p_mask, _ = policy.encode_prompts(prompts)
    pieces = [[p for p in (tok(s, add_special_tokens=False)["input_ids"] for s in row) if p] for row in steps]
    t = max([sum(len(p) for p in row) for row in pieces] + [1])
    s = max([len(row) for row in pieces] + [1])
    ids = torch.full((len(steps), t), tok.pad_token_id, dtype=torch.long)
    mask = torch.zeros(len(steps), t, dtype=torch.long)
    ends, step_mask = torch.zeros(len(steps), s, dtype=torch.long), torch.zeros(len(steps), s, dtype=torch.long)
    for i, row in enumerate(pieces):
        flat = [x for p in row for x in p]
        ids[i, : len(flat)], mask[i, : len(flat)] = torch.tensor(flat, dtype=torch.long), 1
        ends[i, : len(row)] = torch.tensor([len(p) for p in row], dtype=torch.long).cumsum(0) - 1
        step_mask[i, : len(row)] = 1
    return StepEncoding(torch.cat([p_ids, ids], 1), torch.cat([p_mask, mask], 1), mask, ends, step_mask)


class OutcomeRewardModel(nn.Module):
    """``r(x, y)``: a backbone and a :class:`ScalarHead` at the completion's last token (its EOS).

    Args:
        policy: Backbone and tokenizer (trained in place; copy a policy you keep training elsewhere).
        output: What the reward function returns: the raw ``logit`` (a Bradley-Terry reward, eq 31) or
            ``probability`` = sigmoid(logit) (a verifier trained on outcome labels).
        batch_size: Rows per forward pass when scoring.
    """

    kind = "orm"

    def __init__(self, policy: Policy, output: str = "logit", batch_size: int = 32) -> None:
        super().__init__()
        if output not in ORM_OUTPUTS:
            raise ValueError(f"OutcomeRewardModel.output must be one of {ORM_OUTPUTS}, got {output!r}")
        self.policy, self.output, self.batch_size = policy, output, batch_size
        self.head = ScalarHead(policy.causal_lm.config.hidden_size)
        self.__name__ = "orm"

    def logits(self, prompts: list[Prompt], completions: list[str]) -> Tensor:
        """(B,) logits of prompt/completion pairs (with gradients when enabled)."""
        device = self.head.value.proj.weight.device
        ids, mask, _ = self.policy.encode_pairs(prompts, completions)
        ids, mask = ids.to(device), mask.to(device)
        return self.head(self.policy.hidden_states(ids, mask), mask)

    @torch.no_grad()
    def __call__(self, prompts: list[Prompt], completions: list[str], **columns: Any) -> list[float]:
        """The TRL reward signature (columns are ignored)."""
        out = []
        with self.policy.eval_mode():
            for s in range(0, len(prompts), self.batch_size):
                logit = self.logits(prompts[s : s + self.batch_size], completions[s : s + self.batch_size])
                out += (torch.sigmoid(logit) if self.output == "probability" else logit).tolist()
        return out

    def options(self) -> dict[str, Any]:
        return {"output": self.output}


class ProcessRewardModel(nn.Module):
    """``P(step t correct | x, y_<=t)`` for every step, and their aggregate as the solution's reward.

    Each step is tokenized on its own and the pieces concatenated, so a step's last token is known exactly
    and a step prefix is encoded the same way inside a full solution and alone (search scores prefixes).

    Args:
        policy: Backbone and tokenizer.
        split: Step segmentation (:mod:`lit_reason.rewards.steps`): ``newline``, ``step_k`` or ``sentence``.
        aggregate: ``product`` (report eq 66, 144) or ``min``.
        batch_size: Rows per forward pass when scoring.
    """

    kind = "prm"

    def __init__(self, policy: Policy, split: str = "newline", aggregate: str = "product",
                 batch_size: int = 32) -> None:
        super().__init__()
        self.policy, self.split, self.aggregate, self.batch_size = policy, split, aggregate, batch_size
        self.splitter, self.aggregator = resolve_splitter(split), resolve_step_aggregation(aggregate)
        self.head = StepHead(policy.causal_lm.config.hidden_size)
        self.__name__ = "prm"

    def step_logits(self, prompts: list[Prompt], steps: list[list[str]]) -> tuple[Tensor, Tensor]:
        """Logits of each step given its prefix.

        Args:
            prompts: B prompts.
            steps: B lists of step texts (a row may have none).

        Returns:
            ``(logits (B, S), mask (B, S))`` with S the most steps of any row.
        """
        device = self.head.value.proj.weight.device
        enc = encode_steps(self.policy, prompts, steps)
        hidden = self.policy.hidden_states(enc.input_ids.to(device), enc.attention_mask.to(device))
        positions = enc.ends + (enc.input_ids.shape[1] - enc.completion_mask.shape[1])  # into the full row
        return self.head(hidden, positions.to(device)), enc.step_mask.to(device)

    @torch.no_grad()
    def step_scores(self, prompts: list[Prompt], completions: list[str]) -> list[list[float]]:
        """P(step correct) of each step of each completion, split with ``split``."""
        out: list[list[float]] = []
        with self.policy.eval_mode():
            for s in range(0, len(prompts), self.batch_size):
                steps = [self.splitter(c) for c in completions[s : s + self.batch_size]]
                logits, mask = self.step_logits(prompts[s : s + self.batch_size], steps)
                probs = torch.sigmoid(logits)
                out += [p[m.bool()].tolist() for p, m in zip(probs, mask)]
        return out

    def __call__(self, prompts: list[Prompt], completions: list[str], **columns: Any) -> list[float]:
        """The TRL reward signature: the aggregate (product or min) of the step probabilities."""
        scores = self.step_scores(prompts, completions)
        s = max([len(x) for x in scores] + [1])
        probs, mask = torch.ones(len(scores), s), torch.zeros(len(scores), s)
        for i, x in enumerate(scores):
            probs[i, : len(x)], mask[i, : len(x)] = torch.tensor(x), 1
        return self.aggregator(probs, mask).tolist()

    def options(self) -> dict[str, Any]:
        return {"split": self.split, "aggregate": self.aggregate}


class ImplicitProcessRewardModel(ProcessRewardModel):
    """Implicit PRM: the process reward of token t is ``r_t = beta * log(pi_phi(y_t | y_<t) / pi_ref(y_t | y_<t))``
    and step k's logit is the sum of ``r_t`` up to its last token (Yuan et al. 2024, arXiv:2412.01981 eq 3;
    PRIME, Cui et al. 2025, arXiv:2502.01456 sec 3.1). It needs no head: training moves ``pi_phi`` (the
    policy given) against a frozen copy of its starting weights, so the model's own next-token knowledge
    is the verifier from the first step on.

    Args:
        policy: pi_phi (trained in place); its starting weights become pi_ref.
        beta: Scale of the log-ratio.
        split: Step segmentation.
        aggregate: ``product`` or ``min`` of the step probabilities.
        batch_size: Rows per forward pass when scoring.
    """

    kind = "implicit_prm"

    def __init__(self, policy: Policy, beta: float = 0.05, split: str = "newline", aggregate: str = "product",
                 batch_size: int = 32) -> None:
        if beta <= 0:
            raise ValueError(f"ImplicitProcessRewardModel.beta must be > 0, got {beta}")
        super().__init__(policy, split=split, aggregate=aggregate, batch_size=batch_size)
        del self.head  # no head: the log-ratio is the score
        self.beta = beta
        policy.init_reference()

    def token_rewards(self, input_ids: Tensor, attention_mask: Tensor, completion_mask: Tensor) -> Tensor:
        """(B, T) ``beta * (log pi_phi - log pi_ref)`` of the completion tokens, 0 on padding."""
        logp = self.policy.token_logprobs(input_ids, attention_mask, completion_mask).logprobs
        ref = self.policy.frozen_reference.logprobs(input_ids, attention_mask, completion_mask)
        return self.beta * (logp - ref) * completion_mask

    def step_logits(self, prompts: list[Prompt], steps: list[list[str]]) -> tuple[Tensor, Tensor]:
        """``(q (B, S), mask (B, S))``: the summed token rewards up to each step's last token."""
        device = next(self.policy.parameters()).device
        enc = encode_steps(self.policy, prompts, steps)
        r = self.token_rewards(enc.input_ids.to(device), enc.attention_mask.to(device),
                               enc.completion_mask.to(device))
        return r.cumsum(1).gather(1, enc.ends.to(device)), enc.step_mask.to(device)

    def options(self) -> dict[str, Any]:
        return {"beta": self.beta, **super().options()}


REWARD_MODELS = {"orm": OutcomeRewardModel, "prm": ProcessRewardModel, "implicit_prm": ImplicitProcessRewardModel}
REFERENCE_DIR = "reference"


def save_reward_model(model: OutcomeRewardModel | ProcessRewardModel, directory: str) -> None:
    """Writes the backbone, the head (or an implicit PRM's reference) and the options so that
    :func:`load_reward_model` rebuilds it."""
    os.makedirs(directory, exist_ok=True)
    model.policy.save_pretrained(directory)
    if isinstance(model, ImplicitProcessRewardModel):
        with model.policy.frozen_reference.weights() as ref:
            ref.save_pretrained(os.path.join(directory, REFERENCE_DIR))
    else:
        torch.save(model.head.state_dict(), os.path.join(directory, HEAD_FILE))
    with open(os.path.join(directory, META_FILE), "w", encoding="utf-8") as f:
        json.dump({"kind": model.kind, **model.options()}, f, indent=1)


def is_reward_model_dir(path: str) -> bool:
    """True when ``path`` is a directory written by :func:`save_reward_model`."""
    return os.path.isfile(os.path.join(path, META_FILE))


def load_reward_model(directory: str, device: str | torch.device = "cpu") -> OutcomeRewardModel | ProcessRewardModel:
    """Rebuilds a saved reward model in eval mode, frozen, on ``device``.

    Raises:
        ValueError: ``directory`` holds no reward model, or an unknown kind (naming the file).
    """
    meta_path = os.path.join(directory, META_FILE)
    if not os.path.isfile(meta_path):
        raise ValueError(f"{directory!r} is not a saved reward model (no {META_FILE}); train one with "
                         "RewardModelModule(export_dir=...)")
    with open(meta_path, encoding="utf-8") as f:
        meta = json.load(f)
    kind = meta.pop("kind", None)
    if kind not in REWARD_MODELS:
        raise ValueError(f"{meta_path}: kind must be one of {sorted(REWARD_MODELS)}, got {kind!r}")
    model = REWARD_MODELS[kind](Policy(directory), **meta)
    if isinstance(model, ImplicitProcessRewardModel):
        model.policy.frozen_reference.load_state_dict(Policy(os.path.join(directory, REFERENCE_DIR)).state_dict())
    else:
        model.head.load_state_dict(torch.load(os.path.join(directory, HEAD_FILE), map_location="cpu"))
    return model.requires_grad_(False).eval().to(device)

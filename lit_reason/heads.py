"""Value heads and critics for PPO (report sec 3.1.6, "Value Head design").

A critic maps every completion position to ``V(s_t)``, the value of the state before token ``t``
(prompt plus the tokens before it), aligned with ``Policy.token_logprobs``. Its three forms:

- ``shared``: the policy's backbone with a value head on top. No second model; the value loss's
  gradient also reaches the policy's backbone. One extra backbone forward per critic call.
- ``separate``: its own copy of the backbone (the standard PPO critic of InstructGPT / OpenRLHF):
  the most stable and about twice the trainable memory (report table 2).
- ``frozen``: a frozen copy of the initial backbone and a trainable head: no optimizer state and no
  backbone gradients for the critic, but a value function limited to the initial features.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import Tensor, nn

from lit_reason.policy import Policy

CRITIC_FORMS = ("shared", "separate", "frozen")


class ValueHead(nn.Module):
    """A linear map from hidden states to one scalar per position.

    Args:
        hidden_size: H of the backbone.
        init_std: Standard deviation of the initial weights; 0 starts every value at 0.
    """

    def __init__(self, hidden_size: int, init_std: float = 0.0) -> None:
        super().__init__()
        if hidden_size < 1 or init_std < 0:
            raise ValueError(f"ValueHead: hidden_size must be >= 1 and init_std >= 0, got {hidden_size}, {init_std}")
        self.proj = nn.Linear(hidden_size, 1)
        nn.init.normal_(self.proj.weight, std=init_std) if init_std > 0 else nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, hidden: Tensor) -> Tensor:
        """(..., H) hidden states -> (...) values, in float32 for a stable regression."""
        return self.proj(hidden.to(self.proj.weight.dtype)).squeeze(-1).float()


def _backbone_hidden(backbone: nn.Module, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
    """Final hidden states (B, L, H), with positions counting real tokens as ``Policy.hidden_states`` does."""
    position_ids = (attention_mask.long().cumsum(-1) - 1).clamp(min=0)
    return backbone(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids).last_hidden_state


class Critic(nn.Module):
    """``V(s_t)`` for every completion token, in one of the three forms of report sec 3.1.6.

    Args:
        policy: The policy whose backbone is shared or copied.
        form: ``shared``, ``separate`` or ``frozen`` (module docstring).
        init_std: Initial weight scale of the value head.
    """

    def __init__(self, policy: Policy, form: str = "separate", init_std: float = 0.0) -> None:
        super().__init__()
        if form not in CRITIC_FORMS:
            raise ValueError(f"Critic.form must be one of {CRITIC_FORMS}, got {form!r}")
        self.form = form
        self.head = ValueHead(policy.causal_lm.config.hidden_size, init_std)
        self.backbone: nn.Module | None = None
        self._hidden: Callable[[Tensor, Tensor], Tensor]
        if form == "shared":
            # The policy owns the backbone's parameters; a bound method keeps it out of this module's registry.
            self._hidden = policy.hidden_states
        else:
            self.backbone = copy.deepcopy(policy.backbone)
            if form == "frozen":
                self.backbone.requires_grad_(False).eval()
            self._hidden = self._own_hidden

    def _own_hidden(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        with torch.no_grad() if self.form == "frozen" else torch.enable_grad():
            return _backbone_hidden(self.backbone, input_ids, attention_mask)

    def train(self, mode: bool = True) -> Critic:
        """As ``nn.Module.train``, but a frozen backbone stays in eval mode (no dropout)."""
        super().train(mode)
        if self.form == "frozen":
            self.backbone.eval()
        return self

    def forward(self, input_ids: Tensor, attention_mask: Tensor, completion_mask: Tensor) -> Tensor:
        """Values of the states before each completion token.

        Args:
            input_ids: (B, P + T) prompt (left-padded) then completion (right-padded).
            attention_mask: (B, P + T).
            completion_mask: (B, T).

        Returns:
            (B, T) float32 values, 0 where ``completion_mask`` is 0.
        """
        t = completion_mask.shape[1]
        hidden = self._hidden(input_ids, attention_mask)[:, -t - 1 : -1]  # (B, T, H): states before tokens
        values = self.head(hidden)  # (B, T)
        return torch.where(completion_mask.bool(), values, torch.zeros((), dtype=values.dtype, device=values.device))


def last_token_index(attention_mask: Tensor) -> Tensor:
    """(B,) index of the last real token of each row (right padding; left padding before it is fine)."""
    positions = torch.arange(attention_mask.shape[1], device=attention_mask.device)
    return torch.where(attention_mask.bool(), positions, -1).amax(1).clamp(min=0)


class ScalarHead(nn.Module):
    """One scalar per sequence from the hidden state of its last real token: an outcome reward model or
    verifier ``V(x, y)`` (report sec 6.13, V-STaR; sec 3.5.5, ORM). Returns logits; ``sigmoid`` is V.

    Args:
        hidden_size: H of the backbone.
        init_std: Standard deviation of the initial weights; 0 starts every logit at 0 (V = 0.5).
    """

    def __init__(self, hidden_size: int, init_std: float = 0.0) -> None:
        super().__init__()
        self.value = ValueHead(hidden_size, init_std)

    def forward(self, hidden: Tensor, attention_mask: Tensor) -> Tensor:
        """(B, L, H) hidden states and (B, L) mask -> (B,) float32 logits at each row's last real token."""
        last = last_token_index(attention_mask)
        return self.value(hidden[torch.arange(hidden.shape[0], device=hidden.device), last])


class ScalarModel(nn.Module):
    """A backbone copied from a policy plus a :class:`ScalarHead`: a verifier that does not move the policy.

    Args:
        policy: Whose backbone (and so tokenizer and chat template) is copied.
        init_std: Initial weight scale of the head.
    """

    def __init__(self, policy: Policy, init_std: float = 0.0) -> None:
        super().__init__()
        self.backbone = copy.deepcopy(policy.backbone)
        self.head = ScalarHead(policy.causal_lm.config.hidden_size, init_std)

    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        """(B, L) ids and mask (prompt then completion) -> (B,) logits."""
        return self.head(_backbone_hidden(self.backbone, input_ids, attention_mask), attention_mask)


class StepHead(nn.Module):
    """One logit per reasoning step, read from the hidden state of the step's last token: a process reward
    model ``P(step t correct | x, y_<=t)`` (report sec 6.14, eq 66; Lightman et al. 2023, arXiv:2305.20050).
    Causal attention makes the state at a step's last token a function of ``x`` and ``y_<=t`` only.

    Args:
        hidden_size: H of the backbone.
        init_std: Standard deviation of the initial weights; 0 starts every logit at 0 (P = 0.5).
    """

    def __init__(self, hidden_size: int, init_std: float = 0.0) -> None:
        super().__init__()
        self.value = ValueHead(hidden_size, init_std)

    def forward(self, hidden: Tensor, positions: Tensor) -> Tensor:
        """(B, L, H) hidden states and (B, S) indices of each step's last token -> (B, S) float32 logits."""
        rows = torch.arange(hidden.shape[0], device=hidden.device)[:, None]
        return self.value(hidden[rows, positions])  # (B, S, H) -> (B, S)

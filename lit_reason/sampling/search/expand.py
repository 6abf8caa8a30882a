"""One reasoning step at a time: the expansion shared by step-level beam search, MCTS and refinement.

A step ends at a newline (``newline``) or after a fixed number of tokens (``tokens``); the policy's own
``max_new_tokens`` bound caps a newline step too. Partial solutions are continued as text after the
formatted prompt, which matches the sampled tokens for character tokenizers and may re-segment a BPE
boundary (the continuation is still a valid sample of the policy given that text).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams

STEP_KINDS = ("newline", "tokens")


@dataclass
class Step:
    """One sampled step.

    Args:
        text: The step's text (its trailing newline included).
        logp: Sum of the sampler's log-probabilities of its tokens.
        tokens: Number of tokens.
        done: The step ended the solution (EOS), so nothing follows it.
    """

    text: str
    logp: float
    tokens: int
    done: bool


def settings_errors(counts: dict[str, int], *, step: str | None = None, temperature: float | None = None,
                    what: str = "the search samples its steps") -> list[str]:
    """The checks every search setting shares: counts >= 1, a known step kind, a temperature > 0.

    Example:
        >>> settings_errors({"beam_width": 0, "max_steps": 2}, temperature=0.0)
        ['beam_width must be >= 1, got 0', 'temperature must be > 0 (the search samples its steps), got 0.0']
    """
    errors = [f"{k} must be >= 1, got {v}" for k, v in counts.items() if v < 1]
    if step is not None and step not in STEP_KINDS:
        errors.append(f"step must be one of {STEP_KINDS}, got {step!r}")
    if temperature is not None and temperature <= 0:
        errors.append(f"temperature must be > 0 ({what}), got {temperature}")
    return errors


def raise_errors(owner: str, errors: list[str]) -> None:
    """One ValueError naming ``owner`` and every error, if there are any."""
    if errors:
        raise ValueError(f"{owner}: " + "; ".join(errors))


def step_params(step: str, step_tokens: int, temperature: float, n: int) -> SamplingParams:
    """Sampling parameters of one step; ``step`` is ``newline`` or ``tokens``."""
    if step not in STEP_KINDS:
        raise ValueError(f"step must be one of {STEP_KINDS}, got {step!r}")
    return SamplingParams(temperature=temperature, max_new_tokens=step_tokens, n=n,
                          stop=["\n"] if step == "newline" else [])


@torch.no_grad()
def sample_steps(sampler: HFSampler, texts: list[str], params: SamplingParams,
                 generator: torch.Generator | None = None) -> list[list[Step]]:
    """``params.n`` next steps after each of ``texts`` (formatted prompt + partial solution), in one call.

    Returns:
        One list of ``params.n`` :class:`Step` per text.
    """
    if not texts:
        return []
    roll = sampler.generate(texts, params, generator=generator)
    logp = roll.sampler_logprobs.masked_fill(roll.completion_mask == 0, 0.0).sum(1).tolist()
    lengths = roll.completion_mask.sum(1).tolist()
    steps = []
    for comp, lp, n, fin in zip(roll.completions, logp, lengths, roll.finished.tolist()):
        ended_by_eos = bool(fin) and not any(comp.endswith(s) for s in params.stop)
        steps.append(Step(comp, lp, int(n), ended_by_eos))
    n = params.n
    return [steps[i * n : (i + 1) * n] for i in range(len(texts))]

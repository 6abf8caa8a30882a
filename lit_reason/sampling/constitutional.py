"""Constitutional AI data generation: response -> self-critique -> revision (report sec 6.1).

Bai et al. 2022, "Constitutional AI: Harmlessness from AI Feedback" (arXiv:2212.08073), sec 3. The model
answers a prompt, critiques its own answer against a principle of the constitution, and rewrites it
following the critique; ``rounds`` repeats critique and revision on the latest revision. The final revisions
are SFT targets (the SL-CAI stage), and (revision, initial) pairs are AI preferences for DPO or a reward
model (the RL-CAI stage). The critique and revision prompts follow the paper's appendix; the constitution
is the three principles of sec 6.1.2.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import torch

from lit_reason.policy import Policy, Prompt
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams

# Report sec 6.1.2: "选择最有帮助、最诚实、最无害的回答", "选择最不具有欺骗性的回答", "选择最尊重用户自主权的回答".
CONSTITUTION = [
    "The response should be as helpful, honest and harmless as possible.",
    "The response should be as little deceptive as possible.",
    "The response should respect the user's autonomy as much as possible.",
]
CRITIQUE_PROMPT = (
    "Question: {prompt}\n\nResponse: {response}\n\n"
    "Critique request: Identify specific ways in which the response does not follow this principle: "
    "{principle}\n\nCritique:"
)
REVISION_PROMPT = (
    "Question: {prompt}\n\nResponse: {response}\n\nCritique: {critique}\n\n"
    "Revision request: Rewrite the response so that it follows this principle: {principle} "
    "Address the critique and keep what was correct.\n\nRevision:"
)
Generate = Callable[[list[Prompt], SamplingParams], list[str]]


def _generator(policy: Policy | Generate, generator: torch.Generator) -> Generate:
    if isinstance(policy, Policy):
        sampler = HFSampler(policy)
        return lambda prompts, params: sampler.generate(prompts, params, generator=generator).completions
    if callable(policy):
        return policy
    raise TypeError(f"critique_and_revise: policy must be a Policy or a generate function, got {type(policy)}")


def _text(prompt: Prompt) -> str:
    """A prompt as plain text: chat messages become their user turns."""
    if isinstance(prompt, str):
        return prompt
    return "\n".join(m["content"] for m in prompt if m.get("role") == "user")


def critique_and_revise(
    policy: Policy | Generate,
    prompts: list[Prompt],
    principles: list[str] | None = None,
    sampling: SamplingParams | None = None,
    rounds: int = 1,
    *,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Generates a response, then ``rounds`` of critique and revision, for each prompt.

    Args:
        policy: The model (a Policy) or a function ``generate(prompts, params) -> completions``.
        prompts: Strings or chat messages; the initial response answers them as they are.
        principles: The constitution; one principle is drawn at random per prompt and round. Default: the
            principles of sec 6.1.2.
        sampling: Sampling of every generation (``n`` is ignored: one response per prompt).
        rounds: Critique-revision rounds; each critiques the previous revision.
        seed: Seed of the principle draws and of the sampling.

    Returns:
        One row per prompt: ``{"prompt", "initial", "critique", "revision", "principle"}``, the critique and
        principle of the last round, ``revision`` the final answer.
    """
    principles = list(CONSTITUTION if principles is None else principles)
    if not principles or not all(isinstance(p, str) and p.strip() for p in principles):
        raise ValueError(f"critique_and_revise: principles must be non-empty strings, got {principles}")
    if rounds < 1:
        raise ValueError(f"critique_and_revise: rounds must be >= 1, got {rounds}")
    params = (sampling or SamplingParams(temperature=0.0, max_new_tokens=128)).with_(n=1)
    rng = torch.Generator().manual_seed(seed)
    generate = _generator(policy, rng)
    texts = [_text(p) for p in prompts]
    initial = generate(list(prompts), params)
    response, critique, chosen = list(initial), [""] * len(prompts), [""] * len(prompts)
    for _ in range(rounds):
        chosen = [principles[int(i)] for i in torch.randint(len(principles), (len(prompts),), generator=rng)]
        critique = generate([CRITIQUE_PROMPT.format(prompt=q, response=r, principle=p)
                             for q, r, p in zip(texts, response, chosen)], params)
        response = generate([REVISION_PROMPT.format(prompt=q, response=r, critique=c, principle=p)
                             for q, r, c, p in zip(texts, response, critique, chosen)], params)
    return [{"prompt": p, "initial": i, "critique": c.strip(), "revision": r.strip(), "principle": pr}
            for p, i, c, r, pr in zip(prompts, initial, critique, response, chosen)]


def write_constitutional_jsonl(
    rows: list[dict[str, Any]], sft_path: str | None = None, preference_path: str | None = None
) -> dict[str, int]:
    """Writes SFT rows ``{prompt, completion: revision}`` and preference rows ``{prompt, chosen: revision,
    rejected: initial}`` as JSONL (readable by SFTDataModule and PreferenceDataModule).

    Rows with an empty revision are left out of both files; rows whose revision equals the initial
    response are left out of the preferences (no preference to learn).

    Args:
        rows: Output of :func:`critique_and_revise`.
        sft_path: Where to write the SFT rows; None to skip.
        preference_path: Where to write the preference rows; None to skip.

    Returns:
        ``{"sft": rows written, "preference": rows written, "empty_revision": rows left out}``.
    """
    for i, r in enumerate(rows):
        missing = [k for k in ("prompt", "initial", "revision") if k not in r]
        if missing:
            raise ValueError(f"write_constitutional_jsonl: row {i} lacks {missing}")
    kept = [r for r in rows if r["revision"].strip()]
    sft = [{"prompt": r["prompt"], "completion": r["revision"]} for r in kept]
    pref = [{"prompt": r["prompt"], "chosen": r["revision"], "rejected": r["initial"]}
            for r in kept if r["revision"].strip() != r["initial"].strip()]
    for path, out in ((sft_path, sft), (preference_path, pref)):
        if path is not None:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in out)
    return {"sft": len(sft), "preference": len(pref), "empty_revision": len(rows) - len(kept)}

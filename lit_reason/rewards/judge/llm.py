"""LLM-as-a-judge rewards: RLAIF (report sec 3.4), self-RLAIF (eq 33), judge ensembles (eq 34).

Bai et al. 2022, "Constitutional AI" (arXiv:2212.08073); Lee et al. 2023, "RLAIF" (arXiv:2309.00267);
Yuan et al. 2024, "Self-Rewarding Language Models" (arXiv:2401.10020) for the additive 5-point prompt
(sec 6.9.2). A judge is a reward like any other: :class:`LLMJudge` has the TRL signature
``judge(prompts, completions, **columns) -> list[float | None]`` and returns scores normalised to [0, 1],
None where the judge's reply states no usable score (see :mod:`lit_reason.rewards.judge.parse`).

The judge model is a separate model (``model="path/or/hub-id"``) or the policy itself (``model=policy``, or
``bind(policy)`` later: self-RLAIF, self-rewarding). Two ways to read a score:

- ``scoring="generate"``: greedy decoding, then the reply is parsed (robust to free-form text).
- ``scoring="expected"``: eq 33 read literally, ``E[score]`` under the judge's next-token distribution
  after the cue (``Score:``), restricted to the scale's score tokens and renormalised: never None, and
  smoother than a parsed integer. Every score of the scale must be a single token.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch

from lit_reason.policy import Policy
from lit_reason.rewards.judge.parse import parse_score, parse_verdict
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams


@dataclass(frozen=True)
class JudgePrompt:
    """A scoring prompt: ``template`` (with ``{question}`` and ``{response}``), then the ``cue`` the reply
    continues, and the scale ``[low, high]`` the reply's score must lie on."""

    template: str
    low: float
    high: float
    cue: str = "Score:"


# Report sec 3.4.2, scoring template (translated; the original follows). The reply format line and the
# trailing cue are ours: they make the score parseable (and readable as next-token probabilities).
SCORE_10 = JudgePrompt(
    "Rate the quality of the following answer on a scale of 1 to 10.\n\n"
    "Question: {question}\n\nAnswer: {response}\n\n"
    "Criteria:\n- Accuracy (40%)\n- Completeness (30%)\n- Clarity (20%)\n- Concision (10%)\n\n"
    "Give the score, then your reasons.\n",
    1, 10,
)
SCORE_10_ZH = JudgePrompt(
    "请评估以下回答的质量（1-10分）：\n\n问题：{question}\n\n回答：{response}\n\n"
    "评分标准：\n- 准确性（40%）\n- 完整性（30%）\n- 清晰度（20%）\n- 简洁性（10%）\n\n请给出分数和理由：\n",
    1, 10, cue="分数：",
)
# Report sec 6.9.2 (Yuan et al. 2024, fig 2, abridged as in the report), verbatim.
ADDITIVE_5 = JudgePrompt(
    "Review the user's question and the corresponding response using the additive 5-point scoring system "
    "described below:\n\n"
    "- Add 1 point if the response is relevant and provides some information related to the user's inquiry.\n"
    "- Add 1 point if the response addresses a substantial portion of the user's question.\n"
    "- Add 1 point if the response answers the basic elements of the user's question in a useful way.\n"
    "- Add 1 point if the response is clearly written from an AI assistant's perspective.\n"
    "- Add 1 point if the response is impeccably tailored to the user's question, demonstrating expert "
    "knowledge.\n\nQuestion: {question}\n\nResponse: {response}\n\n",
    0, 5,
)
JUDGE_PROMPTS = {"score_10": SCORE_10, "score_10_zh": SCORE_10_ZH, "additive_5": ADDITIVE_5}

# Report sec 3.4.2, pairwise template (translated, and the original).
PAIRWISE = (
    "Here are two answers to the same question. Choose the better one.\n\n"
    "Question: {question}\n\nAnswer A: {answer_a}\n\nAnswer B: {answer_b}\n\n"
    "Choose A or B, and explain why:\n"
)
PAIRWISE_ZH = (
    "以下是同一问题的两个回答，请选择更好的一个：\n\n问题：{question}\n\n回答A：{answer_a}\n\n回答B：{answer_b}\n\n"
    "请选择A或B，并解释原因：\n"
)
PAIRWISE_PROMPTS = {"pairwise": PAIRWISE, "pairwise_zh": PAIRWISE_ZH}
SCORINGS = ("generate", "expected")


def resolve_judge_prompt(prompt: str, scale: list[float] | None = None, cue: str | None = None) -> JudgePrompt:
    """A preset by name (``score_10``, ``score_10_zh``, ``additive_5``) or a template with ``{question}`` and
    ``{response}`` (literal braces doubled); ``scale`` ``[low, high]`` is required for a template."""
    if prompt in JUDGE_PROMPTS:
        base = JUDGE_PROMPTS[prompt]
        low, high = scale if scale is not None else (base.low, base.high)
        return JudgePrompt(base.template, float(low), float(high), base.cue if cue is None else cue)
    if "{response}" not in prompt:
        raise ValueError(f"judge prompt must be one of {sorted(JUDGE_PROMPTS)} or a template containing "
                         f"{{question}} and {{response}}, got {prompt[:60]!r}")
    if scale is None or len(scale) != 2 or not scale[0] < scale[1]:
        raise ValueError(f"judge scale must be [low, high] with low < high for a custom prompt, got {scale}")
    try:
        prompt.format(question="q", response="r")
    except (KeyError, IndexError, ValueError) as e:
        raise ValueError(f"judge prompt is not a valid format string ({e}); double literal braces") from e
    return JudgePrompt(prompt, float(scale[0]), float(scale[1]), "Score:" if cue is None else cue)


class _JudgeModel:
    """The model behind a judge: greedy replies and next-token distributions, without gradients."""

    def __init__(self, model: str | Policy | None, chat: bool, batch_size: int | None, device: str | None):
        self.policy: Policy | None = None
        self.chat, self.batch_size = chat, batch_size
        self.owned = isinstance(model, str)
        if isinstance(model, str):
            policy = Policy(model=model)
            policy.requires_grad_(False).eval()
            self.bind(policy.to(device) if device else policy)
        elif model is not None:
            self.bind(model)

    def __deepcopy__(self, memo: dict) -> _JudgeModel:
        # A judge model loaded from a path is frozen: copies share it (Lightning deep-copies hyperparameters,
        # which hold the judge when it is given in a config). A bound policy is copied like any attribute.
        if self.owned:
            return self
        new = object.__new__(_JudgeModel)
        memo[id(self)] = new
        new.__dict__.update({k: copy.deepcopy(v, memo) for k, v in self.__dict__.items()})
        return new

    def bind(self, policy: Policy) -> None:
        self.policy = policy
        self.sampler = HFSampler(policy, batch_size=self.batch_size)

    def texts(self, bodies: list[str], cue: str) -> list[str]:
        """Prompt bodies as the judge reads them: as a chat turn if ``chat``, then the cue."""
        if not self.chat:
            return [b + cue for b in bodies]
        return [self.policy.format_prompt([{"role": "user", "content": b.strip()}]) + cue for b in bodies]

    def generate(self, texts: list[str], max_new_tokens: int) -> list[str]:
        params = SamplingParams(temperature=0.0, n=1, max_new_tokens=max_new_tokens)
        return self.sampler.generate(texts, params).completions

    @torch.no_grad()
    def next_token_probs(self, texts: list[str], token_ids: list[int]) -> torch.Tensor:
        """(B, S) probabilities of ``token_ids`` as the next token after each text."""
        policy, out = self.policy, []
        device = next(policy.parameters()).device
        step = self.batch_size or max(len(texts), 1)
        with policy.eval_mode():
            for start in range(0, len(texts), step):
                ids, mask, _ = policy.encode_prompts(texts[start : start + step])
                last = policy.hidden_states(ids.to(device), mask.to(device))[:, -1]  # (b, H)
                logits = policy.causal_lm.get_output_embeddings()(last).float()  # (b, V)
                out.append(logits.log_softmax(-1)[:, token_ids].exp())
        return torch.cat(out).cpu()


class LLMJudge:
    """A judge model's score of each completion, normalised to [0, 1] (report sec 3.4.2, eq 33).

    Args:
        model: Judge model: a hub id or local directory (loaded frozen), the policy itself (self-RLAIF), or
            None to ``bind`` one later (a module that trains the policy binds it, e.g. SelfRewarding).
        prompt: ``score_10`` (sec 3.4.2), ``score_10_zh`` (its original), ``additive_5`` (sec 6.9.2), or
            a template with ``{question}`` and ``{response}``.
        scale: ``[low, high]`` of the score; required with a custom template, presets carry theirs.
        cue: Text the reply continues (default ``Score:``), appended after the prompt and prepended to the
            reply before parsing.
        scoring: ``generate`` (greedy reply, parsed) or ``expected`` (probability-weighted score, eq 33).
        max_new_tokens: Reply length bound for ``generate``.
        batch_size: Judge prompts per forward; None means all at once.
        chat: Send the prompt as a user turn through the judge's chat template.
        device: Where to put a judge loaded from ``model`` (e.g. ``cuda``); default CPU.
        name: Name the reward is logged under (``train/reward/<name>``).
    """

    def __init__(
        self,
        model: str | Policy | None = None,
        prompt: str = "score_10",
        scale: list[float] | None = None,
        cue: str | None = None,
        scoring: str = "generate",
        max_new_tokens: int = 32,
        batch_size: int | None = None,
        chat: bool = False,
        device: str | None = None,
        name: str = "judge",
    ) -> None:
        if scoring not in SCORINGS:
            raise ValueError(f"LLMJudge.scoring must be one of {SCORINGS}, got {scoring!r}")
        if max_new_tokens < 1:
            raise ValueError(f"LLMJudge.max_new_tokens must be >= 1, got {max_new_tokens}")
        self.prompt = resolve_judge_prompt(prompt, scale, cue)
        self.scoring, self.max_new_tokens = scoring, max_new_tokens
        self.backend = _JudgeModel(model, chat, batch_size, device)
        self.__name__ = name
        self._score_tokens: tuple[list[int], str] | None = None

    def bind(self, policy: Policy) -> None:
        """Makes ``policy`` the judge model (self-judging); called by modules that train it."""
        self.backend.bind(policy)
        self._score_tokens = None

    def bodies(self, prompts: list[str], completions: list[str]) -> list[str]:
        """The filled-in judge prompts (without the cue)."""
        return [self.prompt.template.format(question=q, response=c) for q, c in zip(prompts, completions)]

    def replies(self, prompts: list[str], completions: list[str]) -> list[str]:
        """The judge's greedy replies, cue included (what :func:`parse_score` reads)."""
        texts = self.backend.texts(self.bodies(prompts, completions), self.prompt.cue)
        return [self.prompt.cue + r for r in self.backend.generate(texts, self.max_new_tokens)]

    def __call__(self, prompts: list[str], completions: list[str], **columns) -> list[float | None]:
        """Scores in [0, 1]; None where the reply states no score on the scale."""
        if len(prompts) != len(completions):
            raise ValueError(f"{self.__name__}: {len(prompts)} prompts for {len(completions)} completions")
        if self.backend.policy is None:
            raise RuntimeError(f"{self.__name__}: no judge model; give model= or use a module that binds the "
                               "policy (SelfRewarding)")
        if not completions:
            return []
        low, span = self.prompt.low, self.prompt.high - self.prompt.low
        if self.scoring == "expected":
            return [(s - low) / span for s in self.expected_scores(prompts, completions)]
        scores = [parse_score(r, self.prompt.low, self.prompt.high) for r in self.replies(prompts, completions)]
        return [None if s is None else (s - low) / span for s in scores]

    def expected_scores(self, prompts: list[str], completions: list[str]) -> list[float]:
        """Eq 33: sum_s s * p(s) / sum_s p(s) over the scale's integer scores, p the next-token probability."""
        token_ids, pad = self._tokens()
        texts = self.backend.texts(self.bodies(prompts, completions), self.prompt.cue + pad)
        probs = self.backend.next_token_probs(texts, token_ids)  # (B, S)
        values = torch.arange(int(self.prompt.low), int(self.prompt.high) + 1, dtype=probs.dtype)
        return ((probs * values).sum(1) / probs.sum(1).clamp(min=1e-30)).tolist()

    def _tokens(self) -> tuple[list[int], str]:
        """Token ids of the scores and the padding after the cue they follow (a space if they carry none)."""
        if self._score_tokens is None:
            low, high = self.prompt.low, self.prompt.high
            if low != int(low) or high != int(high):
                raise ValueError(f"{self.__name__}: scoring='expected' needs an integer scale, got [{low}, {high}]")
            tok = self.backend.policy.tokenizer
            scores = range(int(low), int(high) + 1)
            for sep, pad in ((" ", ""), ("", " ")):
                ids = [tok(sep + str(s), add_special_tokens=False)["input_ids"] for s in scores]
                if all(len(i) == 1 for i in ids):
                    self._score_tokens = ([i[0] for i in ids], pad)
                    break
            else:
                raise ValueError(f"{self.__name__}: scoring='expected' needs every score {low:g}..{high:g} to be "
                                 "one token of the judge's tokenizer; use scoring='generate'")
        return self._score_tokens


class PairwiseJudge:
    """Which of two answers a judge model prefers (report sec 3.4.2, pairwise template).

    With ``swap`` (default) each pair is judged twice, as (A, B) and as (B, A); a verdict stands only if both
    orders pick the same answer, which removes the judge's position bias from the decisions it keeps.

    Args:
        model: Judge model: hub id or local directory, or a Policy (the policy itself for self-judging).
        prompt: ``pairwise``, ``pairwise_zh`` or a template with ``{question}``, ``{answer_a}``, ``{answer_b}``.
        swap: Check position consistency by judging both orders.
        max_new_tokens: Reply length bound.
        batch_size: Judge prompts per forward; None means all at once.
        chat: Send the prompt as a user turn through the judge's chat template.
        device: Where to put a judge loaded from ``model``.
    """

    def __init__(self, model: str | Policy | None = None, prompt: str = "pairwise", swap: bool = True,
                 max_new_tokens: int = 32, batch_size: int | None = None, chat: bool = False,
                 device: str | None = None) -> None:
        template = PAIRWISE_PROMPTS.get(prompt, prompt)
        if not all(k in template for k in ("{question}", "{answer_a}", "{answer_b}")):
            raise ValueError(f"PairwiseJudge.prompt must be one of {sorted(PAIRWISE_PROMPTS)} or a template with "
                             f"{{question}}, {{answer_a}} and {{answer_b}}, got {prompt[:60]!r}")
        self.template, self.swap, self.max_new_tokens = template, swap, max_new_tokens
        self.backend = _JudgeModel(model, chat, batch_size, device)

    def bind(self, policy: Policy) -> None:
        """Makes ``policy`` the judge model."""
        self.backend.bind(policy)

    def verdicts(self, prompts: list[str], first: list[str], second: list[str]) -> list[str | None]:
        """``"A"``, ``"B"`` or None per pair, with ``first`` shown as answer A (one order, no swap)."""
        bodies = [self.template.format(question=q, answer_a=a, answer_b=b) for q, a, b in zip(prompts, first, second)]
        return [parse_verdict(r) for r in self.backend.generate(self.backend.texts(bodies, ""), self.max_new_tokens)]

    def compare(self, prompts: list[str], completions_a: list[str], completions_b: list[str]) -> list[int | None]:
        """0 where ``completions_a`` wins, 1 where ``completions_b`` wins, None when undecided or inconsistent."""
        if not len(prompts) == len(completions_a) == len(completions_b):
            raise ValueError(f"PairwiseJudge.compare: {len(prompts)} prompts, {len(completions_a)} and "
                             f"{len(completions_b)} completions")
        if self.backend.policy is None:
            raise RuntimeError("PairwiseJudge: no judge model; give model= or call bind(policy)")
        forward = self.verdicts(prompts, completions_a, completions_b)
        winners = [None if v is None else "AB".index(v) for v in forward]
        if not self.swap:
            return winners
        backward = self.verdicts(prompts, completions_b, completions_a)  # a is now answer B
        swapped = [None if v is None else 1 - "AB".index(v) for v in backward]
        return [w if w is not None and w == s else None for w, s in zip(winners, swapped)]


class JudgeEnsemble:
    """Weighted mean of several judges (report eq 34; equal weights give its plain mean).

    A judge that abstains (None) on a row is left out of that row's mean; the row is None only when every
    judge abstains. TRL-compatible reward.

    Args:
        judges: Reward functions with the TRL signature (LLMJudge or any other).
        weights: One positive weight per judge; default all 1.
        name: Name the ensemble is logged under.
    """

    def __init__(self, judges: list, weights: list[float] | None = None, name: str = "judge_ensemble") -> None:
        if not judges:
            raise ValueError("JudgeEnsemble needs at least one judge")
        weights = [1.0] * len(judges) if weights is None else [float(w) for w in weights]
        if len(weights) != len(judges) or any(not w > 0 or w == float("inf") for w in weights):
            raise ValueError(f"JudgeEnsemble.weights must be {len(judges)} finite positive numbers, got {weights}")
        self.judges, self.weights, self.__name__ = list(judges), weights, name

    def __call__(self, prompts: list[str], completions: list[str], **columns) -> list[float | None]:
        """The weighted mean over the judges that scored each row."""
        scores = [judge(prompts, completions, **columns) for judge in self.judges]
        out: list[float | None] = []
        for row in zip(*scores, strict=True):
            pairs = [(w, s) for w, s in zip(self.weights, row) if s is not None]
            out.append(sum(w * s for w, s in pairs) / sum(w for w, _ in pairs) if pairs else None)
        return out

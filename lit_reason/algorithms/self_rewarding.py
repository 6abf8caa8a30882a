"""Self-Rewarding language models (report sec 6.9, eq 59-60): the policy judges its own samples.

Yuan et al. 2024, "Self-Rewarding Language Models" (arXiv:2401.10020). Each iteration the model M_t samples
``sampling.n`` responses per prompt, scores each one itself with the additive 5-point prompt of sec 6.9.2
(an :class:`~lit_reason.rewards.judge.LLMJudge` bound to the policy), and pairs the highest- with the
lowest-scored response of every prompt whose scores differ (eq 60); DPO trains on the pairs (eq 59). Every
``ref_update_every`` iterations the reference becomes the current model: M_t -> M_{t+1}, reference M_t.

Deliberate deviations: the paper builds the whole preference set of an iteration first and then trains on
it; here the pairs are built and trained on per batch of prompts (online DPO), and an iteration round is
``ref_update_every`` batches. A response the judge cannot score (no parseable score) gets ``none_reward``,
as for every reward of the framework; ``judge_scoring: expected`` (eq 33, the probability-weighted score)
never abstains.
"""

from __future__ import annotations

from lit_reason.algorithms.online_dpo import OnlineDPO
from lit_reason.rewards.combine import WeightedSum
from lit_reason.rewards.judge import LLMJudge


class SelfRewarding(OnlineDPO):
    """Online DPO whose reward is the policy's own judgement (LLM-as-a-judge on itself).

    Args:
        judge_prompt: ``additive_5`` (sec 6.9.2), ``score_10`` (sec 3.4.2), or a template with
            ``{question}`` and ``{response}`` (then give ``judge_scale``).
        judge_scale: ``[low, high]`` of a custom template's score.
        judge_scoring: ``generate`` (greedy judgement, parsed) or ``expected`` (eq 33).
        judge_max_new_tokens: Length bound of a judgement.
        judge_chat: Ask through the policy's chat template.
        ref_update_every: Iterations per self-rewarding round (M_t -> M_{t+1}).
        **kwargs: Everything of :class:`OnlineDPO` except ``rewards`` (the judge is the reward);
            ``verifier`` still defines ``train/accuracy`` and ``val/accuracy``, so that a judge that drifts
            from correctness shows.
    """

    def __init__(self, *args, judge_prompt: str = "additive_5", judge_scale: list[float] | None = None,
                 judge_scoring: str = "generate", judge_max_new_tokens: int = 16, judge_chat: bool = False,
                 ref_update_every: int = 50, **kwargs) -> None:
        if kwargs.get("rewards") is not None:
            raise ValueError("SelfRewarding: rewards must not be set: the reward is the policy's own judgement "
                             "(judge_prompt); use OnlineDPO with an LLMJudge for an external judge")
        super().__init__(*args, ref_update_every=ref_update_every, **kwargs)
        self.judge = LLMJudge(None, prompt=judge_prompt, scale=judge_scale, scoring=judge_scoring,
                              max_new_tokens=judge_max_new_tokens, chat=judge_chat, name="self_judge")
        self.judge.bind(self.policy)
        self.reward = WeightedSum([self.judge], name="reward")

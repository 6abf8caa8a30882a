"""best-of-N (eq 110), self-consistency (eq 47) and verifier beam (eq 58) on scripted samplers, plus a
tiny-model smoke run of each."""

from types import SimpleNamespace

import pytest
import torch

from lit_reason.sampling import HFSampler, SamplingParams
from lit_reason.sampling.search import (
    BeamSettings,
    best_of_n,
    majority_vote,
    self_consistency,
    verifier_beam,
)


class Scripted:
    """A sampler returning ``script[prompt]``: (text, summed logprob, finished) per sample, n of them."""

    def __init__(self, script):
        self.script = script
        self.policy = SimpleNamespace(format_prompt=lambda p: p)

    def generate(self, prompts, params, *, columns=None, generator=None):
        rows = [x for p in prompts for x in self.script[p]]
        assert all(len(self.script[p]) == params.n for p in prompts)
        cols = {k: [v for v in vals for _ in range(params.n)] for k, vals in (columns or {}).items()}
        return SimpleNamespace(
            prompts=[p for p in prompts for _ in range(params.n)],
            completions=[r[0] for r in rows],
            sampler_logprobs=torch.tensor([[r[1]] for r in rows]),
            completion_mask=torch.ones(len(rows), 1, dtype=torch.long),
            finished=torch.tensor([r[2] for r in rows]),
            columns=cols,
        )


def length_score(prompts, completions, **columns):
    return [None if c == "x" else float(len(c)) for c in completions]


def test_best_of_n_picks_the_highest_score_first_on_ties_and_none_lowest():
    sampler = Scripted({"p": [("ab", 0, True), ("cd", 0, True), ("e", 0, True)], "q": [("x", 0, True), ("y", 0, True)]})
    out = best_of_n(sampler, ["p"], SamplingParams(n=3), length_score)
    assert (out[0].completion, out[0].score, out[0].scores) == ("ab", 2.0, [2.0, 2.0, 1.0])  # tie -> first
    out = best_of_n(sampler, ["q"], SamplingParams(n=2), length_score)
    assert out[0].completion == "y"  # None ranks below every number


def test_best_of_n_passes_columns_to_the_scorer():
    sampler = Scripted({"p": [("1", 0, True), ("2", 0, True)], "q": [("2", 0, True), ("1", 0, True)]})
    exact = lambda prompts, completions, answer: [float(c == a) for c, a in zip(completions, answer)]  # noqa: E731
    out = best_of_n(sampler, ["p", "q"], SamplingParams(n=2), exact, columns={"answer": ["2", "1"]})
    assert [c.completion for c in out] == ["2", "1"]


def test_majority_vote_counts_and_breaks_ties_by_first_seen():
    assert majority_vote(["4", None, "5", "5", "4"]) == ("4", 2)
    assert majority_vote(["7", "5", "5"]) == ("5", 2)
    assert majority_vote([None, None]) == (None, 0)


def test_self_consistency_extracts_answers_and_votes():
    texts = [("so \\boxed{12}", 0, True), ("the answer is 13", 0, True), ("12", 0, True), ("no idea", 0, True)]
    vote = self_consistency(Scripted({"p": texts}), ["p"], SamplingParams(n=4))[0]
    assert vote.answers == ["12", "13", "12", None]
    assert (vote.answer, vote.count, vote.completion) == ("12", 2, "so \\boxed{12}")


def _beam_script():
    return Scripted({
        "Q:": [("a\n", -1.0, True), ("b\n", -2.0, True)],  # ended by the newline stop: not finished
        "Q:a\n": [("x", -0.5, True), ("y", -1.0, True)],  # ended by EOS
        "Q:b\n": [("z", -0.5, True), ("w", -0.1, True)],
    })


def test_verifier_beam_eq58_verifier_changes_the_pick():
    likes_z = lambda prompts, completions: [1.0 if c.endswith("z") else 0.0 for c in completions]  # noqa: E731
    settings = BeamSettings(beam_width=2, expansions=2, step="newline", max_steps=4, alpha=2.0)
    # step 2 scores: a\nx = -1.5, a\ny = -2, b\nz = -2.5 + 2 * 1 = -0.5, b\nw = -2.1 -> b\nz
    out = verifier_beam(_beam_script(), ["Q:"], likes_z, settings)[0]
    assert out.completion == "b\nz"
    assert out.score == pytest.approx(-0.5)
    assert out.candidates == ["b\nz", "a\nx"]
    # alpha = 0: log-probability alone picks a\nx (-1.5)
    assert verifier_beam(_beam_script(), ["Q:"], likes_z, BeamSettings(beam_width=2, expansions=2, alpha=0.0))[0].completion == "a\nx"


def test_verifier_beam_width_one_prunes_greedily():
    none_v = lambda prompts, completions: [None] * len(completions)  # noqa: E731
    out = verifier_beam(_beam_script(), ["Q:"], none_v, BeamSettings(beam_width=1, expansions=2))[0]
    assert out.completion == "a\nx"  # step 1 keeps a\n (-1 > -2); None scores count as V = 0


def test_beam_settings_validate():
    with pytest.raises(ValueError, match="step must be one of"):
        BeamSettings(step="sentences")
    with pytest.raises(ValueError, match="beam_width must be >= 1"):
        BeamSettings(beam_width=0)


def test_tiny_model_smoke(tiny_policy):
    sampler = HFSampler(tiny_policy)
    gen = torch.Generator().manual_seed(0)
    params = SamplingParams(n=3, max_new_tokens=4)
    out = best_of_n(sampler, ["1+2=", "3+4="], params, length_score, generator=gen)
    assert len(out) == 2 and all(len(c.candidates) == 3 and c.score == max(c.scores) for c in out)
    assert len(self_consistency(sampler, ["1+2="], params, generator=gen)[0].answers) == 3
    settings = BeamSettings(beam_width=2, expansions=2, step="tokens", step_tokens=2, max_steps=3)
    beams = verifier_beam(sampler, ["1+2=", "3+4="], length_score, settings, generator=gen)
    assert len(beams) == 2 and all(len(b.candidates) <= 2 for b in beams)

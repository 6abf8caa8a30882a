"""Length-normalised (eq 114) and diverse (eq 113) beams, MCTS with UCB (alg 9, eq 72) and iterative
refinement on scripted samplers."""

import math
from types import SimpleNamespace

import pytest
import torch

from lit_reason.sampling import HFSampler
from lit_reason.sampling.search import (
    BeamSettings,
    MCTSSettings,
    RefineSettings,
    mcts,
    refine,
    trigram_similarity,
    ucb,
    verifier_beam,
)
from lit_reason.sampling.search.mcts import Node, backpropagate, select


class Scripted:
    """``script[text]``: the samples after ``text`` as (completion, summed logprob, tokens, finished by EOS);
    a request for more samples than scripted cycles through them; greedy requests get the first."""

    def __init__(self, script):
        self.script, self.policy, self.calls = script, SimpleNamespace(format_prompt=lambda p: p), []

    def generate(self, prompts, params, *, columns=None, generator=None):
        self.calls.append((list(prompts), params.n))
        rows = [self.script[p][i % len(self.script[p])] for p in prompts for i in range(params.n)]
        t = max(r[2] for r in rows)
        return SimpleNamespace(
            prompts=[p for p in prompts for _ in range(params.n)],
            completions=[r[0] for r in rows],
            sampler_logprobs=torch.tensor([[r[1] / r[2]] * r[2] + [0.0] * (t - r[2]) for r in rows]),
            completion_mask=torch.tensor([[1] * r[2] + [0] * (t - r[2]) for r in rows]),
            finished=torch.tensor([True for _ in rows]),
        )


def none_v(prompts, completions, **columns):
    return [None] * len(completions)


def test_length_normalised_beam_eq114_prefers_the_better_per_token_logprob():
    # "long" has log P = -3 over 6 tokens (-0.5 a token), "s" -1 over 1 token: eq 58 with alpha 0 picks "s",
    # eq 114 with |b|^1 picks "long"
    sampler = Scripted({"Q:": [("long..", -3.0, 6, True), ("s", -1.0, 1, True)]})
    plain = BeamSettings(beam_width=1, expansions=2, alpha=0.0)
    normed = BeamSettings(beam_width=1, expansions=2, alpha=0.0, score="length_normalized", length_alpha=1.0)
    assert verifier_beam(sampler, ["Q:"], none_v, plain)[0].completion == "s"
    assert verifier_beam(sampler, ["Q:"], none_v, normed)[0].completion == "long.."


def test_diverse_beam_eq113_skips_a_near_duplicate():
    # scores -1, -1.1, -2: without diversity the two "3+4=7" variants fill the beam; with lambda 5 the second
    # pick is penalised by 5 * similarity and "9*9=81" enters instead
    sampler = Scripted({"Q:": [("3+4=7", -1.0, 1, True), ("3+4=7.", -1.1, 1, True), ("9*9=81", -2.0, 1, True)]})
    plain = verifier_beam(sampler, ["Q:"], none_v, BeamSettings(beam_width=2, expansions=3, alpha=0.0))[0]
    diverse = verifier_beam(sampler, ["Q:"], none_v, BeamSettings(beam_width=2, expansions=3, alpha=0.0, diversity=5.0))[0]
    assert plain.candidates == ["3+4=7", "3+4=7."] and diverse.candidates == ["3+4=7", "9*9=81"]
    assert trigram_similarity("abc", "xyz") == 0.0


def test_ucb_eq72_and_backpropagation():
    root = Node("", 0, False)
    a, b = Node("a", 1, False, root), Node("b", 1, False, root)
    root.children = [a, b]
    assert select(root, c=1.0) is a  # unvisited children first, the first on ties
    backpropagate(a, 1.0)
    assert select(root, c=1.0) is b
    backpropagate(b, 0.0)
    backpropagate(a, 0.5)
    assert (root.visits, root.total, a.visits, a.q) == (3, 1.5, 2, 0.75)
    # a: 0.75 + sqrt(ln 3 / 2) = 1.4912; b: 0 + sqrt(ln 3 / 1) = 1.0481
    assert ucb(a, root.visits, 1.0) == pytest.approx(0.75 + math.sqrt(math.log(3) / 2))
    assert select(root, c=1.0) is a


def _tree_script():
    # from "Q:" two first steps; only after "good\n" can the solution reach "=1"
    return Scripted({"Q:": [("bad\n", -0.1, 1, False), ("good\n", -2.0, 1, False)],
                     "Q:bad\n": [("=0", -0.1, 1, True)], "Q:good\n": [("=1", -0.1, 1, True)]})


def correct(prompts, completions, **columns):
    return [1.0 if c.endswith("=1") else 0.0 for c in completions]


def test_mcts_follows_the_most_visited_path_to_the_rewarded_answer():
    sampler = _tree_script()
    settings = MCTSSettings(simulations=8, expansions=2, c=0.5, value="rollout", max_depth=2)
    choice = mcts(sampler, ["Q:"], correct, settings)[0]
    assert choice.completion == "good\n=1" and choice.candidates == ["bad\n", "good\n"]
    assert choice.scores[1] > choice.scores[0]  # visits of "good\n" exceed those of "bad\n"
    # the greedy first step would have been "bad\n" (higher log-probability): the search overrides it


def test_mcts_prm_value_scores_partial_solutions():
    seen = []

    def prm(prompts, completions, **columns):
        seen.extend(completions)
        return [0.9 if c.startswith("good") else 0.1 for c in completions]

    choice = mcts(_tree_script(), ["Q:"], prm, MCTSSettings(simulations=6, expansions=2, value="prm", max_depth=2))[0]
    # the partial "bad\n" was scored as it is (no rollout); "good\n" was expanded on its second visit
    assert choice.completion == "good\n=1" and seen[0] == "bad\n" and "good\n=1" in seen


def test_refine_resamples_from_the_first_weak_step():
    sampler = Scripted({"Q:": [("a\nx\n=0", -1.0, 1, True)], "Q:a\n": [("y\n=1", -1.0, 1, True)]})

    def prefix_score(prompts, completions, **columns):  # a PRM that distrusts the step "x"
        return [0.1 if "x" in c else (1.0 if c.endswith("=1") else 0.6) for c in completions]

    choice = refine(sampler, ["Q:"], prefix_score, RefineSettings(rounds=2, n=1))[0]
    assert choice.completion == "a\ny\n=1" and choice.candidates == ["a\nx\n=0", "a\ny\n=1"]
    assert sampler.calls[-1][0] == ["Q:a\n"]  # the revision kept the trusted step "a\n"


def test_settings_are_checked():
    with pytest.raises(ValueError, match="value must be one of"):
        MCTSSettings(value="oracle")
    with pytest.raises(ValueError, match="score must be one of"):
        BeamSettings(score="sum")
    with pytest.raises(ValueError, match="rounds must be >= 0"):
        RefineSettings(rounds=-1)


def test_tiny_model_smoke(tiny_policy):
    sampler, gen = HFSampler(tiny_policy), torch.Generator().manual_seed(0)
    out = mcts(sampler, ["1+2=", "3+4="], none_v, MCTSSettings(simulations=3, expansions=2, step="tokens",
                                                               step_tokens=2, max_new_tokens=4), generator=gen)
    assert len(out) == 2 and all(isinstance(c.completion, str) for c in out)
    ref = refine(sampler, ["1+2="], lambda p, c, **k: [0.0] * len(c), RefineSettings(rounds=1, n=2, max_new_tokens=4),
                 generator=gen)
    assert len(ref) == 1


def test_mcts_merges_a_step_sampled_twice_into_one_child():
    # "a\n" is sampled twice and "b\n" once: two states, not three (copies would split "a\n"'s visits)
    sampler = Scripted({"Q:": [("a\n", -0.1, 1, False), ("a\n", -0.1, 1, False), ("b\n", -1.0, 1, False)],
                        "Q:a\n": [("=1", -0.1, 1, True)], "Q:b\n": [("=0", -0.1, 1, True)]})
    choice = mcts(sampler, ["Q:"], correct, MCTSSettings(simulations=4, expansions=3, value="prm", max_depth=2))[0]
    assert choice.candidates == ["a\n", "b\n"] and choice.completion == "a\n=1"

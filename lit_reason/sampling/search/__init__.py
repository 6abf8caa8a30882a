"""Inference-time search (report sec 6.3.2, 6.8.3, 6.19, 8.2.4-8.2.5): best-of-N (eq 110), self-consistency
(eq 47), step-level beam search guided by a verifier or PRM (eq 58), length-normalised (eq 114) or diverse
(eq 113), step-level MCTS with UCB (alg 9, eq 72) and iterative refinement.

Each takes a sampler, prompts and a scorer with the TRL reward signature, and returns one
:class:`Choice` per prompt; they serve evaluation (``lit-reason evaluate``) and as the expert of Expert
Iteration (``SelfTrainingModule(expert=...)``, report alg 5).
"""

from lit_reason.sampling.search.basic import Choice, Vote, best_of_n, majority_vote, self_consistency
from lit_reason.sampling.search.beam import BEAM_SCORES, BeamSettings, trigram_similarity, verifier_beam
from lit_reason.sampling.search.expand import STEP_KINDS, Step, sample_steps, step_params
from lit_reason.sampling.search.mcts import MCTSSettings, mcts, ucb
from lit_reason.sampling.search.refine import RefineSettings, first_weak_step, refine

__all__ = [
    "BEAM_SCORES",
    "BeamSettings",
    "Choice",
    "MCTSSettings",
    "RefineSettings",
    "STEP_KINDS",
    "Step",
    "Vote",
    "best_of_n",
    "first_weak_step",
    "majority_vote",
    "mcts",
    "refine",
    "sample_steps",
    "self_consistency",
    "step_params",
    "trigram_similarity",
    "ucb",
    "verifier_beam",
]

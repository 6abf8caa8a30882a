"""Sampling engines, their parameters, and inference-time search."""

from lit_reason.sampling.constitutional import CONSTITUTION, critique_and_revise, write_constitutional_jsonl
from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams
from lit_reason.sampling.processors import pick_tokens
from lit_reason.sampling.search import (
    BeamSettings,
    MCTSSettings,
    RefineSettings,
    best_of_n,
    majority_vote,
    mcts,
    refine,
    self_consistency,
    verifier_beam,
)

__all__ = [
    "CONSTITUTION",
    "critique_and_revise",
    "write_constitutional_jsonl",
    "BeamSettings",
    "MCTSSettings",
    "RefineSettings",
    "mcts",
    "refine",
    "HFSampler",
    "SamplingParams",
    "best_of_n",
    "majority_vote",
    "pick_tokens",
    "self_consistency",
    "verifier_beam",
]

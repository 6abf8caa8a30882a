"""Sampling engines and their parameters."""

from lit_reason.sampling.hf import HFSampler
from lit_reason.sampling.params import SamplingParams
from lit_reason.sampling.processors import pick_tokens

__all__ = ["HFSampler", "SamplingParams", "pick_tokens"]

"""One LightningModule per method or family (DESIGN.md, "Algorithms")."""

from lit_reason.algorithms.base import LossOutput, OnPolicyModule, Targets
from lit_reason.algorithms.dapo import DAPO
from lit_reason.algorithms.filters import (
    BinaryRewardFilter,
    CorrectDedup,
    Sample,
    SampleFilter,
    STaRFilter,
    ThresholdFilter,
    TopKPerPrompt,
)
from lit_reason.algorithms.grpo import GRPO
from lit_reason.algorithms.math_shepherd import ShepherdSettings, label_steps
from lit_reason.algorithms.online_dpo import IterativeDPO, OnlineDPO
from lit_reason.algorithms.optim import OptimizerSettings
from lit_reason.algorithms.ppo import PPO
from lit_reason.algorithms.preference import (
    DPO,
    IPO,
    KTO,
    ORPO,
    OfflinePreferenceModule,
    SimPO,
    sequence_logps,
)
from lit_reason.algorithms.prime import PRIME
from lit_reason.algorithms.reinforce import REINFORCE, RLOO
from lit_reason.algorithms.reinforce_pp import REINFORCEPlusPlus
from lit_reason.algorithms.remax import ReMax
from lit_reason.algorithms.reward_model import RewardModelModule
from lit_reason.algorithms.self_rewarding import SelfRewarding
from lit_reason.algorithms.self_training import SelfTrainingModule
from lit_reason.algorithms.settings import BatchSettings, ISSettings, KLSettings
from lit_reason.algorithms.sft import SFTModule, completion_nll
from lit_reason.algorithms.spin import SPIN
from lit_reason.algorithms.vstar import VSTaR

__all__ = [
    "BinaryRewardFilter",
    "DAPO",
    "CorrectDedup",
    "DPO",
    "GRPO",
    "IterativeDPO",
    "IPO",
    "KTO",
    "ORPO",
    "PPO",
    "PRIME",
    "REINFORCE",
    "REINFORCEPlusPlus",
    "ReMax",
    "RLOO",
    "RewardModelModule",
    "ShepherdSettings",
    "label_steps",
    "LossOutput",
    "OfflinePreferenceModule",
    "OnlineDPO",
    "OnPolicyModule",
    "OptimizerSettings",
    "BatchSettings",
    "KLSettings",
    "ISSettings",
    "STaRFilter",
    "SFTModule",
    "SPIN",
    "Sample",
    "SampleFilter",
    "SelfRewarding",
    "SelfTrainingModule",
    "ThresholdFilter",
    "TopKPerPrompt",
    "VSTaR",
    "completion_nll",
    "SimPO",
    "Targets",
    "sequence_logps",
]

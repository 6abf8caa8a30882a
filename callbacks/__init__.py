"""Drop-in Lightning callbacks, installed as ``lit_reason.callbacks``."""

from lit_reason.callbacks.curriculum import CurriculumScheduler
from lit_reason.callbacks.entropy import EntropyEvent, EntropyMonitor
from lit_reason.callbacks.export import ExportPolicy
from lit_reason.callbacks.hacking import HackingSignal, RewardHackingMonitor
from lit_reason.callbacks.kl import AdaptiveKLController, KLReason
from lit_reason.callbacks.rollback import CheckpointRollback, RollbackReason
from lit_reason.callbacks.samples import SampleTableLogger

__all__ = [
    "AdaptiveKLController",
    "CheckpointRollback",
    "CurriculumScheduler",
    "EntropyEvent",
    "EntropyMonitor",
    "ExportPolicy",
    "HackingSignal",
    "KLReason",
    "RewardHackingMonitor",
    "RollbackReason",
    "SampleTableLogger",
]

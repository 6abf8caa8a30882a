"""Pure loss functions of tensors (STYLE.md section 2): per-token losses plus ``aggregate``."""

from lit_reason.losses.aggregate import (
    AGGREGATIONS,
    aggregate,
    constant_normalizer,
    resolve_aggregation,
    sequence_mean,
    token_mean,
)
from lit_reason.losses.kl import KL_ESTIMATORS, full_kl, kl_k1, kl_k2, kl_k3, kl_penalty, resolve_kl
from lit_reason.losses.policy import (
    POLICY_LOSSES,
    approx_kl,
    clip_fraction,
    clipped_surrogate,
    resolve_policy_loss,
)
from lit_reason.losses.preference import (
    PREFERENCE_LOSSES,
    PreferenceLoss,
    dpo_loss,
    ipo_loss,
    kto_loss,
    log_odds,
    orpo_loss,
    resolve_preference_loss,
    simpo_loss,
    spin_loss,
)
from lit_reason.losses.verifier import verifier_accuracy, verifier_auc, verifier_bce

__all__ = [
    "verifier_accuracy",
    "verifier_auc",
    "verifier_bce",
    "PREFERENCE_LOSSES",
    "PreferenceLoss",
    "dpo_loss",
    "ipo_loss",
    "kto_loss",
    "log_odds",
    "orpo_loss",
    "resolve_preference_loss",
    "simpo_loss",
    "spin_loss",
    "AGGREGATIONS",
    "KL_ESTIMATORS",
    "POLICY_LOSSES",
    "aggregate",
    "approx_kl",
    "clip_fraction",
    "clipped_surrogate",
    "constant_normalizer",
    "full_kl",
    "kl_k1",
    "kl_k2",
    "kl_k3",
    "kl_penalty",
    "resolve_aggregation",
    "resolve_kl",
    "resolve_policy_loss",
    "sequence_mean",
    "token_mean",
]

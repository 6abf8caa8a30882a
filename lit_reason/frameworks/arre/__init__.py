"""ARRE, Adversarial Reasoning Robustness Enhancement (report sec 7.6, eq 94-95, alg 13).

``ARRE`` (the module: worst-case perturbation and consistency term on GRPO's hooks), the perturbers
(``ArithmeticPerturber`` for the synthetic tasks, ``TextPerturber`` for any text question; both plug into
``lit_reason.datamodules.variants.VariantPromptDataModule``) and ``ProgressiveStrength`` (alg 13's stages).
"""

from lit_reason.frameworks.arre.module import ARRE
from lit_reason.frameworks.arre.objective import (
    stage_strength,
    transplant_advantages,
    transplant_pairs,
    worst_case_variant,
)
from lit_reason.frameworks.arre.perturb import KINDS, ArithmeticPerturber, TextPerturber
from lit_reason.frameworks.arre.schedule import ProgressiveStrength

__all__ = ["ARRE", "KINDS", "ArithmeticPerturber", "ProgressiveStrength", "TextPerturber", "stage_strength",
           "transplant_advantages", "transplant_pairs", "worst_case_variant"]

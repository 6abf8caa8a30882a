"""MGRCR, Multi-Granularity Reasoning Consistency Reinforcement (report sec 7.4, eq 85-88).

``MGRCR`` (module.py) is GRPO whose advantage adds a consistency term: solutions are segmented at the span,
step and solution granularities (units.py) and scored for internal and cross-granularity consistency, the
terms combined by the pure functions of consistency.py.
"""

from lit_reason.frameworks.mgrcr.module import MGRCR
from lit_reason.frameworks.mgrcr.units import TERMS, Units, segment

__all__ = ["MGRCR", "TERMS", "Units", "segment"]

"""Issue 19's PRM behaviour on the tiny task, over several seeds: a PRM trained on Math-Shepherd labels
(eq 67) of the policy's own solutions ranks held-out correct solutions above wrong ones.

Each seed SFTs its own tiny policy, labels its solutions and trains an implicit PRM
(``benchmarks/process_rewards.py``'s ``setup``). Not asserted here, because not robust at this size: PRM
best-of-8 over maj@8 and PRM-valued MCTS over greedy. Observed with 3 seeds x 2 draws (192 problem-draws):
bon@8 0.661 vs maj@8 0.615 (gain_z 0.94), MCTS 0.677 vs greedy 0.646 (gain_z 0.64); see the README.
"""

import pytest

from benchmarks.process_rewards import measure, setup
from tests.stats import auc_z

SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def runs() -> list[dict[str, float]]:
    return [measure(setup(seed), seed, draws=1, searches=()) for seed in SEEDS]


@pytest.mark.behaviour
def test_math_shepherd_prm_ranks_held_out_correct_solutions_above_wrong_ones(runs):
    # observed, 1 draw per seed: native AUC 0.787 (seed 0), 0.84 (seed 1), 0.83 (seed 2); under
    # ATEN_CPU_CAPABILITY=default 0.582 (seed 0, auc_z 2.2) and 0.816 (seed 1): one seed can come out weak,
    # so the test pools the seeds: the mean AUC against chance on all their samples
    auc = sum(r["auc"] for r in runs) / len(runs)
    pos, neg = sum(int(r["n_pos"]) for r in runs), sum(int(r["n_neg"]) for r in runs)
    assert all(r["auc"] > 0.5 for r in runs) and auc_z(auc, pos, neg) > 4.0, [r["auc"] for r in runs]

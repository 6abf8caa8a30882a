"""DifficultySampler: weighted draws follow the weights, passes are permutations, state resumes exactly."""

import pytest
import torch

from lit_reason.datamodules import DifficultySampler
from lit_reason.datamodules.sampler import uniform_at

DIFFS = [0] * 30 + [1] * 10 + [2] * 60


def test_weighted_draws_follow_per_row_weights():
    sampler = DifficultySampler(DIFFS, num_samples=4000, seed=0, weights={0: 1.0, 1: 3.0, 2: 0.0})
    drawn = [DIFFS[i] for i in sampler]
    # mass per difficulty = rows x weight: 30*1 = 30, 10*3 = 30, 60*0 = 0 -> shares 0.5, 0.5, 0
    # binomial std of a share over 4000 draws = sqrt(0.25 / 4000) = 0.0079; 0.03 is ~4 std
    assert drawn.count(2) == 0
    assert abs(drawn.count(0) / 4000 - 0.5) < 0.03
    assert abs(drawn.count(1) / 4000 - 0.5) < 0.03


def test_uniform_numbers_are_uniform_and_seeded():
    u = torch.tensor([uniform_at(3, p) for p in range(20000)], dtype=torch.float64)
    assert 0.0 <= u.min() and u.max() < 1.0
    # mean of U(0,1) is 1/2 with std sqrt(1/12/20000) = 0.002; variance is 1/12 = 0.0833
    assert abs(u.mean().item() - 0.5) < 0.01 and abs(u.var().item() - 1 / 12) < 0.005
    assert uniform_at(3, 5) == uniform_at(3, 5) != uniform_at(4, 5)


def test_unweighted_passes_are_fresh_permutations():
    sampler = DifficultySampler(DIFFS, seed=5)
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(100))
    assert first != second
    # pass e is torch.randperm seeded with seed * 1_000_003 + e
    assert first == torch.randperm(100, generator=torch.Generator().manual_seed(5 * 1_000_003)).tolist()
    assert list(DifficultySampler(DIFFS, shuffle=False, num_samples=3)) == [0, 1, 2]


def test_string_keys_missing_keys_and_errors():
    sampler = DifficultySampler(DIFFS, num_samples=200, seed=1)
    sampler.set_sampling_weights({"1": 2.0})  # YAML-style key; difficulties 0 and 2 get weight 0
    assert {DIFFS[i] for i in sampler} == {1}
    with pytest.raises(ValueError, match=r"unknown difficulty 7; rows have \[0, 1, 2\]"):
        sampler.set_sampling_weights({7: 1.0})
    with pytest.raises(ValueError, match="weight of difficulty 0 must be finite and >= 0, got -1"):
        sampler.set_sampling_weights({0: -1})
    with pytest.raises(ValueError, match="give no row a positive weight"):
        sampler.set_sampling_weights({0: 0.0})
    sampler.set_sampling_weights(None)
    assert sorted(list(sampler)[:100]) == list(range(100))  # back to permutations


def test_state_dict_round_trip_resumes_the_same_stream():
    def run(stop_at=None):
        s = DifficultySampler(DIFFS, num_samples=50, seed=2)
        out = []
        for step in range(6):  # 6 iterations of 50; the weights change after the second
            if step == 2:
                s.set_sampling_weights({0: 1.0, 2: 0.5})
            if step == stop_at:
                fresh = DifficultySampler(DIFFS, num_samples=50, seed=2)
                fresh.load_state_dict(s.state_dict())
                s = fresh
            out += list(s)
        return out

    assert run() == run(stop_at=1) == run(stop_at=4)
    with pytest.raises(ValueError, match="state saved over 100 rows cannot resume over 3"):
        DifficultySampler([0, 1, 2]).load_state_dict(DifficultySampler(DIFFS).state_dict())


def test_row_weights_through_the_loader_follow_the_mix_and_resume():
    from lit_reason.datamodules import RowLoader

    rows = [{"d": 0}] * 50 + [{"d": 1}] * 50

    def loader():
        return RowLoader(rows, 100, difficulty_sampler=DifficultySampler([r["d"] for r in rows], seed=0))

    full = loader()
    full.set_weights([1.0] * 50 + [3.0] * 50)
    drawn = [r["d"] for _ in range(20) for b in full for r in b]
    # 3:1 weights -> 75% from the second half; std of the share over 2000 draws = sqrt(.1875/2000) = 0.0097
    assert abs(sum(drawn) / len(drawn) - 0.75) < 0.04
    resumed = loader()
    resumed.load_state_dict(full.state_dict())  # the row weights travel with the loader's state
    assert [list(resumed) for _ in range(2)] == [list(full) for _ in range(2)]
    with pytest.raises(ValueError, match="3 row weights for 100 rows"):
        full.set_weights([1.0, 1.0, 1.0])

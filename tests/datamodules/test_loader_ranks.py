"""RowLoader under a distributed strategy: each rank its own slice of one global batch."""

import pytest

from lit_reason.datamodules.loader import RowLoader
from lit_reason.datamodules.sampler import DifficultySampler

ROWS = [{"i": i} for i in range(10)]


def batches(world, batch_size, **kw):
    """Per step, the rows of every rank in rank order: ``[[rank0 ids, rank1 ids, ...], ...]``."""
    loaders = []
    for rank in range(world):
        sampler = kw.get("sampler")
        if sampler is not None:
            sampler = DifficultySampler([r["i"] % 3 for r in ROWS], seed=5)
        extra = {k: v for k, v in kw.items() if k != "sampler"}
        loaders.append(RowLoader(ROWS, batch_size, rank=rank, world_size=world, difficulty_sampler=sampler, **extra))
    return [[[r["i"] for r in b] for b in step] for step in zip(*loaders)]


@pytest.mark.parametrize("kw", [{"shuffle": True, "seed": 3}, {"shuffle": False}, {"sampler": True},
                                {"weights": [float(i + 1) for i in range(10)], "seed": 2}])
def test_two_ranks_of_b_see_the_rows_of_one_rank_of_2b(kw):
    one = [step[0] for step in batches(1, 4, **kw)]  # 10 rows: batches of 4, 4, 2
    two = batches(2, 2, **kw)
    assert len(one) == len(two) == 3
    for single, (r0, r1) in zip(one[:2], two[:2]):
        assert r0 + r1 == single  # rank r takes the r-th slice of the same global batch
        assert r0 != r1 or "weights" in kw  # distinct rows per rank (weighted draws may repeat a row)
    # Last global batch: 2 rows left; the ranks get 2 each, padded from the epoch's first rows, never empty.
    assert all(len(r) == 2 for r in two[2])
    if "weights" not in kw:
        assert two[2][0] == one[2]


def test_bad_rank_is_named():
    with pytest.raises(ValueError, match="rank=2, world_size=2"):
        RowLoader(ROWS, 2, rank=2, world_size=2)

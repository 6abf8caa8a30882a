"""RowLoader across epochs as Lightning drives it: it stops after len(loader) batches, never exhausting."""

import itertools

from lit_reason.datamodules import RowLoader

ROWS = [{"i": i} for i in range(6)]


def take(loader, n):
    return [[r["i"] for r in b] for b in itertools.islice(iter(loader), n)]


def test_next_iter_after_a_full_epoch_is_the_next_epoch_not_empty():
    loader = RowLoader(ROWS, 2, shuffle=True, seed=3)
    first = take(loader, len(loader))  # Lightning: exactly len batches, generator left suspended
    second = take(loader, len(loader))
    assert len(second) == 3 and sorted(sum(second, [])) == list(range(6))
    assert first != second  # a new permutation (epoch 1)
    assert loader.epoch == 1


def test_resumable_loader_continues_a_partial_epoch():
    loader = RowLoader(ROWS, 2, shuffle=True, seed=3)
    whole = take(RowLoader(ROWS, 2, shuffle=True, seed=3), 3)
    assert take(loader, 1) + take(loader, 2) == whole


def test_validation_loader_restarts_every_pass():
    loader = RowLoader(ROWS, 2, resumable=False)
    assert take(loader, 2) == [[0, 1], [2, 3]]  # a sanity check reads 2 batches
    assert take(loader, 3) == [[0, 1], [2, 3], [4, 5]]  # the next validation sees all of them

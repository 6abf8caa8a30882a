"""Eq 105: the novelty reward against an archive, by hand."""

import pytest

from lit_reason.rewards.novelty import NoveltyReward, jaccard_distance, ngrams, novelty


def test_ngrams_and_distance_by_hand():
    assert ngrams("abcd", 3) == {"abc", "bcd"}
    assert ngrams("ab", 3) == {"ab"} and ngrams("", 3) == frozenset()
    # {abc, bcd} vs {bcd, cde}: 1 shared of 3 -> 1 - 1/3
    assert jaccard_distance(ngrams("abcd"), ngrams("bcde")) == pytest.approx(2 / 3)
    assert jaccard_distance(frozenset(), frozenset()) == 0.0


def test_novelty_is_the_distance_to_the_nearest_archived_answer():
    archive = [ngrams("abcd"), ngrams("wxyz")]
    # "abce": {abc, bce} vs {abc, bcd} -> 1 - 1/3; vs "wxyz" -> 1: the minimum is 2/3
    assert novelty(["abce", "wxyz", "qrst"], archive) == pytest.approx([2 / 3, 0.0, 1.0])
    assert novelty(["x"], []) == [1.0]  # nothing archived: everything is new


def test_reward_archives_each_batch_after_scoring_it():
    r = NoveltyReward(archive_size=2)
    assert r([None] * 2, ["abcd", "abcd"]) == [1.0, 1.0]  # scored before archiving: both new
    assert r([None], ["abcd"]) == [0.0]
    assert r([None], ["wxyz"]) == [1.0]  # the archive now holds the last 2: "abcd" and "wxyz"
    assert list(r.archive) == [ngrams("abcd"), ngrams("wxyz")]
    with pytest.raises(ValueError, match="archive_size"):
        NoveltyReward(archive_size=0)

"""The length penalty (report eq. 38)."""

import doctest

import pytest

import lit_reason.rewards.length as length_module
from lit_reason.rewards.length import LengthPenalty, length_penalty


def test_chars():
    fn = LengthPenalty(max_len=4, coef=0.5)
    # lengths 0, 4, 5, 10 -> -0.5 * max(0, n - 4) = 0, 0, -0.5, -3.0
    assert fn(["q"] * 4, ["", "abcd", "abcde", "x" * 10]) == [0.0, 0.0, -0.5, -3.0]


def test_tokens_from_completion_ids():
    fn = LengthPenalty(max_len=2, coef=0.25, unit="tokens")
    # token counts 1, 2, 6 -> -0.25 * (0, 0, 4) = (0, 0, -1.0); character lengths are ignored
    assert fn(["q"] * 3, ["long text", "ab", "a"], completion_ids=[[1], [1, 2], list(range(6))]) == [
        0.0,
        0.0,
        -1.0,
    ]


def test_tokens_need_matching_completion_ids():
    fn = LengthPenalty(max_len=2, coef=1.0, unit="tokens")
    with pytest.raises(ValueError, match="completion_ids"):
        fn(["q"], ["abc"])
    with pytest.raises(ValueError, match="2 completion_ids for 1"):
        fn(["q"], ["abc"], completion_ids=[[1], [2]])


def test_chars_ignore_completion_ids():
    # unit="chars" measures the text even when TRL passes token ids: 6 chars - 4 = 2 -> -1.0
    assert LengthPenalty(max_len=4, coef=0.5)(["q"], ["abcdef"], completion_ids=[[1]]) == [-1.0]


def test_default_instance():
    # free up to 1024 chars; 1030 chars -> -0.001 * 6 = -0.006
    out = length_penalty(["q", "q"], ["x" * 1024, "x" * 1030])
    assert out[0] == 0.0
    assert out[1] == pytest.approx(-0.006, rel=1e-12)
    assert length_penalty.__name__ == "length_penalty"


def test_bad_options():
    for kwargs in ({"max_len": -1, "coef": 1.0}, {"max_len": 1.5, "coef": 1.0}):
        with pytest.raises(ValueError, match="max_len"):
            LengthPenalty(**kwargs)
    with pytest.raises(ValueError, match="coef"):
        LengthPenalty(max_len=1, coef=-0.1)
    with pytest.raises(ValueError, match="unit"):
        LengthPenalty(max_len=1, coef=0.1, unit="words")


def test_docstring_examples():
    result = doctest.testmod(length_module)
    assert result.attempted > 0 and result.failed == 0

"""Step segmentation: every splitter partitions the text exactly, and blank pieces never stand alone."""

import pytest

from lit_reason.rewards.steps import (
    STEP_SPLITTERS,
    newline_steps,
    resolve_splitter,
    sentence_steps,
    step_k_steps,
)

TEXTS = ["3+4=7\n7+5=12", "\n\nStep 1: a.\n\nStep 2: b. Step 3: c", "One. Two! Three? 3.5 stays", "", "no split"]


@pytest.mark.parametrize("name", sorted(STEP_SPLITTERS))
@pytest.mark.parametrize("text", TEXTS)
def test_steps_partition_the_text(name, text):
    steps = STEP_SPLITTERS[name](text)
    assert "".join(steps) == text
    assert all(s.strip() for s in steps) or text.strip() == ""


def test_newline_keeps_the_newline_and_merges_blank_lines():
    assert newline_steps("a\n\nb\n") == ["a\n\n", "b\n"]
    assert newline_steps("\n\na\nb") == ["\n\na\n", "b"]


def test_step_k_starts_at_markers_and_keeps_a_preamble_in_step_one():
    assert step_k_steps("Let us see. Step 1: x\nstep 2) y") == ["Let us see. Step 1: x\n", "step 2) y"]


def test_sentences_split_after_end_punctuation_only_before_whitespace():
    assert sentence_steps("x is 3.5. So y!Done") == ["x is 3.5. ", "So y!Done"]


def test_unknown_split_lists_the_valid_ones():
    with pytest.raises(ValueError, match="newline"):
        resolve_splitter("paragraph")

"""VariantPromptDataModule: questions followed by their derived variants, reproducible and resumable."""

from __future__ import annotations

import random

import pytest

from lit_reason.datamodules import ArithmeticTask
from lit_reason.datamodules.variants import Variant, VariantPromptDataModule, question_text, with_question
from lit_reason.frameworks.arre import ArithmeticPerturber


class Doubler:
    """Asks for twice the question (a transform the test can check by hand); none for questions with 'x'."""

    strength = 1.0

    def __call__(self, question, answer, rng):
        if "x" in question:
            return None
        return Variant(f"2*({question})", str(2 * int(answer)), "double")


def make(transform=None, **kw):
    dm = VariantPromptDataModule(synthetic=ArithmeticTask(levels=[[1, 1]]), train_size=20, val_size=4, batch_size=3,
                                 transform=transform or Doubler(), variants=2, **kw)
    dm.setup("fit")
    return dm


def test_each_question_is_followed_by_its_variants():
    batch = next(iter(make().train_dataloader()))
    assert len(batch) == 9  # 3 questions x (1 + 2)
    assert [r["variant"] for r in batch] == [0, 1, 2] * 3
    assert [r["variant_of"] for r in batch] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    q, v = batch[0], batch[1]
    assert v["prompt"] == f"2*({q['prompt']})" and v["answer"] == str(2 * int(q["answer"]))
    assert (q["variant_note"], v["variant_note"]) == ("", "double")


def test_variants_are_the_same_after_a_resume():
    first = make(ArithmeticPerturber())
    loader = first.train_dataloader()
    batches = iter(loader)
    next(batches)
    state = first.state_dict()
    expected = next(batches)
    resumed = VariantPromptDataModule(synthetic=ArithmeticTask(levels=[[1, 1]]), train_size=20, val_size=4,
                                      batch_size=3, transform=ArithmeticPerturber(), variants=2)
    resumed.load_state_dict(state)
    resumed.setup("fit")
    assert next(iter(resumed.train_dataloader())) == expected


def test_questions_without_a_variant_are_counted():
    dm = make()
    loader = dm.train_dataloader()
    batch = loader.expand([{"prompt": "x+1=", "answer": "2"}], random.Random(0))
    assert [r["variant"] for r in batch] == [0] and loader.dropped == 2


def test_validation_can_hold_one_variant_per_question():
    plain, varied = make(), make(val_transformed=True)
    clean = [r["prompt"] for b in plain.val_dataloader() for r in b]
    derived = [r["prompt"] for b in varied.val_dataloader() for r in b]
    assert derived == [f"2*({p})" for p in clean]


def test_chat_prompts_vary_their_last_user_message():
    chat = [{"role": "system", "content": "s"}, {"role": "user", "content": "1+2="}]
    assert question_text(chat) == "1+2="
    assert with_question(chat, "2+1=") == [{"role": "system", "content": "s"}, {"role": "user", "content": "2+1="}]
    with pytest.raises(ValueError, match="user message"):
        question_text([{"role": "system", "content": "s"}])


def test_set_strength_and_bad_options():
    dm = make(ArithmeticPerturber())
    dm.set_strength(2.5)
    assert dm.transform.strength == 2.5
    with pytest.raises(ValueError, match="strength"):
        dm.set_strength(-1)
    with pytest.raises(ValueError, match="variants"):
        VariantPromptDataModule(synthetic=ArithmeticTask(), transform=Doubler(), variants=0)
    with pytest.raises(ValueError, match="QuestionTransform"):
        VariantPromptDataModule(synthetic=ArithmeticTask(), transform=lambda q, a, r: None)

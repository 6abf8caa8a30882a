import pytest
import torch

from lit_reason.rollout import Rollout


def _rollout(b=4):
    return Rollout(
        prompt_ids=torch.arange(b * 2).view(b, 2), prompt_mask=torch.ones(b, 2, dtype=torch.long),
        completion_ids=torch.arange(b * 3).view(b, 3), completion_mask=torch.tensor([[1, 1, 0]] * b),
        sampler_logprobs=torch.zeros(b, 3), group=torch.tensor([0, 0, 1, 1][:b]),
        finished=torch.ones(b, dtype=torch.bool), prompts=[f"p{i}" for i in range(b)],
        completions=[f"c{i}" for i in range(b)], columns={"answer": [str(i) for i in range(b)]},
        rewards=torch.arange(b, dtype=torch.float),
    )


def test_minibatches_cover_every_sample_once_and_keep_fields_aligned():
    r = _rollout()
    seen = []
    for mb in r.minibatches(3, shuffle=True, generator=torch.Generator().manual_seed(0)):
        for i in range(len(mb)):
            k = int(mb.rewards[i])
            assert mb.prompts[i] == f"p{k}" and mb.columns["answer"][i] == str(k)
            assert mb.completion_ids[i].tolist() == [3 * k, 3 * k + 1, 3 * k + 2]
        seen += mb.rewards.int().tolist()
    assert sorted(seen) == [0, 1, 2, 3]


def test_trimmed_drops_all_padding_columns():
    t = _rollout().trimmed()
    assert t.completion_ids.shape == (4, 2) and t.sampler_logprobs.shape == (4, 2)


def test_mismatched_lengths_are_named():
    with pytest.raises(ValueError, match="Rollout.answer"):
        r = _rollout()
        Rollout(**{**r.__dict__, "columns": {"answer": ["1"]}})


def test_concat_repads_and_keeps_groups_apart():
    a = _rollout(2)
    b = Rollout(
        prompt_ids=torch.tensor([[7, 8, 9]]), prompt_mask=torch.ones(1, 3, dtype=torch.long),
        completion_ids=torch.tensor([[5]]), completion_mask=torch.ones(1, 1, dtype=torch.long),
        sampler_logprobs=torch.zeros(1, 1), group=torch.tensor([0]), finished=torch.ones(1, dtype=torch.bool),
        prompts=["q"], completions=["d"], columns={"answer": ["9"]}, rewards=torch.tensor([5.0]),
    )
    c = Rollout.concat([a, b])
    assert len(c) == 3 and c.group.tolist() == [0, 0, 1]  # a's one group, then b's shifted past it
    assert c.prompt_ids.tolist() == [[0, 0, 1], [0, 2, 3], [7, 8, 9]]  # left-padded to 3
    assert c.prompt_mask.tolist() == [[0, 1, 1], [0, 1, 1], [1, 1, 1]]
    assert c.completion_ids.tolist() == [[0, 1, 2], [3, 4, 5], [5, 0, 0]]  # right-padded to 3
    assert c.columns["answer"] == ["0", "1", "9"] and c.rewards.tolist() == [0.0, 1.0, 5.0]
    assert c.old_logprobs is None
    with pytest.raises(ValueError, match="columns differ"):
        Rollout.concat([a, Rollout(**{**b.__dict__, "columns": {}})])

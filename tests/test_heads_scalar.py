"""ScalarHead reads the last real token; ScalarModel is a separate copy of the backbone."""

import torch
from torch.testing import assert_close

from lit_reason.heads import ScalarHead, ScalarModel, last_token_index


def test_last_token_index_with_left_and_right_padding():
    mask = torch.tensor([[0, 1, 1, 0], [1, 1, 1, 1], [0, 0, 0, 0]])
    assert last_token_index(mask).tolist() == [2, 3, 0]


def test_scalar_head_hand_computed():
    head = ScalarHead(2)
    with torch.no_grad():
        head.value.proj.weight.copy_(torch.tensor([[1.0, 2.0]]))
        head.value.proj.bias.fill_(0.5)
    hidden = torch.arange(16, dtype=torch.float32).view(2, 4, 2)  # row 0 pos 2 = (4, 5); row 1 pos 3 = (14, 15)
    mask = torch.tensor([[0, 1, 1, 0], [1, 1, 1, 1]])
    # 4 + 2*5 + 0.5 = 14.5; 14 + 2*15 + 0.5 = 44.5
    assert_close(head(hidden, mask), torch.tensor([14.5, 44.5]))


def test_scalar_model_starts_at_zero_and_leaves_the_policy_alone(tiny_policy):
    model = ScalarModel(tiny_policy)
    ids, mask, _ = tiny_policy.encode_pairs(["1+2=", "10+5="], ["3", "15"])
    assert_close(model(ids, mask), torch.zeros(2))
    assert all(p is not q for p, q in zip(model.backbone.parameters(), tiny_policy.backbone.parameters()))

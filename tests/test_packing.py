"""Shared-prefix packing: the layout by hand, and log-probabilities/gradients equal to the padded batch."""

import pytest
import torch
from torch.testing import assert_close

from lit_reason.packing import pack_shared_prefix
from lit_reason.policy import Policy
from lit_reason.tiny import TinyConfig

PROMPTS = ["1+2=", "1+2=", "10+5=", "10+5=", "7+7=", "7+7="]
COMPLETIONS = ["3", "45", "15x", "", "14", "141414"]
GROUP = torch.tensor([0, 0, 1, 1, 2, 2])


def policy(**kw):
    return Policy("tiny", tiny=TinyConfig(hidden_size=64, num_layers=2, num_heads=4,
                                          intermediate_size=128), **kw)


def test_layout_by_hand():
    ids = torch.tensor([[0, 5, 6, 7, 7, 8], [0, 5, 6, 7, 7, 0], [0, 9, 4, 6, 1, 2]])
    mask = torch.tensor([[0, 1, 1, 1, 1, 1], [0, 1, 1, 1, 1, 0], [0, 1, 1, 1, 1, 1]])
    comp = torch.tensor([[1, 1], [1, 0], [1, 1]])
    packed = pack_shared_prefix(ids, mask, comp, torch.tensor([3, 3, 3]))
    # rows 0 and 1 share prompt (5, 6, 7); row 2's prompt (9, 4, 6) differs although the group id is equal
    assert packed.input_ids.tolist() == [[5, 6, 7, 7, 8, 7], [9, 4, 6, 1, 2, 9]]
    assert packed.position_ids[0].tolist() == [0, 1, 2, 3, 4, 3]
    # row 0's tokens 7, 8: predicted by positions 2 (prompt end) and 3; row 1's token 7 by 2; row 2 by 8, 9
    assert packed.predictor.tolist() == [2, 3, 2, 6 + 2, 6 + 3]
    assert packed.targets.tolist() == [7, 8, 7, 1, 2]
    allowed = packed.allowed[0, 0]
    assert allowed[5].tolist() == [True, True, True, False, False, True]  # 2nd completion skips the 1st
    assert allowed[4].tolist() == [True, True, True, True, True, False]


def test_a_sample_with_nothing_to_score_predicts_nothing():
    ids = torch.tensor([[0, 5, 6, 7, 8], [0, 5, 6, 9, 0]])
    mask = torch.tensor([[0, 1, 1, 1, 1], [0, 1, 1, 1, 0]])
    comp = torch.tensor([[1, 1], [0, 0]])  # the second completion masked out entirely
    packed = pack_shared_prefix(ids, mask, comp, torch.tensor([0, 0]))
    assert packed.predictor.tolist() == [1, 2] and packed.targets.tolist() == [7, 8]


def test_hole_in_a_completion_is_not_packed():
    ids, mask = torch.ones(1, 4, dtype=torch.long), torch.ones(1, 4, dtype=torch.long)
    assert pack_shared_prefix(ids, mask, torch.tensor([[0, 1]]), torch.tensor([0])) is None


def test_empty_prompt_with_tokens_to_score_is_an_error():
    ids, mask = torch.ones(1, 3, dtype=torch.long), torch.tensor([[0, 1, 1]])
    with pytest.raises(ValueError, match="sample 0 has an empty prompt"):
        pack_shared_prefix(ids, mask, torch.tensor([[1, 1]]), torch.tensor([0]))


@pytest.mark.parametrize("checkpointing", [False, True, 2])
def test_packed_logprobs_and_gradients_equal_padded(checkpointing):
    torch.manual_seed(0)
    pol = policy(gradient_checkpointing=checkpointing)
    ids, mask, comp = pol.encode_pairs(PROMPTS, COMPLETIONS)
    weights = torch.randn(comp.shape)
    grads = []
    for group in (None, GROUP):
        pol.zero_grad()
        stats = pol.token_logprobs(ids, mask, comp, temperature=0.7, entropy=True, group=group)
        (stats.logprobs * weights).sum().backward()
        grads.append([p.grad.clone() for p in pol.parameters()])
        if group is None:
            ref = stats
    assert_close(stats.logprobs, ref.logprobs, atol=1e-5, rtol=1e-5)
    assert_close(stats.entropy, ref.entropy, atol=1e-5, rtol=1e-5)
    assert (stats.logprobs[comp == 0] == 0).all()
    for a, b in zip(*grads):
        assert_close(a, b, atol=1e-5, rtol=1e-4)


def test_checkpointing_every_second_layer():
    pol = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=4, num_heads=2, intermediate_size=64),
                 gradient_checkpointing=2)
    flags = [getattr(layer, "gradient_checkpointing", False) for layer in pol.backbone.layers]
    assert flags == [True, False, True, False]
    with pytest.raises(ValueError, match="true or an integer >= 1"):
        Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64),
               gradient_checkpointing=-1)

"""The critic's three forms (report sec 3.1.6): what trains, where gradients go, value alignment."""

import pytest
import torch
from torch.testing import assert_close

from lit_reason.heads import Critic, ValueHead
from lit_reason.policy import Policy
from lit_reason.tiny import TinyConfig


@pytest.fixture
def policy():
    return Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))


def batch(policy):
    return policy.encode_pairs(["1+2=", "10+3="], ["3", "13"])  # completion lengths 2 and 3 (EOS included)


def test_values_are_the_head_on_the_state_before_each_token(policy):
    critic = Critic(policy, "shared", init_std=0.1)
    ids, mask, cmask = batch(policy)
    values = critic(ids, mask, cmask)  # (2, 3)
    hidden = policy.hidden_states(ids, mask)  # (2, P + 3, H)
    expected = critic.head(hidden[:, -4:-1])  # positions P-1 .. P+1 predict completion tokens 0 .. 2
    assert_close(values[cmask.bool()], expected[cmask.bool()])
    assert values[0, 2].item() == 0.0  # padding


def test_zero_init_starts_at_zero(policy):
    ids, mask, cmask = batch(policy)
    assert_close(Critic(policy, "separate")(ids, mask, cmask), torch.zeros(2, 3))


def test_shared_backbone_gets_the_value_gradient(policy):
    critic = Critic(policy, "shared", init_std=0.1)
    assert {n for n, _ in critic.named_parameters()} == {"head.proj.weight", "head.proj.bias"}
    ids, mask, cmask = batch(policy)
    critic(ids, mask, cmask).sum().backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in policy.backbone.parameters())


def test_separate_critic_trains_its_own_copy(policy):
    critic = Critic(policy, "separate", init_std=0.1)
    ids, mask, cmask = batch(policy)
    critic(ids, mask, cmask).sum().backward()
    assert all(p.grad is None for p in policy.parameters())
    assert all(p.grad is not None for p in critic.backbone.parameters() if p.requires_grad)
    assert critic.backbone is not policy.backbone


def test_frozen_backbone_trains_only_the_head(policy):
    critic = Critic(policy, "frozen", init_std=0.1)
    trainable = [n for n, p in critic.named_parameters() if p.requires_grad]
    assert trainable == ["head.proj.weight", "head.proj.bias"]
    critic.train()
    assert not critic.backbone.training and critic.head.training
    ids, mask, cmask = batch(policy)
    critic(ids, mask, cmask).sum().backward()
    assert critic.head.proj.weight.grad is not None
    assert all(p.grad is None for p in policy.parameters())


def test_bad_options():
    with pytest.raises(ValueError, match="'shared', 'separate', 'frozen'"):
        Critic(Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64)), "twin")
    with pytest.raises(ValueError, match="hidden_size"):
        ValueHead(0)

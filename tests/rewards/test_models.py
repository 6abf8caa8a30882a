"""Learned reward models behind the TRL signature: step positions, prefix consistency, save/load by path."""

import pytest
import torch
from torch.testing import assert_close

from lit_reason.rewards.models import (
    OutcomeRewardModel,
    ProcessRewardModel,
    load_reward_model,
    save_reward_model,
)
from lit_reason.rewards.registry import get_reward


@pytest.fixture
def prm(tiny_policy):
    model = ProcessRewardModel(tiny_policy, split="newline", aggregate="product")
    torch.nn.init.normal_(model.head.value.proj.weight, std=0.5)  # a non-constant head, so scores differ
    return model.eval()


def test_step_logits_read_each_steps_last_token(prm, tiny_policy):
    logits, mask = prm.step_logits(["1+2+3=", "4+4="], [["1+2=3\n", "3+3=6"], ["8"]])
    assert mask.tolist() == [[1, 1], [1, 0]]
    # reference: the head on the hidden state of the unpadded prompt + step prefix, at its last token
    for i, (prompt, prefix) in enumerate([("1+2+3=", "1+2=3\n"), ("1+2+3=", "1+2=3\n3+3=6"), ("4+4=", "8")]):
        ids = tiny_policy.tokenizer(prompt + prefix, return_tensors="pt")["input_ids"]
        h = tiny_policy.hidden_states(ids, torch.ones_like(ids))[0, -1]
        expected = prm.head.value(h)
        got = logits[[0, 0, 1][i], [0, 1, 0][i]]
        assert_close(got, expected, atol=1e-5, rtol=1e-5)


def test_a_prefix_scores_as_the_first_steps_of_the_whole(prm):
    full = prm.step_scores(["1+2+3="], ["1+2=3\n3+3=6"])[0]
    prefix = prm.step_scores(["1+2+3="], ["1+2=3\n"])[0]
    assert len(full) == 2 and len(prefix) == 1
    assert_close(torch.tensor(prefix[0]), torch.tensor(full[0]), atol=1e-5, rtol=1e-5)
    # the reward is the product of the step probabilities (eq 66)
    assert_close(torch.tensor(prm(["1+2+3="], ["1+2=3\n3+3=6"])[0]), torch.tensor(full[0] * full[1]), atol=1e-6, rtol=1e-5)


def test_save_load_round_trip_and_use_by_path(prm, tiny_policy, tmp_path):
    save_reward_model(prm, str(tmp_path / "prm"))
    loaded = get_reward(str(tmp_path / "prm"))
    assert isinstance(loaded, ProcessRewardModel) and loaded.aggregate == "product"
    texts = ["1+2=3\n3+3=6", "9"]
    assert_close(torch.tensor(loaded(["1+2+3=", "4+5="], texts)), torch.tensor(prm(["1+2+3=", "4+5="], texts)),
                 atol=1e-6, rtol=1e-5)

    orm = OutcomeRewardModel(tiny_policy, output="probability")
    save_reward_model(orm, str(tmp_path / "orm"))
    scores = load_reward_model(str(tmp_path / "orm"))(["1+2="], ["3"], answer=["3"])
    assert scores == pytest.approx([0.5])  # a zero-initialised head: sigmoid(0)


def test_load_names_what_is_missing(tmp_path):
    with pytest.raises(ValueError, match="not a saved reward model"):
        load_reward_model(str(tmp_path))
    (tmp_path / "reward_model.json").write_text('{"kind": "judge"}')
    with pytest.raises(ValueError, match="kind must be one of"):
        load_reward_model(str(tmp_path))


def test_implicit_prm_is_the_summed_log_ratio_and_round_trips(tiny_policy, tmp_path):
    from lit_reason.rewards.models import ImplicitProcessRewardModel

    model = ImplicitProcessRewardModel(tiny_policy, beta=0.5)
    logits, mask = model.step_logits(["1+2+3="], [["1+2=3\n", "3+3=6"]])
    assert torch.count_nonzero(logits) == 0 and mask.tolist() == [[1, 1]]  # pi_phi = pi_ref at the start
    with torch.no_grad():
        for p in tiny_policy.parameters():
            p.add_(0.01 * torch.randn_like(p))
    logits, _ = model.step_logits(["1+2+3="], [["1+2=3\n", "3+3=6"]])
    enc_ids = tiny_policy.tokenizer("1+2+3=1+2=3\n3+3=6", return_tensors="pt")["input_ids"]
    cmask = torch.zeros_like(enc_ids)
    cmask[:, 6:] = 1  # the 12 completion characters follow the 6 prompt characters
    full = enc_ids, torch.ones_like(enc_ids)
    ratio = tiny_policy.token_logprobs(*full, cmask[:, 6:]).logprobs - tiny_policy.frozen_reference.logprobs(*full, cmask[:, 6:])
    # step 1 ends at its newline (6th completion token), step 2 at the last token
    assert_close(logits[0], 0.5 * torch.stack([ratio[0, :6].sum(), ratio[0].sum()]), atol=1e-5, rtol=1e-5)
    save_reward_model(model, str(tmp_path / "iprm"))
    loaded = load_reward_model(str(tmp_path / "iprm"))
    assert_close(torch.tensor(loaded(["1+2+3="], ["1+2=3\n3+3=6"])), torch.tensor(model(["1+2+3="], ["1+2=3\n3+3=6"])),
                 atol=1e-5, rtol=1e-5)

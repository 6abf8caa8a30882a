"""Disk offload of the frozen reference: same log-probabilities, weights out of memory between uses."""

from __future__ import annotations

import os

import pytest
import torch

from lit_reason.offload import DiskOffload, filesystem_type
from lit_reason.policy import Policy


def test_offloaded_reference_scores_like_the_in_memory_one(tmp_path, scored_pair):
    plain, offloaded = Policy("tiny"), Policy("tiny", reference_offload=True, offload_dir=str(tmp_path))
    for p in (plain, offloaded):
        p.init_reference()
    ids, mask, cmask = scored_pair(plain)
    want = plain.frozen_reference.logprobs(ids, mask, cmask)
    torch.testing.assert_close(offloaded.frozen_reference.logprobs(ids, mask, cmask), want, atol=0, rtol=0)
    # Between uses the reference holds no weights, and its file is where it was asked to be.
    assert all(p.is_meta for p in offloaded.reference.parameters())
    assert [f.name.startswith("lit_reason_offload_") for f in tmp_path.iterdir()] == [True]
    head = offloaded.reference.causal_lm.get_output_embeddings().weight
    assert head is offloaded.reference.causal_lm.get_input_embeddings().weight  # still tied


def test_training_the_policy_leaves_the_offloaded_reference_and_refresh_moves_it(tmp_path, scored_pair):
    policy = Policy("tiny", reference_offload=True, offload_dir=str(tmp_path))
    policy.init_reference()
    ids, mask, cmask = scored_pair(policy)
    before = policy.frozen_reference.logprobs(ids, mask, cmask)
    with torch.no_grad():
        for p in policy.parameters():
            p.add_(0.01)
    torch.testing.assert_close(policy.frozen_reference.logprobs(ids, mask, cmask), before, atol=0, rtol=0)
    policy.frozen_reference.refresh()
    moved = policy.frozen_reference.logprobs(ids, mask, cmask)
    torch.testing.assert_close(moved, policy.token_logprobs(ids, mask, cmask).logprobs.detach(), atol=1e-6, rtol=0)
    assert not torch.equal(moved, before)


def test_reference_state_dict_round_trip(tmp_path):
    policy = Policy("tiny", reference_offload=True, offload_dir=str(tmp_path))
    policy.init_reference()
    state = policy.frozen_reference.state_dict()
    assert all(not t.is_meta for t in state.values())
    other = Policy("tiny", reference_offload=True, offload_dir=str(tmp_path))
    other.init_reference()
    shifted = {k: v + 1.0 for k, v in state.items()}
    other.frozen_reference.load_state_dict(shifted)
    got = other.frozen_reference.state_dict()
    for k in state:
        torch.testing.assert_close(got[k], shifted[k])


def test_file_is_removed_with_the_offload(tmp_path):
    module = torch.nn.Linear(3, 2)
    off = DiskOffload(module, str(tmp_path))
    path = off.path
    assert os.path.exists(path)
    with off.loaded() as m:
        assert m.weight.shape == (2, 3) and not m.weight.is_meta
    assert module.weight.is_meta
    del off
    assert not os.path.exists(path)


def test_write_rejects_wrong_names_and_shapes(tmp_path):
    off = DiskOffload(torch.nn.Linear(3, 2), str(tmp_path))
    with pytest.raises(KeyError, match="bias"):
        off.write({"weight": torch.zeros(2, 3)})
    with pytest.raises(ValueError, match=r"weight has shape \(3, 2\)"):
        off.write({"weight": torch.zeros(3, 2), "bias": torch.zeros(2)})


def test_ram_backed_directory_warns(tmp_path, monkeypatch):
    monkeypatch.setattr("lit_reason.offload.filesystem_type", lambda path: "tmpfs")
    with pytest.warns(UserWarning, match="tmpfs"):
        DiskOffload(torch.nn.Linear(2, 2), str(tmp_path))


@pytest.mark.skipif(not os.path.exists("/proc/mounts"), reason="Linux mount table")
def test_filesystem_type_of_root_is_known():
    assert filesystem_type("/") not in (None, "")


def test_each_policy_setting_builds_its_reference_strategy(tmp_path):
    from lit_reason.policy import LoraSettings
    from lit_reason.reference import AdapterReference, CopyReference, OffloadedReference

    kinds = {}
    for name, policy in {"copy": Policy("tiny"), "offload": Policy("tiny", reference_offload=True,
                                                                    offload_dir=str(tmp_path)),
                         "lora": Policy("tiny", lora=LoraSettings(r=2))}.items():
        if name != "lora":  # a copy is made only when asked for; LoRA's frozen base is always there
            with pytest.raises(RuntimeError, match="call init_reference"):
                _ = policy.frozen_reference
            policy.init_reference()
        kinds[name] = type(policy.frozen_reference)
    assert kinds == {"copy": CopyReference, "offload": OffloadedReference, "lora": AdapterReference}
    with pytest.raises(ValueError, match="under LoRA the reference is the base model"):
        policy.frozen_reference.refresh()  # the last one built: LoRA's frozen base cannot move
    assert policy.reference is None  # no copy under LoRA

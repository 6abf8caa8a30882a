"""SelfTrainingModule on the tiny arithmetic task: one ReST, RAFT or STaR iteration raises validation
accuracy over its SFT start; the kept set on disk holds only admitted rows; resume reads it back; ReST-EM
restarts from the base weights; a teacher grows for a student.

One short SFT (module fixture, ~5 s) gives a 1-digit-addition model right about a third of the time when
sampled at temperature 1. Validation (tests/heldout.py) is the sampled accuracy over all 100 one-digit sums
(4 samples each at temperature 1) and the greedy accuracy, printed alongside; gains are counted in binomial
standard errors (tests/stats.py).
"""

import copy
import json

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

import lit_reason.algorithms.self_training as self_training_module
from lit_reason.algorithms.filters import (
    CorrectDedup,
    STaRFilter,
    ThresholdFilter,
    TopKPerPrompt,
    read_samples,
)
from lit_reason.algorithms.optim import OptimizerSettings
from lit_reason.algorithms.self_training import SelfTrainingModule
from lit_reason.policy import Policy
from lit_reason.sampling import SamplingParams
from lit_reason.tiny import TinyConfig
from tests.heldout import DRAWS, TASK, accuracy
from tests.stats import gain_z

TRAIN = TASK.generate(2000, seed=0)  # 1-digit addition has only 100 problems: validation is all of them
GROW = TASK.generate(512, seed=2)
SAMPLING = SamplingParams(n=8, max_new_tokens=4, temperature=1.0)
TRAINER = dict(logger=False, enable_progress_bar=False, enable_model_summary=False, enable_checkpointing=False,
               limit_val_batches=0)
TINY = TinyConfig(hidden_size=64, num_layers=2, num_heads=4, intermediate_size=128)


@pytest.fixture(scope="module")
def sft_policy(sft_start):
    policy = sft_start(TRAIN)
    return policy, accuracy(policy)


def run(start: Policy, tmp_path, iterations: int = 1, rows=GROW, **kw) -> SelfTrainingModule:
    L.seed_everything(0, verbose=False)
    kw = {"sampling": SAMPLING, "sft_epochs": 2, "sft_batch_size": 32,
          "optimizer": OptimizerSettings(lr=1e-3), "progress_bar": False, **kw}
    module = SelfTrainingModule(copy.deepcopy(start), output_dir=str(tmp_path), **kw)
    L.Trainer(max_epochs=iterations, **TRAINER).fit(module, DataLoader(rows, batch_size=len(rows), collate_fn=list))
    return module


@pytest.mark.behaviour
@pytest.mark.parametrize(
    "name, filt, epochs",
    # RAFT keeps one sample per prompt (fewer rows than the others), so it gets more SFT passes
    [("rest", ThresholdFilter(tau=1.0), 2), ("raft", TopKPerPrompt(k=1), 4), ("star", STaRFilter(), 2)],
)
def test_one_iteration_raises_validation_accuracy(sft_policy, tmp_path, name, filt, epochs):
    start_policy, start = sft_policy
    module = run(start_policy, tmp_path, filter=filt, sft_epochs=epochs)
    end = accuracy(module.policy)
    z = gain_z(start["val/accuracy_sampled"], end["val/accuracy_sampled"], DRAWS)
    print(name, "start", start, "end", end, "z", z)
    # Observed sampled accuracy 0.39 -> end (z), native and avx2 / default: ReST 0.81 (13.3) / 0.75 (10.8),
    # RAFT 0.53 (3.9) / 0.66 (7.7), STaR 0.80 (12.8) / 0.83 (14.1).
    assert z >= 3, (start, end)
    kept = read_samples(str(tmp_path / "iteration_0.jsonl"))
    assert kept, "nothing kept"
    if name == "rest":
        assert all(k.reward is not None and k.reward >= 1.0 for k in kept)
    if name == "raft":  # at most k per prompt, each the best of its prompt
        counts = {}
        for k in kept:
            counts[k.index] = counts.get(k.index, 0) + 1
        assert max(counts.values()) == 1
    if name == "star":
        assert all(k.correct and "hint" not in k.prompt for k in kept)


def test_resume_reads_the_iteration_file_instead_of_growing(sft_policy, tmp_path, monkeypatch):
    start_policy, _ = sft_policy
    run(start_policy, tmp_path, rows=GROW[:4])  # grows iteration_0.jsonl and records its key
    # a wrong answer no model would grow: only the file can teach it
    rows = [{"index": 0, "prompt": "3+4=", "completion": "9", "reward": 1.0, "correct": True, "answer": "7"}]
    (tmp_path / "iteration_0.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))

    def no_grow(self, rows):
        raise AssertionError("grow must not run when the iteration file exists")

    monkeypatch.setattr(SelfTrainingModule, "grow", no_grow)
    module = run(start_policy, tmp_path, rows=GROW[:4])  # same settings and rows: a resumed run
    assert module.iteration == 1
    logp = module.policy.token_logprobs(*module.policy.encode_pairs(["3+4="], ["9"])).logprobs
    start_logp = start_policy.token_logprobs(*start_policy.encode_pairs(["3+4="], ["9"])).logprobs
    assert logp.sum() > start_logp.sum()  # trained on the file's row


def test_iteration_file_of_other_data_or_settings_is_regenerated(sft_policy, tmp_path):
    # Re-running with another train_size (other rows) or other settings used to reuse the old set silently.
    start_policy, _ = sft_policy
    run(start_policy, tmp_path, rows=GROW[:4])
    first = (tmp_path / "iteration_0.jsonl.key").read_text()
    with pytest.warns(UserWarning, match="iteration_0.jsonl was grown by another config or other data"):
        run(start_policy, tmp_path, rows=GROW[4:8])
    assert (tmp_path / "iteration_0.jsonl.key").read_text() != first
    assert {s.prompt for s in read_samples(str(tmp_path / "iteration_0.jsonl"))} <= {r["prompt"] for r in GROW[4:8]}
    with pytest.warns(UserWarning, match="grown by another config"):
        run(start_policy, tmp_path, rows=GROW[4:8], sft_epochs=1)


def test_malformed_iteration_file_names_file_and_line(tmp_path):
    path = tmp_path / "iteration_0.jsonl"
    path.write_text('{"index": 0, "prompt": "1+1=", "completion": "2", "reward": 1.0, "correct": true}\n{"index": 1}\n')
    with pytest.raises(ValueError, match=r"iteration_0.jsonl, line 2"):
        read_samples(str(path))


def test_rest_em_fine_tunes_each_iteration_from_the_base_weights(sft_policy, tmp_path, monkeypatch):
    start_policy, _ = sft_policy
    # The iteration files below are written by hand, without the key of the config that grew them: read them as
    # they are, so that no sampling enters the comparison.
    monkeypatch.setattr(self_training_module, "read_current_samples", lambda path, key: read_samples(path))
    # one row, one step per iteration: no shuffling order to differ between the runs
    rows = [{"index": 0, "prompt": "3+4=", "completion": "9", "reward": 1.0, "correct": True}]
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        for it in range(2):
            (tmp_path / d / f"iteration_{it}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    # With a warmup a step's learning rate depends on the schedule's position (1/4, 2/4, ... of lr): the
    # restart must reset the schedule too, or the second iteration's step is twice as large as the first's.
    kw = {"sft_epochs": 1, "sft_batch_size": 1, "optimizer": OptimizerSettings(lr=1e-2, warmup_steps=4)}
    # two ReST-EM iterations on the same set == one iteration: the second restarts from base, with fresh Adam
    # moments and schedule
    a = run(start_policy, tmp_path / "a", iterations=2, rows=GROW[:4], restart_from_base=True, **kw)
    b = run(start_policy, tmp_path / "b", iterations=1, rows=GROW[:4], **kw)
    c = run(start_policy, tmp_path / "b", iterations=2, rows=GROW[:4], **kw)  # continuing differs
    for (name, pa), pb in zip(a.policy.named_parameters(), b.policy.parameters()):
        torch.testing.assert_close(pa, pb, atol=1e-6, rtol=1e-5, msg=name)
    assert any(not torch.allclose(pa, pc) for pa, pc in zip(a.policy.parameters(), c.policy.parameters()))


@pytest.mark.behaviour
def test_teacher_grows_and_student_learns(sft_policy, tmp_path):
    teacher = copy.deepcopy(sft_policy[0])  # the module freezes its teacher in place
    L.seed_everything(1, verbose=False)
    student = Policy("tiny", tiny=TINY)
    before = accuracy(student)
    teacher_state = {k: v.clone() for k, v in teacher.state_dict().items()}
    module = SelfTrainingModule(student, teacher=teacher, filter=CorrectDedup(), sampling=SAMPLING, sft_epochs=8,
                                sft_batch_size=32, optimizer=OptimizerSettings(lr=3e-3), progress_bar=False,
                                output_dir=str(tmp_path))
    assert module.grow_sampler.policy is teacher and "teacher" not in dict(module.named_children())
    L.Trainer(max_epochs=1, **TRAINER).fit(module, DataLoader(GROW, batch_size=len(GROW), collate_fn=list))
    after = accuracy(student)
    z = gain_z(before["val/accuracy_sampled"], after["val/accuracy_sampled"], DRAWS)
    print("distillation: student before", before, "after", after, "z", z)
    # Observed: the untrained student 0.00 -> 0.45 (z 17.9) native and avx2, 0.52 (z 20.5) default.
    assert z >= 3, (before, after)
    for k, v in teacher.state_dict().items():
        torch.testing.assert_close(v, teacher_state[k], atol=0, rtol=0)


@pytest.mark.parametrize("expert", ["best_of_n", "verifier_beam", "mcts"])
def test_expert_iteration_keeps_one_expert_answer_per_prompt(sft_policy, tmp_path, expert):
    start_policy, _ = sft_policy
    from lit_reason.sampling.search import BeamSettings, MCTSSettings

    module = run(start_policy, tmp_path, rows=GROW[:32], filter=ThresholdFilter(tau=1.0), expert=expert,
                 beam=BeamSettings(beam_width=2, expansions=2, step="tokens", step_tokens=2, max_steps=2),
                 mcts=MCTSSettings(simulations=3, expansions=2, step="tokens", step_tokens=2, max_new_tokens=8))
    kept = read_samples(str(tmp_path / "iteration_0.jsonl"))
    assert kept and len({k.index for k in kept}) == len(kept) <= 32  # at most one (the expert's) per prompt
    assert all(k.reward >= 1.0 for k in kept)
    assert module.iteration == 1

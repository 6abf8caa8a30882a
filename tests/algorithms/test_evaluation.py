"""Validation metrics: greedy/sampled accuracy and unbiased pass@k against hand-computed values."""

import random
from types import SimpleNamespace

import pytest
import torch
from lightning.fabric.utilities.data import AttributeDict

from lit_reason.algorithms.evaluation import accuracy_metrics, check_pass_k, validate_batch
from lit_reason.datamodules.tasks.code import CodeExpressionTask
from lit_reason.rewards.code import CodePassRate
from lit_reason.sampling import SamplingParams
from lit_reason.sandbox import SandboxConfig


class ScriptedSampler:
    """Returns fixed completions: ``greedy[i]`` for n=1 at temperature 0, else ``samples[i]`` (n each)."""

    def __init__(self, greedy: list[str], samples: list[list[str]]) -> None:
        self.greedy, self.samples = greedy, samples

    def generate(self, prompts, params, *, columns=None, generator=None):
        texts = [[g] for g in self.greedy] if params.greedy else self.samples
        assert all(len(t) == params.n for t in texts)
        return SimpleNamespace(
            prompts=[p for p in prompts for _ in range(params.n)],
            completions=[c for t in texts for c in t],
            columns={k: [v for v in vals for _ in range(params.n)] for k, vals in (columns or {}).items()},
        )


class CountingVerifier:
    """1.0 when the completion equals the row's ``answer``; counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, prompts, completions, answer, **_):
        self.calls += 1
        return [1.0 if c == a else 0.0 for c, a in zip(completions, answer)]


ROWS = [{"prompt": "p0", "answer": "a"}, {"prompt": "p1", "answer": "b"}, {"prompt": "p2", "answer": "c"}]
SAMPLER = ScriptedSampler(
    greedy=["a", "x", "c"],
    samples=[["a", "a", "x", "x"], ["x", "x", "x", "x"], ["c", "c", "c", "x"]],  # c = 2, 0, 3 of n = 4
)
N4 = SamplingParams(n=4, temperature=1.0)


def test_pass_at_k_matches_hand_computed_values():
    verifier = CountingVerifier()
    got = accuracy_metrics(SAMPLER, ROWS, verifier, N4, torch.Generator(), pass_k=[1, 2])
    expected = {
        "val/accuracy": 2 / 3,  # greedy right on p0 and p2
        "val/accuracy_sampled": 5 / 12,  # (2 + 0 + 3) / 12 samples
        "val/pass@1": 5 / 12,  # mean of c/n: (1/2 + 0 + 3/4) / 3
        # pass@2 = 1 - C(n-c, 2) / C(4, 2): p0 1 - 1/6 = 5/6, p1 0, p2 1 (n - c = 1 < 2); mean 11/18
        "val/pass@2": 11 / 18,
        "val/pass@4": 2 / 3,  # any of the 4 right: p0 and p2
    }
    assert set(got) == set(expected)
    for key, value in expected.items():
        torch.testing.assert_close(got[key], torch.tensor(value), atol=1e-6, rtol=1e-5, msg=key)
    assert verifier.calls == 1  # greedy and sampled completions are verified in one batch


def test_default_reports_pass_at_1_and_n_and_keeps_the_old_keys():
    got = accuracy_metrics(SAMPLER, ROWS, CountingVerifier(), N4, torch.Generator())
    assert set(got) == {"val/accuracy", "val/accuracy_sampled", "val/pass@1", "val/pass@4"}


def test_single_sample_pass_at_1_is_the_sampled_accuracy():
    sampler = ScriptedSampler(greedy=["a", "b", "x"], samples=[["a"], ["x"], ["c"]])
    got = accuracy_metrics(sampler, ROWS, CountingVerifier(), SamplingParams(n=1), torch.Generator())
    assert set(got) == {"val/accuracy", "val/accuracy_sampled", "val/pass@1"}  # G=1: pass@1 = pass@n
    torch.testing.assert_close(got["val/pass@1"], torch.tensor(2 / 3), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(("pass_k", "n", "expected"), [(None, 4, [1, 4]), ([4, 2, 2], 8, [2, 4, 8]), ([1], 1, [1])])
def test_check_pass_k_adds_n_and_sorts(pass_k, n, expected):
    assert check_pass_k(pass_k, n) == expected


@pytest.mark.parametrize("pass_k", [[8], [0], [1.5], [True]])
def test_check_pass_k_rejects_k_outside_1_to_n(pass_k):
    with pytest.raises(ValueError, match=r"val_pass_k: each k must be an integer in \[1, n\] where n = "
                                         r"val_sampling.n = 4"):
        check_pass_k(pass_k, 4)


class LogRecorder:
    """The part of a LightningModule that ``validate_batch`` uses."""

    def __init__(self, verifier, hparams) -> None:
        self.sampler, self.verifier, self.hparams = SAMPLER, verifier, AttributeDict(hparams)
        self.logged: dict[str, float] = {}

    def log_dict(self, metrics, batch_size, sync_dist=False):
        self.logged.update({k: float(v) for k, v in metrics.items()})

    def log(self, name, value, **kw):
        self.logged[name] = float(value)


def test_validate_batch_reads_val_pass_k_from_the_module_hyperparameters():
    module = LogRecorder(CountingVerifier(), {"seed": 0, "val_pass_k": [2]})
    validate_batch(module, ROWS, 0, N4)
    assert {k for k in module.logged if k.startswith("val/pass@")} == {"val/pass@2", "val/pass@4"}
    assert module.logged["val/pass@2"] == pytest.approx(11 / 18, abs=1e-6)
    plain = LogRecorder(CountingVerifier(), {"seed": 0})  # a module without the option: pass@1 and pass@n
    validate_batch(plain, ROWS, 0, N4)
    assert {k for k in plain.logged if k.startswith("val/pass@")} == {"val/pass@1", "val/pass@4"}


def test_code_pass_rate_is_a_verifier_all_tests_passing_is_correct():
    task = CodeExpressionTask(levels=[2])
    rows = [task.row("x + 2 * y", 0, random.Random(3)), task.row("x * y", 0, random.Random(4))]
    # "x + y" passes no assert of row 0, "2*y+x" is equivalent; "y*x" is equivalent to row 1, "x" is wrong
    sampler = ScriptedSampler(greedy=["2*y+x", "x"], samples=[["x + y", "2*y+x"], ["y*x", "y * x"]])
    verifier = CodePassRate(SandboxConfig(wall_s=5), max_workers=2)
    got = accuracy_metrics(sampler, rows, verifier, SamplingParams(n=2), torch.Generator(), pass_k=[1])
    torch.testing.assert_close(got["val/accuracy"], torch.tensor(0.5), atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(got["val/pass@1"], torch.tensor(0.75), atol=1e-6, rtol=1e-5)  # (1/2 + 2/2) / 2
    torch.testing.assert_close(got["val/pass@2"], torch.tensor(1.0), atol=1e-6, rtol=1e-5)

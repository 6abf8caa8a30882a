"""The real `lit-reason` command (a subprocess) on the mistakes a new user makes: each one line, exit 2.

Every case fails before training (most before any model loads), so each costs one process start.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRPO = os.path.join(ROOT, "configs/grpo/quickstart.yaml")
RLOO = os.path.join(ROOT, "configs/rloo/quickstart.yaml")
TINY = "--model.init_args.policy.init_args.model=tiny"


def lit_reason(*args, cwd, env=None):
    """Runs the installed console script (as a user would), else ``python -m lit_reason.cli``."""
    script = os.path.join(os.path.dirname(sys.executable), "lit-reason")
    cmd = [script] if os.path.exists(script) else [sys.executable, "-m", "lit_reason.cli"]
    return subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def one_line_error(out) -> str:
    """The single `lit-reason: error:` line of a failed run (Lightning's "Seed set to" log aside)."""
    lines = [ln for ln in out.stderr.splitlines() if ln.strip() and not ln.startswith("Seed set to")]
    assert out.returncode == 2, out.stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith("lit-reason: error: "), out.stderr[-3000:]
    return lines[0]


RPP = os.path.join(ROOT, "configs/reinforce_pp_baseline/quickstart.yaml")
PRIME = os.path.join(ROOT, "configs/prime/quickstart.yaml")
REMAX = os.path.join(ROOT, "configs/remax/quickstart.yaml")
OWN_DATA = ["--data.init_args.synthetic=null", "--data.init_args.train_file"]
M = "model.init_args."

# case -> (arguments after `fit --config`, the expected start of the line after "lit-reason: error: ").
# Every line names the full option, as the flag that sets it (--model.init_args.sampling.n).
CASES = {
    "negative lr": ([GRPO, TINY, "--model.init_args.optimizer.lr=-1"],
                    f"{M}optimizer.lr: OptimizerSettings.lr must be > 0, got -1.0"),
    "n=0": ([GRPO, TINY, "--model.init_args.sampling.n=0"], f"{M}sampling.n: SamplingParams: n must be >= 1, got 0"),
    "two sampling errors": ([GRPO, TINY, "--model.init_args.sampling.top_k=-1", "--model.init_args.sampling.top_p=2"],
                            f"{M}sampling.top_p, {M}sampling.top_k: SamplingParams: top_p must be in (0, 1]"),
    "lora in the policy": ([GRPO, TINY, "--model.init_args.policy.init_args.lora.r=0"],
                           f"{M}policy.init_args.lora.r: LoraSettings.r must be >= 1, got 0"),
    "unknown reward": ([GRPO, TINY, "--model.init_args.rewards=[nonexistent]"],
                       f"{M}rewards: unknown reward 'nonexistent'; presets: "),
    "weight count": ([GRPO, TINY, "--model.init_args.reward_weights=[1,2]"],
                     f"{M}reward_weights: 2 weights for 1 rewards"),
    "loss_aggregation": ([GRPO, TINY, "--model.init_args.loss_aggregation=mean"],
                         f"{M}loss_aggregation: GRPO: loss_aggregation must be one of ['constant', 'sequence', "
                         "'token'], got 'mean'"),
    "type": ([GRPO, TINY, "--model.init_args.sampling.n=abc"], f"{M}sampling.n: Expected a <class 'int'>"),
    "unknown option": ([GRPO, TINY, "--model.init_args.kl_coeff=0.1"], "model.init_args: Option 'kl_coeff' is not accepted"),
    # The SFT quickstart has not run in tmp_path: a local path, so no hub lookup and no repo-id rule
    # (HF_HUB_OFFLINE and an unreachable endpoint: a lookup would fail otherwise).
    "missing model dir": ([GRPO], f"{M}policy.init_args.model: 'runs/quickstart/sft' does not exist"),
    "missing data file": ([GRPO, TINY, *OWN_DATA, "data/trian"],
                          "data.init_args.train_file: data/trian: no such file or directory (supported: .jsonl, .json, "
                          ".parquet"),
    "data extension": ([GRPO, TINY, *OWN_DATA, "data/train.txt"],
                       "data.init_args.train_file: data/train.txt: unsupported file type '.txt' (supported: .jsonl"),
    "local-looking data path": ([GRPO, TINY, *OWN_DATA, "data/train.jsonl", "--data.init_args.val_file=my/val/rows"],
                                "data.init_args.val_file: my/val/rows: no such file or directory (supported: "),
    # jsonargparse builds the model first; the data module's file check still comes before any model loads
    "data before the model": ([GRPO, *OWN_DATA, "data/trian"], "data.init_args.train_file: data/trian: no such file"),
    "train_file and synthetic": ([GRPO, TINY, "--data.init_args.train_file=data/train.jsonl"],
                                 "data.init_args.train_file, data.init_args.synthetic: PromptDataModule: give exactly "
                                 "one of train_file and synthetic (for your own data: train_file: FILE and synthetic: "
                                 "null)"),
    # Classes nested in the module or in the trainer's callback list: the error names the option inside them.
    "policy inside the module": ([GRPO, TINY, "--model.init_args.policy.init_args.bitlinear=b2"],
                                 f"{M}policy.init_args.bitlinear: bitlinear variant must be one of ['1bit', 'a4.8', "),
    "policy logprob_chunk": ([GRPO, TINY, "--model.init_args.policy.init_args.logprob_chunk=0"],
                             f"{M}policy.init_args.logprob_chunk: Policy.logprob_chunk must be >= 1 or null"),
    "tokenizer of the tiny model": ([GRPO, TINY, "--model.init_args.policy.init_args.tokenizer=gpt2"],
                                    f"{M}policy.init_args.tokenizer, {M}policy.init_args.model: Policy.tokenizer is "
                                    "not used with model='tiny'"),
    "callback in the trainer's list": ([GRPO, TINY, "--trainer.callbacks+=lit_reason.callbacks.AdaptiveKLController",
                                        "--trainer.callbacks.target=-1"],
                                       "trainer.callbacks[2].init_args.target: AdaptiveKLController: target must be > 0"),
    # Silent no-ops: every group-relative advantage would be 0.
    "grpo n=1": ([GRPO, TINY, "--model.init_args.sampling.n=1"], f"{M}sampling.n: GRPO: sampling.n must be >= 2"),
    "grpo greedy": ([GRPO, TINY, "--model.init_args.sampling.temperature=0"],
                    f"{M}sampling.temperature: GRPO: sampling.temperature 0 (greedy)"),
    "rloo n=1": ([RLOO, TINY, "--model.init_args.sampling.n=1"], f"{M}sampling.n: RLOO: sampling.n must be >= 2"),
    "reinforce++ group_mean n=1": ([RPP, TINY, "--model.init_args.sampling.n=1"],
                                   f"{M}baseline, {M}sampling.n: REINFORCEPlusPlus(baseline=group_mean): sampling.n "
                                   "must be >= 2"),
    "prime n=1": ([PRIME, TINY, "--model.init_args.sampling.n=1"], f"{M}sampling.n: PRIME: sampling.n must be >= 2"),
    "remax greedy": ([REMAX, TINY, "--model.init_args.sampling.temperature=0"],
                     f"{M}sampling.temperature: ReMax: sampling.temperature 0 (greedy) makes every sample its "
                     "prompt's greedy response"),
    "kl.estimator with kl.coef 0": ([GRPO, TINY, "--model.init_args.kl.estimator=k4"],
                                    f"{M}kl.estimator: KLSettings.estimator must be one of "),
    "kl.estimator k1 in the loss": ([GRPO, TINY, "--model.init_args.kl.estimator=k1"],
                                    f"{M}kl.estimator: GRPO: kl.estimator='k1' in the loss has zero expected gradient"),
}


# `lit-reason evaluate` builds its objects itself; the same one line, each before the model loads.
EVALUATE = {
    "evaluate nested settings": (["--settings.beam.beam_width=0", "--data=data/train.jsonl"],
                                 "settings.beam.beam_width: BeamSettings: beam_width must be >= 1, got 0"),
    "evaluate type": (["--settings.n=abc"], "settings.n: Expected a <class 'int'>"),
    "evaluate missing policy": (["--policy=runs/quickstart/sft", "--data=data/train.jsonl"],
                                "policy: 'runs/quickstart/sft' does not exist"),
    # 'runs/nope' has a hub id's form and runs/ is not here: the (offline) lookup's error, still one line
    "evaluate hub lookup": (["--policy=runs/nope", "--data=data/train.jsonl"], "policy: 'runs/nope': We couldn't connect to"),
    "evaluate missing data": (["--data=data/trian"], "data: data/trian: no such file or directory (supported: "),
    "evaluate missing scorer": (["--scorer=runs/prm", "--data=data/train.jsonl"],
                                "scorer: reward 'runs/prm': no such directory (a reward model saved by"),
    "evaluate search without scorer": (["--settings.search=beam", "--data=data/train.jsonl"],
                                       "settings.search: evaluate: search='beam' needs a scorer"),
}


@pytest.fixture(scope="module")
def case_runs(tmp_path_factory):
    """Every case's process, two at a time (the cost is the import of torch and Lightning, on 2 cores)."""
    cwd = tmp_path_factory.mktemp("cases")
    (cwd / "data").mkdir()
    (cwd / "data/train.txt").write_text('{"prompt": "1+1=", "answer": "2"}\n')
    (cwd / "data/train.jsonl").write_text('{"prompt": "1+1=", "answer": "2"}\n')
    offline = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"}
    with ThreadPoolExecutor(2) as pool:
        runs = {c: pool.submit(lit_reason, "fit", "--config", *args, cwd=cwd, env=offline)
                for c, (args, _) in CASES.items()}
        runs.update({c: pool.submit(lit_reason, "evaluate", *args, cwd=cwd, env=offline)
                     for c, (args, _) in EVALUATE.items()})
        return {c: r.result() for c, r in runs.items()}


# The first case pays for the fixture: ~40 processes, ~2 min on 2 idle cores, over 10 on a loaded machine.
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("case", [*CASES, *EVALUATE])
def test_option_error_is_one_line(case, case_runs):
    line = one_line_error(case_runs[case])
    assert line.startswith("lit-reason: error: " + {**CASES, **EVALUATE}[case][1]), line


def test_yaml_error_names_file_and_line(tmp_path):
    (tmp_path / "bad.yaml").write_text("trainer:\n  max_steps: [1\n  log_every_n_steps: 1\n")
    line = one_line_error(lit_reason("fit", "--config", "bad.yaml", cwd=tmp_path))
    assert line.startswith("lit-reason: error: --config: bad.yaml, line 3, column") and "invalid YAML" in line, line
    line = one_line_error(lit_reason("fit", "--config", "nope.yaml", cwd=tmp_path))
    assert line == "lit-reason: error: --config: nope.yaml: no such file"


@pytest.mark.parametrize("sub", ["test", "predict"])
def test_removed_subcommands(sub, tmp_path):
    line = one_line_error(lit_reason(sub, "--config", GRPO, cwd=tmp_path))
    assert f"unknown subcommand {sub!r}; choose one of fit, validate" in line


def test_help_imports_no_lightning(tmp_path):
    # `lit-reason --help` used to take 8.6 s importing Lightning and transformers to print five lines.
    code = ("import sys; from lit_reason.cli import main; main(['--help']); "
            "assert not any(m.split('.')[0] in ('lightning', 'torch', 'transformers') for m in sys.modules), "
            "sorted(m for m in sys.modules if m.startswith(('lightning', 'torch')))[:5]")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "fit" in out.stdout and "validate" in out.stdout and "plot" in out.stdout and "pipeline" in out.stdout


def test_error_when_fitting_starts_is_one_line(tmp_path):
    # the cosine schedule is built in configure_optimizers, after the trainer has logged its devices
    out = lit_reason("fit", "--config", GRPO, TINY, "--model.init_args.optimizer.schedule=cosine",
                     "--trainer.max_steps=-1", "--trainer.max_epochs=1", cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr[-3000:]
    assert [ln for ln in out.stderr.splitlines() if ln.startswith("lit-reason")] == [
        "lit-reason: error: model.init_args.optimizer.schedule: OptimizerSettings.schedule cosine needs total_steps, "
        "or trainer.max_steps > warmup_steps (0) to take it from; got max_steps=-1"]

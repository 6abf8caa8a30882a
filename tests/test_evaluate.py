"""``lit-reason evaluate``: metrics by hand on a scripted sampler, the JSON report, and bad input named."""

import json
from types import SimpleNamespace

import pytest

from lit_reason.cli import main
from lit_reason.evaluate import EvalSettings, evaluate_rows, run

# greedy completion, then the n = 4 samples of each prompt
SCRIPT = {"A": ("\\boxed{1}", ["\\boxed{2}", "\\boxed{2}", "\\boxed{1}", "none"]),
          "B": ("\\boxed{0}", ["\\boxed{7}", "\\boxed{5}", "\\boxed{5}", "\\boxed{7}"])}


class Scripted:
    policy = SimpleNamespace(format_prompt=lambda p: p)

    def generate(self, prompts, params, *, columns=None, generator=None):
        texts = [c for p in prompts for c in ([SCRIPT[p][0]] if params.temperature == 0 else SCRIPT[p][1])]
        n = len(texts) // len(prompts)
        cols = {k: [v for v in vals for _ in range(n)] for k, vals in (columns or {}).items()}
        return SimpleNamespace(prompts=[p for p in prompts for _ in range(n)], completions=texts, columns=cols)


def verifier(prompts, completions, answer):
    return [None if c == "none" else float(c == f"\\boxed{{{a}}}") for c, a in zip(completions, answer)]


def scorer(prompts, completions, **columns):  # prefers larger boxed numbers, cannot score "none"
    return [None if c == "none" else float(c[7:-1]) for c in completions]


def test_metrics_by_hand():
    rows = [{"prompt": "A", "answer": "1"}, {"prompt": "B", "answer": "7"}]
    m = evaluate_rows(Scripted(), rows, verifier, EvalSettings(n=4, pass_k=[1, 2]), scorer=scorer, progress_bar=False)
    # greedy: A right, B wrong -> 0.5. A has 1 of 4 right, B 2 of 4: pass@1 = (1/4 + 2/4) / 2 = 0.375;
    # pass@2 = 1 - C(n-c, 2) / C(4, 2): A 1 - 3/6 = 0.5, B 1 - 1/6 -> (0.5 + 5/6) / 2
    assert m["accuracy_greedy"] == 0.5 and m["pass@1"] == pytest.approx(0.375)
    assert m["pass@2"] == pytest.approx((0.5 + 5 / 6) / 2) and m["pass@4"] == 1.0
    # maj@4: A votes "2" (wrong), B ties 7 and 5, first seen "7" (right) -> 0.5; bon@4 by the scorer: A picks
    # "2" (wrong), B picks "7" (right) -> 0.5; one of the 10 verified completions was None
    assert m["maj@4"] == 0.5 and m["bon@4"] == 0.5 and m["reward_none_frac"] == pytest.approx(0.1)


def test_search_needs_a_scorer_and_settings_are_checked():
    with pytest.raises(ValueError, match="needs a scorer"):
        evaluate_rows(Scripted(), [{"prompt": "A", "answer": "1"}], verifier, EvalSettings(search="mcts"))
    with pytest.raises(ValueError, match=r"pass_k must lie in \[1, n = 2\]"):
        EvalSettings(n=2, pass_k=[4])
    with pytest.raises(ValueError, match="search must be one of"):
        EvalSettings(search="dfs")


def test_cli_writes_the_json_report(tmp_path, capsys):
    data = tmp_path / "test.jsonl"
    data.write_text('{"prompt": "1+2=", "answer": 3}\n{"prompt": "2+2=", "answer": 4}\n')
    out = tmp_path / "report.json"
    main(["evaluate", "--data", str(data), "--settings.n", "2", "--settings.max_new_tokens", "4",
          "--scorer", "math_accuracy", "--settings.search", "beam", "--settings.beam.max_steps", "1",
          "--out", str(out), "--progress_bar", "false"])
    report = json.loads(out.read_text())
    assert report["prompts"] == 2 and report["n"] == 2
    assert set(report["metrics"]) == {"accuracy_greedy", "pass@1", "pass@2", "maj@2", "bon@2", "search_beam",
                                      "reward_none_frac"}
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "1+2="}\n')
    with pytest.raises(SystemExit) as exit_:  # the command line's one line, before the model loads
        main(["evaluate", "--data", str(bad), "--progress_bar", "false"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err == f"lit-reason: error: data: {bad}, line 1: missing field 'answer'\n"
    with pytest.raises(ValueError, match="^data: .*bad.jsonl, line 1: missing field 'answer'"):  # Python callers
        run(data=str(bad), progress_bar=False)

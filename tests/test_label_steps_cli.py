"""``lit-reason label-steps`` as a user runs it (a subprocess): labels, resume, and one-line errors."""

import json

from tests.test_cli_errors import lit_reason, one_line_error

ROWS = [  # the last label is the solution's own verdict: rows 0 and 2 are right, row 1 is wrong
    {"prompt": "1+2+3=", "completion": "1+2=3\n3+3=6", "answer": "6"},
    {"prompt": "2+2+1=", "completion": "2+2=5\n5+1=6", "answer": "5"},
    {"prompt": "4+0+1=", "completion": "4+0=4\n4+1=5", "answer": "5"},
]
FAST = ["--settings.k", "2", "--settings.max_new_tokens", "4", "--settings.batch_size", "2", "--progress_bar", "false"]


def test_label_steps_labels_resumes_and_names_bad_input(tmp_path):
    data, out = tmp_path / "solutions.jsonl", tmp_path / "labels.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    first = lit_reason("label-steps", "--policy", "tiny", "--data", str(data), "--out", str(out), "--limit", "2",
                       *FAST, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert json.loads(first.stdout.strip().splitlines()[-1])["labelled"] == 2
    # the rerun on all three rows skips the two already written and labels only the third
    again = lit_reason("label-steps", "--policy", "tiny", "--data", str(data), "--out", str(out), *FAST, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    stats = json.loads(again.stdout.strip().splitlines()[-1])
    assert (stats["labelled"], stats["resumed"], stats["completions"]) == (1, 2, 2)  # one prefix x k = 2
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["index"] for r in rows] == [0, 1, 2]
    assert [r["steps"] for r in rows][1] == ["2+2=5\n", "5+1=6"]
    assert [r["labels"][-1] for r in rows] == [1.0, 0.0, 1.0] and all(len(r["labels"]) == 2 for r in rows)
    assert all(r["labels"][0] in (0.0, 1.0) for r in rows)  # hard estimate (eq 67)

    # --samples: the policy's own solutions, kept beside the output so a rerun labels the same ones
    own = tmp_path / "own.jsonl"
    run = lit_reason("label-steps", "--policy", "tiny", "--data", str(data), "--out", str(own), "--samples", "2",
                     "--limit", "1", *FAST, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    sampled = [json.loads(line) for line in (tmp_path / "own.jsonl.solutions.jsonl").read_text().splitlines()]
    assert len(sampled) == 2 and all(r["prompt"] == "1+2+3=" for r in sampled)
    assert len(own.read_text().splitlines()) == 2 - json.loads(run.stdout.strip().splitlines()[-1])["skipped"]

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "1+2=", "answer": "3"}\n')
    err = one_line_error(lit_reason("label-steps", "--policy", "tiny", "--data", str(bad), "--out", str(out),
                                    cwd=tmp_path))
    assert "--data" in err and "bad.jsonl, line 1: missing field 'completion'" in err
    err = one_line_error(lit_reason("label-steps", "--policy", "runs/nothing/here", "--data", str(data),
                                    "--out", str(out), cwd=tmp_path))
    assert "--policy" in err and "runs/nothing/here" in err

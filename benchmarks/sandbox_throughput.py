"""Benchmark: sandboxed throughput of the code reward against plain unsandboxed execution.

64 short completions (MBPP-style functions with three asserts each, one in eight wrong) are
scored twice:

* **sandboxed**: ``Sandbox.run_many`` with a pool of ``--workers`` slots (default: all cores);
  each program gets its own namespaces, two interpreters (trusted test runner + candidate),
  rlimits and the RPC that keeps the verdict outside the candidate;
* **unsandboxed**: one by one, ``python -c "<program + asserts>"`` in a plain subprocess, pass
  iff it exits 0 (what a naive reward would do; trivially forged by ``os._exit(0)``).

Prints programs/s for both, their ratio, and checks that both agree on which programs pass.

Usage:
    PYTHONPATH=. python benchmarks/sandbox_throughput.py [--n 64] [--workers N] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time

from lit_reason.sandbox import Job, Sandbox, SandboxConfig

TEMPLATES = [
    ("def f(x):\n    return x * {k}", ["assert f(1) == {k}", "assert f(2) == {k2}", "assert f(0) == 0"]),
    ("def f(s):\n    return s[::-1] * {k}", ["assert f('ab') == 'ba' * {k}", "assert f('') == ''",
                                               "assert f('x') == 'x' * {k}"]),
    ("def f(xs):\n    return sorted(xs)[:{k}]", ["assert f([3, 1, 2]) == [1, 2, 3][:{k}]", "assert f([]) == []",
                                                 "assert f([5]) == [5][:{k}]"]),
    ("def f(n):\n    return sum(range(n + {k}))", ["assert f(0) == sum(range({k}))", "assert f(1) == sum(range({k} + 1))",
                                                   "assert f(-{k}) == 0"]),
]


def make_jobs(n: int) -> list[Job]:
    """``n`` short programs; every eighth returns a wrong value (so both runners must fail it)."""
    jobs = []
    for i in range(n):
        program, tests = TEMPLATES[i % len(TEMPLATES)]
        k = 1 + i % 5
        program = "def f(*args):\n    return None" if i % 8 == 7 else program.format(k=k)
        jobs.append(Job(program, [t.format(k=k, k2=2 * k) for t in tests]))
    return jobs


def run_unsandboxed(jobs: list[Job], python: str) -> tuple[float, list[bool]]:
    t0 = time.perf_counter()
    ok = []
    for job in jobs:
        src = job.program + "\n" + "\n".join(job.tests) + "\n"
        ok.append(subprocess.run([python, "-c", src], capture_output=True, timeout=30).returncode == 0)
    return time.perf_counter() - t0, ok


def run_sandboxed(jobs: list[Job], box: Sandbox) -> tuple[float, list[bool]]:
    t0 = time.perf_counter()
    results = box.run_many(jobs)
    return time.perf_counter() - t0, [bool(r.tests) and all(r.tests) for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=64, help="number of completions")
    parser.add_argument("--workers", type=int, default=None, help="pool size (default: all cores)")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many timings")
    args = parser.parse_args()
    box = Sandbox(SandboxConfig(wall_s=10), max_workers=args.workers)
    jobs = make_jobs(args.n)
    sand = [run_sandboxed(jobs, box) for _ in range(args.repeats)]
    plain = [run_unsandboxed(jobs, box.python) for _ in range(args.repeats)]
    t_sand, ok_sand = min(sand)
    t_plain, ok_plain = min(plain)
    print(f"cores={os.cpu_count()} pool={box.max_workers} isolation={box.isolation} python={box.python}")
    print(f"sandboxed (pool)        : {args.n / t_sand:7.1f} programs/s  ({t_sand:.2f} s, {sum(ok_sand)} pass)")
    print(f"unsandboxed (1 by 1)    : {args.n / t_plain:7.1f} programs/s  ({t_plain:.2f} s, {sum(ok_plain)} pass)")
    print(f"ratio sandboxed/plain   : {t_plain / t_sand:7.2f}x")
    if ok_sand != ok_plain:
        raise SystemExit("the two runners disagree on which programs pass")


if __name__ == "__main__":
    main()

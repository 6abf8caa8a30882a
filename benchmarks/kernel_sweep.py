"""Run the behaviour tests under several CPU kernel settings and print what each one measured.

Float reductions differ between kernel ISAs, so a behaviour test that passes on one CPU may fail on another
(after the first update a run is in effect another seed). torch lets one machine imitate others:
``ATEN_CPU_CAPABILITY=default|avx2|avx512`` and ``ONEDNN_MAX_CPU_ISA=AVX2`` change the kernels it uses.

    python benchmarks/kernel_sweep.py                      # every behaviour test, three settings
    python benchmarks/kernel_sweep.py -k code_grpo         # a subset (pytest -k expression)

Each setting runs ``pytest -m behaviour -s`` in a subprocess; the lines the tests print (their start and end
statistics) and the pass/fail summary are shown per setting, so the observed values can be recorded in the
tests' comments and their bounds set with margin.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

# native: what this CPU picks; the other two are the ones .ci/run adds (an AVX2-only CPU, and no SIMD at all)
SETTINGS = {
    "native": {},
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
    "default": {"ATEN_CPU_CAPABILITY": "default"},
    "avx512": {"ATEN_CPU_CAPABILITY": "avx512"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default=None, help="pytest -k expression selecting behaviour tests")
    parser.add_argument("--settings", nargs="+", default=["native", "avx2", "default"], choices=list(SETTINGS))
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for name in args.settings:
        cmd = [sys.executable, "-m", "pytest", "-m", "behaviour", "-s", "-rA", "-p", "no:cacheprovider", "-W", "ignore"]
        if args.k:
            cmd += ["-k", args.k]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, cwd=root, env={**os.environ, **SETTINGS[name]}, capture_output=True, text=True)
        lines = [ln for ln in out.stdout.splitlines() if any(
            w in ln for w in (" start ", " before ", " after ", " z ", "PASSED", "FAILED", " passed"))]
        print(f"== {name} ({time.perf_counter() - t0:.0f} s, rc {out.returncode})")
        print("\n".join(lines))


if __name__ == "__main__":
    main()

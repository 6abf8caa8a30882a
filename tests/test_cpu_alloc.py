import ctypes
import os
import platform
import subprocess
import sys

import pytest

from lit_reason import cpu_alloc


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.setattr(cpu_alloc, "_applied", None)
    return monkeypatch


def test_system_choice_leaves_the_allocator_alone(fresh):
    fresh.setenv(cpu_alloc.ENV, "system")
    calls = []
    fresh.setattr(ctypes, "CDLL", lambda *a: calls.append(a))
    assert cpu_alloc.keep_freed_memory() is False
    assert calls == []


def test_bad_choice_names_the_variable(fresh):
    fresh.setenv(cpu_alloc.ENV, "jemalloc")
    with pytest.raises(ValueError, match="LIT_REASON_CPU_ALLOC.*'jemalloc'"):
        cpu_alloc.keep_freed_memory()


_PROBE = """
import torch
from lit_reason.cpu_alloc import keep_freed_memory
print(keep_freed_memory())
block = torch.empty(64 << 20, dtype=torch.uint8)
heap = next(line.split()[0] for line in open("/proc/self/maps") if line.rstrip().endswith("[heap]"))
lo, hi = (int(x, 16) for x in heap.split("-"))
print(lo <= block.data_ptr() < hi)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
@pytest.mark.parametrize("choice, applied", [("cached", True), ("system", False)])
def test_large_blocks_come_from_the_heap_only_when_cached(choice, applied):
    # glibc serves a 64 MiB block with its own mmap (unmapped again on free) unless the threshold was raised.
    env = {**os.environ, cpu_alloc.ENV: choice}
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(applied), str(applied)]

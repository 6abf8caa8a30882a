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


_FIRST_USE = """
import torch
from lit_reason import cpu_alloc
from lit_reason.policy import Policy
from lit_reason.tiny import TinyConfig
policy = Policy("tiny", tiny=TinyConfig(hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64))
ids, mask, comp = policy.encode_pairs(["1+1="], ["2"])
with torch.no_grad():
    policy.token_logprobs(ids, mask, comp)
print(cpu_alloc._applied)
policy.token_logprobs(ids, mask, comp)
print(cpu_alloc._applied)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_applied_at_the_first_cpu_training_forward_not_when_building_a_policy():
    env = {k: v for k, v in os.environ.items() if k != cpu_alloc.ENV}
    out = subprocess.run([sys.executable, "-c", _FIRST_USE], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["None", "True"]  # building + no-grad scoring: untouched; training: applied

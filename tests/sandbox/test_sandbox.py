"""Hostile programs against the sandbox: each scores 0, ends in time, touches nothing, leaves nothing."""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from lit_reason.rewards.code import CodePassRate
from lit_reason.sandbox import Job, Sandbox, SandboxConfig
from lit_reason.sandbox._sandbox_serve import decode, encode

WALL_S = 1.5
CFG = SandboxConfig(wall_s=WALL_S, cpu_s=2, memory_mb=256, nproc=8, output_bytes=4096)
TESTS = ["assert add(1, 2) == 3", "assert add(-1, 1) == 0", "assert add(10, 5) == 15"]
SECRET = "hunter2-sandbox-secret"

# name -> (program, expected flag or None). {canary}, {canary2}, {port} are filled in per run.
HOSTILE = {
    "loop_in_function": ("def add(a, b):\n    while True:\n        pass", "timeout"),
    "loop_at_load": ("while True:\n    pass\ndef add(a, b):\n    return a + b", "timeout"),
    "sleep_at_load": ("import time\ntime.sleep(60)\ndef add(a, b):\n    return a + b", "timeout"),
    "fork_bomb": ("import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass", "timeout"),
    "memory_bomb": ("def add(a, b):\n    x = []\n    while True:\n        x.append(bytearray(1 << 24))",
                    "memory_error"),
    "write_canary": ("def add(a, b):\n    open({canary!r}, 'w').write('pwned')\n"
                     "    open({canary2!r}, 'w').write('pwned')\n    return a + b + 1", None),
    "delete_canary": ("import os, shutil\ndef add(a, b):\n    for p in ({canary!r}, {canary2!r}):\n"
                      "        try:\n            os.remove(p)\n        except OSError:\n            pass\n"
                      "        shutil.rmtree(os.path.dirname(p), ignore_errors=True)\n    return -1", None),
    "socket_to_localhost": ("import socket\ndef add(a, b):\n"
                            "    s = socket.create_connection(('127.0.0.1', {port}), timeout=0.5)\n"
                            "    s.sendall(b'%d %d' % (a, b))\n    return int(s.recv(16))", None),
    "env_secret": ("import os, glob\ndef add(a, b):\n    seen = os.environ.get('LR_TEST_SECRET', '')\n"
                   "    for f in glob.glob('/proc/*/environ'):\n        try:\n"
                   "            seen += open(f, 'rb').read().decode('latin1')\n        except OSError:\n"
                   "            pass\n    return a + b if '" + SECRET + "' in seen else -1", None),
    "os_exit_before_asserts": ("import os\ndef add(a, b):\n    return -7\nos._exit(0)", "crashed"),
    "sys_exit_before_asserts": ("import sys\ndef add(a, b):\n    return -7\nsys.exit(0)", None),
    "sys_exit_in_call": ("import sys\ndef add(a, b):\n    sys.exit(0)", None),
    "os_exit_in_call": ("import os\ndef add(a, b):\n    os._exit(0)", "crashed"),
    "always_equal": ("class Any:\n    def __eq__(self, other):\n        return True\n"
                     "def add(a, b):\n    return Any()", None),
    "int_subclass_eq": ("class I(int):\n    def __eq__(self, other):\n        return True\n"
                        "    __hash__ = int.__hash__\ndef add(a, b):\n    return I(0)", None),
    "patched_builtins": ("import builtins\nbuiltins.AssertionError = type('E', (BaseException,), {{}})\n"
                         "builtins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n"
                         "def add(a, b):\n    return None", None),
    "settrace_skip_asserts": ("import sys\ndef _t(frame, event, arg):\n    frame.f_trace_lines = True\n"
                              "    return _t\ndef add(a, b):\n    sys.settrace(_t)\n"
                              "    sys._getframe(1).f_trace = _t\n    return -7", None),
    "fake_passed_output": ("print('3 passed, 0 failed\\nPASSED\\nOK')\nimport sys\nsys.stdout.flush()\n"
                           "import os\nos._exit(0)", "crashed"),
    "output_flood": ("while True:\n    print('PASSED ' * 100)", "output_overflow"),
    "deep_recursion": ("def add(a, b):\n    return add(a, b) + 1", None),
    "unbounded_recursion": ("import sys\nsys.setrecursionlimit(10**7)\ndef add(a, b):\n    return add(a, b) + 1",
                            None),  # 3.11 keeps Python frames off the C stack: memory or time runs out
    "ctypes_segfault": ("import ctypes\ndef add(a, b):\n    return ctypes.string_at(0)", "crashed"),
    "thread_outlives": ("import threading, time\ndef late():\n    time.sleep(1.0)\n"
                        "    open({canary!r}, 'w').write('late thread')\n"
                        "threading.Thread(target=late).start()\ndef add(a, b):\n    return a - b", None),
    "child_outlives": ("import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                       "        time.sleep(1.0)\n        open({canary!r}, 'w').write('late child')\n"
                       "    os._exit(0)\ndef add(a, b):\n    return a * b", None),
    "kill_everything": ("import os, signal\ndef add(a, b):\n    for pid in (os.getppid(), 1, -1):\n"
                        "        try:\n            os.kill(pid, signal.SIGKILL)\n        except OSError:\n"
                        "            pass\n    return -7", None),
    "garbage_on_rpc_pipe": ("import os\nos.write(4, b'\\xff' * 64)\ndef add(a, b):\n    return a + b", "crashed"),
    "disk_fill": ("def add(a, b):\n    with open('big', 'wb') as f:\n        while True:\n"
                  "            f.write(b'x' * (1 << 20))", None),
    "read_stdin": ("def add(a, b):\n    return int(input())", None),
}


@pytest.fixture
def canaries():
    """Two world-writable canaries: one under /tmp, one on the root filesystem outside /tmp."""
    dirs = [tempfile.mkdtemp(prefix="lr_canary_"), tempfile.mkdtemp(prefix="lr_canary_", dir="/srv")]
    paths = []
    for d in dirs:
        os.chmod(d, 0o777)
        p = Path(d) / "canary.txt"
        p.write_text("intact")
        os.chmod(p, 0o666)
        paths.append(p)
    yield paths
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def listener():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.setblocking(False)
    yield srv
    srv.close()


def _sandbox_processes() -> list[psutil.Process]:
    """Processes that belong to any sandbox: the harness, or a uid from the sandbox range."""
    found = []
    for proc in psutil.process_iter(["uids", "cmdline"]):
        try:
            if proc.info["uids"].real >= 1_600_000 or "_sandbox_harness" in " ".join(proc.info["cmdline"] or []):
                found.append(proc)
        except (psutil.Error, TypeError):
            continue
    return found


def test_hostile_programs_score_zero_and_leave_no_trace(canaries, listener, monkeypatch):
    monkeypatch.setenv("LR_TEST_SECRET", SECRET)
    # Long-lived helpers started earlier in the session (multiprocessing's forkserver) are not ours.
    children_before = {p.pid for p in psutil.Process().children(recursive=True)}
    names = list(HOSTILE)
    fill = {"canary": str(canaries[0]), "canary2": str(canaries[1]), "port": listener.getsockname()[1]}
    completions = [HOSTILE[n][0].format(**fill) for n in names]
    assert len(completions) >= 20
    reward = CodePassRate(CFG, max_workers=2)
    jobs = reward.jobs(["Write add(a, b)."] * len(names), completions, test_list=[TESTS] * len(names))
    results = reward.run(jobs)
    for name, job, res in zip(names, jobs, results):
        assert res.harness_error is None, (name, res.harness_error)
        assert reward.reward(job, res) == 0.0, (name, res)
        assert res.wall_s < WALL_S + 2.5, (name, res.wall_s)  # deadline + grace + start-up slack
        flag = HOSTILE[name][1]
        if flag is not None:
            assert getattr(res, flag), (name, flag, res)
    time.sleep(1.3)  # past the 1.0 s delay of the late thread/child, had they survived
    assert [p.read_text() for p in canaries] == ["intact", "intact"]
    assert sorted(os.listdir(canaries[0].parent)) == ["canary.txt"]
    assert sorted(os.listdir(canaries[1].parent)) == ["canary.txt"]
    with pytest.raises(BlockingIOError):  # no connection ever reached the host's loopback
        listener.accept()
    assert _sandbox_processes() == []
    assert [p for p in psutil.Process().children(recursive=True) if p.pid not in children_before] == []


def test_correct_partial_and_order_in_pool():
    box = Sandbox(CFG, max_workers=2)
    programs = ["def add(a, b):\n    return a + b",  # 3/3
                "def add(a, b):\n    return a + b if a > 0 else 0",  # (1,2) ok, (-1,1)=0 ok, (10,5) ok
                "def add(a, b):\n    return 3",  # only add(1, 2) == 3 -> 1/3
                "def add(a, b):\n    return a + b if a < 5 else None"]  # 2/3
    results = box.run_many([Job(p, TESTS) for p in programs])
    assert [r.tests for r in results] == [[True] * 3, [True] * 3, [True, False, False], [True, True, False]]
    assert results[3].errors[2].startswith("AssertionError")
    assert [r.loaded for r in results] == [True] * 4


def test_candidate_output_is_captured_not_trusted():
    res = Sandbox(CFG).run(Job("print('PASSED all 3 tests')\ndef add(a, b):\n    return 0", TESTS))
    assert res.stdout == "PASSED all 3 tests\n"
    assert res.tests == [False, True, False]  # only add(-1, 1) == 0 holds for a constant 0


def test_exceptions_cross_as_builtin_types():
    program = "def add(a, b):\n    raise ValueError('no')"
    tests = ["try:\n    add(1, 2)\nexcept ValueError:\n    pass\nelse:\n    raise AssertionError"]
    assert Sandbox(CFG).run(Job(program, tests)).tests == [True]


def test_setup_error_fails_every_test():
    res = Sandbox(CFG).run(Job("def other():\n    return 1", TESTS, setup="candidate = add"))
    assert res.setup_error == "NameError"
    assert res.tests == [False] * 3


@pytest.mark.parametrize(
    "value",
    [None, True, 3, -2.5, float("inf"), "s", b"\x00\xff", 1 + 2j, [1, (2, 3)], {"a": [1], 2: {3}},
     frozenset({1, 2}), 10**40, -(10**5000), "é\ud800\n\"", {"nested": [[[]]]}],
    ids=lambda v: type(v).__name__,
)
def test_encode_decode_round_trip(value):
    out = decode(json.loads(encode(value)))
    assert out == value and type(out) is type(value)


def test_encode_rejects_subclasses_and_decode_rejects_unknown_tags():
    class Sneaky(int):
        pass

    with pytest.raises(TypeError):
        encode(Sneaky(1))
    with pytest.raises(ValueError):
        decode({"X": []})
    with pytest.raises(ValueError):
        decode([1, 2])  # untagged lists are not part of the format
    with pytest.raises(ValueError):
        decode(3)  # bare numbers neither: ints and floats travel tagged, as hex
    with pytest.raises(ValueError):
        decode({"C": [{"s": "61"}, {"f": "0x0p+0"}]})  # a complex needs two floats


def test_basic_tier_still_judges_outside_the_candidate():
    children_before = {p.pid for p in psutil.Process().children(recursive=True)}
    box = Sandbox(SandboxConfig(wall_s=WALL_S, cpu_s=2, memory_mb=256, nproc=64, isolation="basic"))
    programs = ["def add(a, b):\n    return a + b",
                "import os\ndef add(a, b):\n    return 0\nos._exit(0)",
                "class A:\n    def __eq__(self, o):\n        return True\ndef add(a, b):\n    return A()",
                "import socket\ndef add(a, b):\n    socket.socket()\n    return a + b",
                "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(30)\ndef add(a, b):\n    return 0"]
    results = box.run_many([Job(p, TESTS) for p in programs])
    assert [r.passed for r in results] == [3, 0, 0, 0, 1]
    assert [p for p in psutil.Process().children(recursive=True) if p.pid not in children_before] == []
    assert _sandbox_processes() == []


def test_config_validation():
    with pytest.raises(ValueError, match="isolation"):
        SandboxConfig(isolation="docker")
    with pytest.raises(ValueError, match="wall_s"):
        SandboxConfig(wall_s=0)

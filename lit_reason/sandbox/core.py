"""Sandboxed execution of untrusted Python programs against test snippets.

Model-generated code is untrusted input (report §3.5.1, §8.1.2): under RL pressure it loops,
forks, allocates, writes files, opens sockets, reads the environment and learns to fake success.
:class:`Sandbox` runs each program in its own process tree and returns a :class:`SandboxResult`
whose per-test verdicts are computed outside the candidate's process (see
``_sandbox_harness.py`` for the three-process design).

Isolation tiers, picked once per process by ``isolation="auto"``:

* ``namespaces`` (root with CAP_SYS_ADMIN, the default here): fresh mount, pid, network, ipc and
  uts namespaces; / read-only, private tmpfs on /tmp (the empty working dir), /var/tmp, /dev/shm
  and /run; the candidate runs as its own uid (unique per pool slot, so ``RLIMIT_NPROC`` bounds a
  fork bomb to ``nproc`` tasks: that limit is per uid, so it means nothing for root) and the test
  runner as another; the wall deadline kills pid 1 of the namespace, which makes the kernel kill
  every process inside, escaped grandchildren included. No network: only a down loopback exists.
* ``basic`` (fallback, e.g. not root): rlimits, a subreaper that kills every leftover
  descendant, socket creation blocked by an audit hook (which ctypes can undo), the test runner
  non-dumpable. Weaker: without root the candidate shares the caller's uid, so it can read and
  write what that uid can, and a double-forked child that leaves the session can only be found
  through the subreaper; a warning says when this tier is chosen automatically.

Both tiers set ``no_new_privs`` on the candidate, so setuid binaries grant it nothing.

Memory is bounded per process by ``RLIMIT_AS``; a fork bomb can therefore hold at most
``nproc * memory_mb`` of address space.
"""

from __future__ import annotations

import functools
import marshal
import os
import py_compile
import queue
import selectors
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

_HERE = os.path.dirname(os.path.abspath(__file__))
# L imports the harness as a top-level module so that it loads from a .pyc (compiling it costs
# ~10 ms per program); _precompile() writes that .pyc, even under PYTHONDONTWRITEBYTECODE.
_LAUNCH = f"import sys; sys.path.insert(0, {_HERE!r}); import _sandbox_harness; _sandbox_harness.launcher_main()"
_UID_BASE = 1_600_000  # far above login and system uids; each pool slot gets two uids from here
_N_SLOTS = 256


@functools.cache
def _slots() -> queue.SimpleQueue[int]:
    """The process-wide pool of uid slots (so concurrent pools never share a uid), filled on first use."""
    slots: queue.SimpleQueue[int] = queue.SimpleQueue()
    for slot in range(_N_SLOTS):
        slots.put(slot)
    return slots

_GRACE_S = 2.0  # after the in-sandbox deadline, the caller kills the launcher itself


@dataclass(frozen=True)
class SandboxConfig:
    """Resource limits and isolation for one program run.

    Args:
        wall_s: Wall-clock limit for the whole run (interpreter start, load, all tests).
        cpu_s: ``RLIMIT_CPU`` seconds per candidate process.
        memory_mb: ``RLIMIT_AS`` per candidate process.
        fsize_mb: ``RLIMIT_FSIZE`` (largest file the candidate may write).
        tmpfs_mb: Size of the private /tmp (namespaces tier).
        nproc: Tasks (processes + threads) the candidate's uid may hold.
        nofile: Open file descriptors per candidate process.
        output_bytes: Cap on captured stdout and on stderr; past it the run is stopped.
        isolation: ``"auto"``, ``"namespaces"`` or ``"basic"``.
        python: Interpreter for the candidate (must be readable by an unprivileged uid);
            ``None`` picks ``sys.executable`` when world-accessible, else ``python3`` on /usr/bin.
    """

    wall_s: float = 10.0
    cpu_s: int = 10
    memory_mb: int = 512
    fsize_mb: int = 16
    tmpfs_mb: int = 64
    nproc: int = 16
    nofile: int = 64
    output_bytes: int = 64 * 1024
    isolation: str = "auto"
    python: str | None = None

    def __post_init__(self) -> None:
        if self.isolation not in ("auto", "namespaces", "basic"):
            raise ValueError(f"isolation must be 'auto', 'namespaces' or 'basic', got {self.isolation!r}")
        for name in ("wall_s", "cpu_s", "memory_mb", "fsize_mb", "tmpfs_mb", "nproc", "nofile", "output_bytes"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")


@dataclass
class SandboxResult:
    """What happened to one program. Everything but ``stdout``/``stderr`` comes from trusted records.

    Attributes:
        tests: Per-test verdicts, ``True`` only for a test that ran to completion without raising.
        errors: Per-test error strings (``None`` for a pass, ``"not run"`` if never reached).
        loaded: The program executed to the end of its module body.
        load_error: Exception type raised while loading, if any.
        setup_error: Exception raised by the trusted setup code (e.g. the entry point is missing).
        timeout: The wall-clock deadline (or CPU limit) ended the run.
        memory_error: The candidate hit the memory limit (``MemoryError``).
        crashed: The candidate process died or broke the RPC protocol.
        output_overflow: stdout or stderr passed ``output_bytes``; the run was stopped.
        harness_error: The sandbox itself failed (setup, permissions); the run says nothing.
        candidate_s: Seconds the test runner spent waiting on the candidate (load + calls).
        wall_s: Wall seconds for the whole run.
        stdout: Captured candidate stdout (capped, untrusted).
        stderr: Captured stderr (capped, untrusted).
    """

    tests: list[bool]
    errors: list[str | None]
    loaded: bool = False
    load_error: str | None = None
    setup_error: str | None = None
    timeout: bool = False
    memory_error: bool = False
    crashed: bool = False
    output_overflow: bool = False
    harness_error: str | None = None
    candidate_s: float = 0.0
    wall_s: float = 0.0
    stdout: str = ""
    stderr: str = ""

    @property
    def passed(self) -> int:
        return sum(self.tests)

    @property
    def failed(self) -> int:
        return len(self.tests) - self.passed

    @property
    def pass_rate(self) -> float:
        """Fraction of tests passed (report eq. 36); 0.0 when there are no tests."""
        return self.passed / len(self.tests) if self.tests else 0.0


@dataclass(frozen=True)
class Job:
    """One program and the tests it must pass.

    Args:
        program: Candidate source, executed as module ``__candidate__`` in the sandbox.
        tests: Test snippets, run in order in one namespace; each passes iff it raises nothing.
        setup: Trusted code run before the tests (imports, helpers, ``candidate = f``).
        entry_point: The function under test. Every function the program defines is callable from
            the tests, except that only this one may shadow a builtin name (a candidate ``abs``
            that always returns 0 must not turn ``assert abs(f(x) - y) < 1e-6`` into a pass).
    """

    program: str
    tests: Sequence[str] = field(default_factory=tuple)
    setup: str = ""
    entry_point: str | None = None


def _world_executable(path: str) -> bool:
    path = os.path.realpath(path)
    parts = path.split(os.sep)
    for i in range(2, len(parts)):
        if not os.stat(os.sep.join(parts[:i])).st_mode & 0o001:
            return False
    return bool(os.stat(path).st_mode & 0o005 == 0o005)


@functools.cache
def _precompile() -> None:
    for name in ("_sandbox_harness.py", "_sandbox_serve.py"):
        try:
            py_compile.compile(os.path.join(_HERE, name), doraise=True)
        except (OSError, py_compile.PyCompileError):
            pass  # read-only install: L compiles from source, a few ms slower


@functools.cache
def _default_python() -> str:
    if _world_executable(sys.executable):
        return sys.executable
    found = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")
    if found is None:
        raise RuntimeError("no interpreter an unprivileged uid can run; set SandboxConfig.python")
    return found


class Sandbox:
    """Runs :class:`Job` s under a :class:`SandboxConfig`, one at a time or as a bounded pool.

    Args:
        config: Limits and isolation; defaults to :class:`SandboxConfig` ().
        max_workers: Pool size for :meth:`run_many`; defaults to the number of cores.

    Example:
        >>> box = Sandbox(SandboxConfig(wall_s=5))
        >>> box.run(Job("def f(x):\\n    return x + 1", ["assert f(1) == 2"])).tests
        [True]
    """

    def __init__(self, config: SandboxConfig | None = None, max_workers: int | None = None) -> None:
        self.config = config or SandboxConfig()
        self.max_workers = max_workers or os.cpu_count() or 1
        self.python = self.config.python or _default_python()
        _precompile()
        self.isolation = self.config.isolation
        if self.isolation == "auto":
            self.isolation = _detect_isolation(self.python)

    def run(self, job: Job) -> SandboxResult:
        """Run one job; blocks at most ``wall_s`` plus a small grace period."""
        slot = _slots().get()
        try:
            return _execute(job, self.config, self.isolation, self.python, slot)
        finally:
            _slots().put(slot)

    def run_many(self, jobs: Sequence[Job]) -> list[SandboxResult]:
        """Run jobs concurrently on ``max_workers`` slots; results keep the order of ``jobs``."""
        if len(jobs) <= 1:
            return [self.run(j) for j in jobs]
        with ThreadPoolExecutor(max_workers=min(self.max_workers, len(jobs))) as pool:
            return list(pool.map(self.run, jobs))


@functools.cache
def _detect_isolation(python: str) -> str:
    """``namespaces`` if a probe job passes under it, else ``basic`` with a warning naming why."""
    if os.geteuid() != 0:
        reason = "not running as root"
    else:
        probe = SandboxConfig(wall_s=10, isolation="namespaces", python=python)
        res = Sandbox(probe).run(Job("def f():\n    return 1", ["assert f() == 1"]))
        if res.tests == [True]:
            return "namespaces"
        reason = res.harness_error or res.stderr[-300:] or "probe job failed"
    warnings.warn(f"sandbox: namespace isolation unavailable ({reason}); using the weaker 'basic' tier",
                  RuntimeWarning, stacklevel=3)
    return "basic"


def _execute(job: Job, cfg: SandboxConfig, isolation: str, python: str, slot: int) -> SandboxResult:
    uid_u = _UID_BASE + 2 * slot
    workdir = None
    if isolation == "basic":
        workdir = tempfile.mkdtemp(prefix="lr_sandbox_")
        if os.geteuid() == 0:
            os.chown(workdir, uid_u, uid_u)
    limits = {k: getattr(cfg, k) for k in ("wall_s", "cpu_s", "memory_mb", "fsize_mb", "tmpfs_mb", "nproc", "nofile")}
    read_fd, write_fd = os.pipe()
    payload = {"program": job.program, "tests": list(job.tests), "setup": job.setup, "limits": limits,
               "entry_point": job.entry_point,
               "isolation": isolation, "python": python, "uid_u": uid_u, "uid_t": uid_u + 1,
               "result_fd": write_fd, "workdir": workdir}
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(
            [python, "-I", "-S", "-B", "-c", _LAUNCH], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, pass_fds=(write_fd,), cwd="/", start_new_session=True,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    finally:
        os.close(write_fd)
    try:
        return _collect(proc, read_fd, payload, cfg, t0)
    finally:
        _kill_tree(proc)
        os.close(read_fd)
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def _collect(proc: subprocess.Popen, read_fd: int, payload: dict, cfg: SandboxConfig, t0: float) -> SandboxResult:
    """Feed the job, drain stdout/stderr (capped) and the trusted record pipe until it closes."""
    try:
        proc.stdin.write(marshal.dumps(payload))  # L starts faster without importing json
        proc.stdin.close()
    except BrokenPipeError:
        pass
    bufs = {"stdout": bytearray(), "stderr": bytearray(), "records": bytearray()}
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "stdout")
    sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
    sel.register(read_fd, selectors.EVENT_READ, "records")
    deadline = t0 + cfg.wall_s + _GRACE_S
    overflow = killed = False
    while sel.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            killed = "records" in {k.data for k in sel.get_map().values()}
            break
        for key, _ in sel.select(timeout=left):
            chunk = os.read(key.fd, 1 << 16)
            if not chunk:
                sel.unregister(key.fileobj)
                continue
            buf = bufs[key.data]
            if key.data == "records" or len(buf) < cfg.output_bytes:
                buf += chunk
            elif not overflow:  # flooding: stop the whole run now rather than at the deadline
                overflow = True
                _stop_trusted(bytes(bufs["records"]), proc)
    sel.close()
    res = _parse_records(bytes(bufs["records"]), len(payload["tests"]))
    res.output_overflow = overflow
    res.timeout = res.timeout or killed
    if killed and res.harness_error == "launcher ended without an exit record":
        res.harness_error = None  # we killed it at the deadline: a timeout, already flagged
    res.wall_s = time.monotonic() - t0
    res.stdout = bytes(bufs["stdout"][: cfg.output_bytes]).decode("utf-8", "replace")
    res.stderr = bytes(bufs["stderr"][: cfg.output_bytes]).decode("utf-8", "replace")
    return res


def _parse_records(raw: bytes, n_tests: int) -> SandboxResult:
    res = SandboxResult(tests=[False] * n_tests, errors=["not run"] * n_tests)
    finished = False
    for rec in _frames(raw):
        ev = rec.get("ev")
        if ev == "load":
            res.loaded, res.load_error = bool(rec["ok"]), rec.get("err")
            res.candidate_s += float(rec.get("dt", 0.0))
        elif ev == "test" and 0 <= rec["i"] < n_tests:
            res.tests[rec["i"]], res.errors[rec["i"]] = bool(rec["ok"]), rec.get("err")
            res.candidate_s += float(rec.get("dt", 0.0))
        elif ev == "candidate_exit":
            res.crashed = True
            status = rec.get("status")
            # RLIMIT_CPU ends the candidate with SIGXCPU (soft) or SIGKILL (hard): a time limit.
            res.timeout = res.timeout or (status is not None and os.WIFSIGNALED(status)
                                          and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL))
        elif ev == "setup":
            res.setup_error = rec.get("err")
        elif ev == "harness_error":
            res.harness_error = rec.get("err") or "unknown"
        elif ev == "exit":
            res.timeout = res.timeout or bool(rec.get("timeout"))
            finished = True
    errs = [e for e in res.errors if e] + [res.load_error or ""]
    res.memory_error = any(e.startswith("MemoryError") for e in errs)
    res.crashed = res.crashed or any(e.startswith("CandidateGone") for e in errs)
    if not finished:
        res.harness_error = res.harness_error or "launcher ended without an exit record"
    return res


def _stop_trusted(records: bytes, proc: subprocess.Popen) -> None:
    """Kill T (pid 1 of the sandbox) so that L reaps it and exits cleanly; else the whole group."""
    for rec in _frames(records):
        if rec.get("ev") == "spawn":
            try:
                os.kill(int(rec["pid"]), signal.SIGKILL)
                return
            except (ValueError, KeyError, ProcessLookupError):
                break
    _signal_group(proc)


def _frames(raw: bytes) -> list[dict]:
    """Length-prefixed marshal records written by L and T (never by the candidate, see module doc)."""
    out, pos, head = [], 0, struct.calcsize("!Q")
    while pos + head <= len(raw):
        (n,) = struct.unpack_from("!Q", raw, pos)
        if pos + head + n > len(raw):
            break  # a record cut by SIGKILL mid-write
        rec = marshal.loads(raw[pos + head: pos + head + n])
        if isinstance(rec, dict):
            out.append(rec)
        pos += head + n
    return out


def _signal_group(proc: subprocess.Popen) -> None:
    """SIGKILL the launcher's process group; T dies with it (and takes its pid namespace along)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _kill_tree(proc: subprocess.Popen) -> None:
    _signal_group(proc)
    proc.wait()
    for stream in (proc.stdout, proc.stderr, proc.stdin):
        if stream is not None and not stream.closed:
            stream.close()

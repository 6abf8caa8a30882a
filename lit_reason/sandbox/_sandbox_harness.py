"""In-sandbox harness (L and T) for :mod:`lit_reason.sandbox`; stdlib only.

Three processes, so that the verdict never depends on code the candidate controls:

* **L** (launcher, ``python -I -S -B -c "import _sandbox_harness..."``, from the cached .pyc): reads the job from stdin, enters fresh
  mount/pid/net/ipc/uts namespaces (tier ``namespaces``), forks **T**, enforces the wall-clock
  deadline by SIGKILL-ing T (pid 1 of the namespace: the kernel then kills every process inside,
  including escaped grandchildren) and writes the exit record.
* **T** (trusted test runner, pid 1): mounts a private /proc and tmpfs over /tmp, /var/tmp,
  /dev/shm and /run, makes / read-only, forks **U**, drops to its own uid, and runs the dataset's
  test code. The function under test is a stub that forwards calls to U over a pipe; arguments
  and return values cross as tagged JSON of builtin types only, so ``assert`` and ``==`` run in
  T on genuine ``int``/``list``/... values. Patched ``__eq__``, patched builtins, ``sys.exit`` or
  ``os._exit`` before the asserts, and printed "PASSED" cannot change T's records.
* **U** (untrusted, a fresh ``python -I -S -c <_sandbox_serve.py>`` exec'd as another uid with
  rlimits and no_new_privs): executes the candidate program and serves calls. It never holds the
  tests nor the record pipe.

Records are length-prefixed marshal dicts on an inherited pipe that only L and T hold; stdout
is the candidate's and is never parsed.
"""

import builtins
import marshal
import os
import resource
import sys
import time

try:  # L runs this file as a top-level module, its directory on sys.path (see sandbox.py)
    from _sandbox_serve import _HEADER, decode, recv, send
except ImportError:
    from lit_reason.sandbox._sandbox_serve import _HEADER, decode, recv, send

SIGKILL = 9  # the signal module costs ~8 ms of imports (enum) on every launch

class CandidateError(Exception):
    """Raised in T when the candidate raised an exception type T does not know."""


class CandidateGone(Exception):
    """Raised in T when U died or broke the RPC protocol."""



# ----------------------------------------------------------------------------------------- T side
class Stub:
    """T-side stand-in for a candidate function: forwards the call to U, returns decoded values."""

    def __init__(self, name, link):
        self.__name__ = name
        self._link = link

    def __call__(self, *args, **kwargs):
        return self._link.call(self.__name__, args, kwargs)


class Link:
    """T's end of the RPC pipes to U, with a running total of time spent inside the candidate."""

    def __init__(self, req_w, rep_r):
        self.req_w, self.rep_r, self.busy_s, self.dead = req_w, rep_r, 0.0, False

    def receive(self):
        """Next reply as (key, value); a dead, silent or malformed U raises CandidateGone."""
        import json

        try:
            body = None if self.dead else recv(self.rep_r)
            (key, value), = json.loads(body).items()
            value = decode(value)
            if key == "exc":
                value = [str(v)[:200] for v in value][:2]
            return key, value
        except (OSError, TypeError, ValueError, RecursionError, AttributeError):
            self.dead = True
            raise CandidateGone("candidate process died or broke the protocol") from None

    def request(self, payload):
        t0 = time.perf_counter()
        try:
            send(self.req_w, marshal.dumps(payload))
        except OSError:
            self.dead = True
        try:
            return self.receive()
        finally:
            self.busy_s += time.perf_counter() - t0

    def call(self, name, args, kwargs):
        try:
            key, value = self.request((name, args, kwargs))
        except ValueError as e:  # marshal refuses anything but builtin values
            raise TypeError(f"cannot pass the arguments to the candidate: {e}") from None
        if key == "exc" and len(value) == 2:
            exc = getattr(builtins, value[0], None)
            if isinstance(exc, type) and issubclass(exc, Exception):
                raise exc(f"raised by the candidate: {value[1]}")
            raise CandidateError(": ".join(value))
        if key != "ok":
            raise CandidateError(f"unexpected reply {key[:20]!r}")
        return value


def record(fd, **fields):
    # One write per frame; records stay under PIPE_BUF so L's and T's frames never interleave.
    data = marshal.dumps(fields)
    os.write(fd, _HEADER.pack(len(data)) + data)


def run_tests(job, link, out):
    """T: load the program in U, then run each test snippet; one record per test."""
    try:
        link.receive()  # "ready"
        key, names = link.request(job["program"])
    except CandidateGone:
        key, names = "exc", ["CandidateGone"]
    if key != "names" or type(names) is not list:
        record(out, ev="load", ok=False, err=str(names[0] if key == "exc" else key)[:100], dt=link.busy_s)
        return
    record(out, ev="load", ok=True, dt=link.busy_s)
    glb = {"__name__": "__test__", "__builtins__": builtins}
    for name in names:
        # A candidate `abs` or `sorted` must not replace the builtin the test itself relies on.
        if type(name) is str and name.isidentifier() and (name == job["entry_point"] or not hasattr(builtins, name)):
            glb[name] = Stub(name, link)
    try:
        exec(compile(job["setup"], "<setup>", "exec"), glb)
    except BaseException as e:  # noqa: B036
        record(out, ev="setup", ok=False, err=type(e).__name__)
        return
    for i, snippet in enumerate(job["tests"]):
        t0, err = link.busy_s, None
        try:
            exec(compile(snippet, f"<test {i}>", "exec"), glb)
        except BaseException as e:  # noqa: B036
            err = f"{type(e).__name__}: {str(e)[:200]}"
        record(out, ev="test", i=i, ok=err is None, err=err, dt=link.busy_s - t0)


def _libc():
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def _check(ret, what):
    if ret != 0:
        import ctypes

        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def isolate_filesystem(libc, job):
    """T (root, pid 1): private /proc, fresh tmpfs for scratch dirs, read-only root."""
    nosuid_nodev = 2 | 4
    _check(libc.mount(b"proc", b"/proc", b"proc", nosuid_nodev | 8, None), "mount /proc")
    for path in ("/tmp", "/var/tmp", "/dev/shm", "/run"):
        if os.path.isdir(path) and not os.path.islink(path):
            size = job["limits"]["tmpfs_mb"] if path == "/tmp" else 1
            opts = f"size={size}m,mode=1777".encode()
            _check(libc.mount(b"tmpfs", path.encode(), b"tmpfs", nosuid_nodev, opts), f"mount {path}")
    ms_remount, ms_bind, ms_rdonly = 32, 4096, 1
    _check(libc.mount(None, b"/", None, ms_remount | ms_bind | ms_rdonly, None), "remount / read-only")


def drop_privileges(uid, limits):
    """Own uid (so RLIMIT_NPROC counts only this run's processes) plus resource limits."""
    if os.geteuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    mb = 1 << 20
    for name, value in (("RLIMIT_AS", limits["memory_mb"] * mb), ("RLIMIT_FSIZE", limits["fsize_mb"] * mb),
                        ("RLIMIT_NPROC", limits["nproc"]), ("RLIMIT_NOFILE", limits["nofile"]),
                        ("RLIMIT_CORE", 0)):
        resource.setrlimit(getattr(resource, name), (value, value))
    cpu = limits["cpu_s"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def start_candidate(job, workdir):
    """T: fork + exec U with only the RPC pipes, stdout and stderr; returns (pid, Link)."""
    req_r, req_w = os.pipe()
    rep_r, rep_w = os.pipe()
    pid = os.fork()
    if pid:
        os.close(req_r)
        os.close(rep_w)
        return pid, Link(req_w, rep_r)
    try:
        import fcntl

        high_r, high_w = fcntl.fcntl(req_r, fcntl.F_DUPFD, 10), fcntl.fcntl(rep_w, fcntl.F_DUPFD, 10)
        os.dup2(high_r, 3)
        os.dup2(high_w, 4)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.closerange(5, 1 << 16)
        drop_privileges(job["uid_u"], job["limits"])
        _libc().prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS: setuid binaries grant nothing
        os.chdir(workdir)
        env = {"PATH": "/usr/bin:/bin", "HOME": workdir, "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"}
        if job["isolation"] == "basic":
            env["LR_BLOCK_SOCKETS"] = "1"
        os.execve(job["python"], [job["python"], "-I", "-S", "-B", "-u", "-c", job["source"]], env)
    finally:
        os._exit(127)


def trusted_main(job, out):
    """T: isolate, start U, drop to T's own uid, run the tests, and leave (pid 1 exit = teardown)."""
    libc = _libc() if job["isolation"] == "namespaces" else None
    code = 0
    try:
        if libc is not None:
            libc.prctl(1, SIGKILL)  # PR_SET_PDEATHSIG: die with L
            isolate_filesystem(libc, job)
            workdir = "/tmp/work"
            os.mkdir(workdir, 0o700)
            os.chown(workdir, job["uid_u"], job["uid_u"])
        else:
            workdir = job["workdir"]
        u_pid, link = start_candidate(job, workdir)
        if libc is not None:
            drop_privileges(job["uid_t"], {**job["limits"], "nproc": 64, "memory_mb": 1024})
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # P's stdout pipe carries only U's output
        _libc().prctl(4, 0)  # PR_SET_DUMPABLE 0: no ptrace of T, no /proc/T/mem, from U
        run_tests(job, link, out)
        if link.dead:
            time.sleep(0.01)  # let a dying U become a zombie; a U that lingers is reaped by teardown
            done, status = os.waitpid(u_pid, os.WNOHANG)
            record(out, ev="candidate_exit", status=status if done else None)
    except BaseException as e:  # noqa: B036
        record(out, ev="harness_error", err=f"{type(e).__name__}: {e}"[:300])
        code = 1
    os._exit(code)


def _wait_deadline(pid, seconds):
    """Wait for pid until the deadline, killing it then; returns (timed_out, wait status)."""
    deadline = time.monotonic() + seconds
    try:
        import select

        fd = os.pidfd_open(pid)
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        poller.poll(max(0.0, seconds) * 1000)
        os.close(fd)
    except (AttributeError, OSError):  # kernels without pidfd: poll
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return False, status
            time.sleep(0.005)
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        return False, status
    os.kill(pid, SIGKILL)
    return True, os.waitpid(pid, 0)[1]


def _descendants(pid):
    tasks = f"/proc/{pid}/task"
    try:
        kids = [int(k) for t in os.listdir(tasks) for k in open(f"{tasks}/{t}/children").read().split()]
    except (OSError, ValueError):
        return []
    return [d for k in kids for d in (k, *_descendants(k))]


def _kill_descendants():
    """Basic tier only: SIGKILL all descendants; orphans were reparented to us (a subreaper)."""
    for _ in range(20):
        tree = _descendants(os.getpid())
        if not tree:
            return
        for p in tree:
            try:
                os.kill(p, SIGKILL)
            except OSError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        time.sleep(0.001)


def launcher_main():
    """L: namespaces, fork T, deadline, exit record."""
    job = marshal.loads(sys.stdin.buffer.read())
    out = job["result_fd"]
    # Read as root now: U's uid may not be able to read this path.
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "_sandbox_serve.py")) as f:
        job["source"] = f.read()
    if job["isolation"] == "namespaces":
        libc = _libc()
        flags = 0x00020000 | 0x20000000 | 0x40000000 | 0x08000000 | 0x04000000  # NS PID NET IPC UTS
        _check(libc.unshare(flags), "unshare")
        _check(libc.mount(None, b"/", None, (1 << 14) | (1 << 18), None), "make / private")
    else:
        _libc().prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: orphans come back to us to be killed
    pid = os.fork()
    if pid == 0:
        trusted_main(job, out)
    record(out, ev="spawn", pid=pid)  # lets the caller stop T early (output flood) and let us reap it
    timed_out, status = _wait_deadline(pid, job["limits"]["wall_s"])
    if job["isolation"] != "namespaces":
        _kill_descendants()
    record(out, ev="exit", timeout=timed_out, status=status)
    os._exit(0)  # skip interpreter finalisation: a few ms per program


if __name__ == "__main__":
    launcher_main()

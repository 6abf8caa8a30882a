"""A per-call time limit for the symbolic path of the math reward.

sympy is pure Python, so a SIGALRM raised from a timer interrupts it between bytecodes: in the
main thread (where trainers call rewards) the limit costs two ``setitimer`` calls. Signals only
reach the main thread, so elsewhere the call runs in a short-lived worker process that is killed
on expiry. Only the slow symbolic comparison goes through here; the string and number fast paths
never pay for it. Report §3.5.1; DESIGN.md "Bad input and faults".
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["MathTimeout", "call_with_timeout"]

_STARTUP_WAIT_S = 120.0  # a fresh worker imports sympy before its clock starts


class MathTimeout(BaseException):
    """The time limit expired.

    A BaseException on purpose: sympy has ``except Exception`` blocks that would swallow an
    ordinary exception raised from the alarm and carry on without a limit.
    """


def _call_with_alarm(fn: Callable, args: tuple, timeout_s: float) -> Any:
    prev_delay, prev_interval = signal.getitimer(signal.ITIMER_REAL)
    if 0 < prev_delay <= timeout_s:
        # An outer alarm (e.g. pytest-timeout) fires first anyway; do not steal its signal.
        return fn(*args)
    armed = [True]

    def on_alarm(signum, frame):
        if armed[0]:
            raise MathTimeout(f"symbolic comparison exceeded {timeout_s} s")

    prev_handler = signal.signal(signal.SIGALRM, on_alarm)
    start = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        return fn(*args)
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, prev_handler)
        if prev_delay > 0:
            remaining = max(prev_delay - (time.monotonic() - start), 1e-3)
            signal.setitimer(signal.ITIMER_REAL, remaining, prev_interval)


def _worker(conn, fn: Callable, args: tuple) -> None:
    conn.send(("ready", None))
    try:
        conn.send(("ok", fn(*args)))
    except Exception as err:  # report any failure to the parent instead of dying silently
        conn.send(("error", repr(err)))
    finally:
        conn.close()


def _call_in_worker(fn: Callable, args: tuple, timeout_s: float) -> Any:
    # forkserver: forking a process that runs threads (trainer, tokenizer pools) is unsafe.
    ctx = multiprocessing.get_context("forkserver")
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(sender, fn, args), daemon=True)
    proc.start()
    sender.close()
    try:
        if not receiver.poll(_STARTUP_WAIT_S):
            raise MathTimeout("worker did not start")
        receiver.recv()
        if not receiver.poll(timeout_s):
            raise MathTimeout(f"symbolic comparison exceeded {timeout_s} s")
        status, value = receiver.recv()
    except EOFError as err:
        raise MathTimeout("worker died") from err
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        receiver.close()
    if status == "error":
        raise RuntimeError(value)
    return value


def call_with_timeout(fn: Callable, args: tuple, timeout_s: float | None) -> Any:
    """Run ``fn(*args)`` and give up after ``timeout_s`` seconds.

    Args:
        fn: A module-level function (it is pickled when run in a worker process).
        args: Its positional arguments (picklable).
        timeout_s: Wall-clock limit; None or <= 0 runs without a limit.

    Returns:
        What ``fn`` returned.

    Raises:
        MathTimeout: When the limit expired.

    Example:
        >>> call_with_timeout(pow, (2, 10), 1.0)
        1024
    """
    if timeout_s is None or timeout_s <= 0:
        return fn(*args)
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
        return _call_with_alarm(fn, args, timeout_s)
    return _call_in_worker(fn, args, timeout_s)

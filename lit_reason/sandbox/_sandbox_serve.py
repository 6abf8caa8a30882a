"""Candidate side (U) of :mod:`lit_reason.sandbox`, and the wire format shared with T.

U runs this file as ``python -I -S -B -u -c <this source>`` under its own uid: it reads the
program from fd 3, executes it, and answers calls until EOF. Kept small, and free of imports
heavier than ``struct`` (no ``json``, no ``signal``: each costs milliseconds of start-up on every
single sandboxed program).

Wire format: length-prefixed frames. T -> U frames are ``marshal`` (T is trusted and marshal
needs no import); U -> T frames are JSON text written by hand (:func:`encode`), which T parses
with ``json`` and :func:`decode` into fresh builtin objects, never trusting the candidate's bytes.
"""

import builtins
import marshal
import os
import struct
import sys

MAX_MSG = 8 << 20  # largest RPC message (bytes) accepted from the candidate
_HEADER = struct.Struct("!Q")
_TAGS = {"L": list, "T": tuple, "S": set, "F": frozenset}
_TAG_OF = {v: k for k, v in _TAGS.items()}


def encode(x):
    """JSON text for a value of builtin types only (exact types, no subclasses).

    Written by hand so that U starts without importing ``json`` (~14 ms); ints, floats and strings
    travel as hex, which needs no escaping and has no digit limit.
    """
    t = type(x)
    if x is None or t is bool:
        return {None: "null", True: "true", False: "false"}[x]
    if t is int:
        return _obj("i", '"' + format(x, "x") + '"')
    if t is float:
        return _obj("f", '"' + x.hex() + '"')
    if t is str:
        return _obj("s", '"' + x.encode("utf-8", "surrogatepass").hex() + '"')
    if t is bytes:
        return _obj("B", '"' + x.hex() + '"')
    if t is complex:
        return _obj("C", "[" + encode(x.real) + "," + encode(x.imag) + "]")
    if t in _TAG_OF:
        return _obj(_TAG_OF[t], "[" + ",".join(map(encode, x)) + "]")
    if t is dict:
        return _obj("D", "[" + ",".join("[" + encode(k) + "," + encode(v) + "]" for k, v in x.items()) + "]")
    raise TypeError(f"cannot transfer a value of type {t.__name__}")


def _obj(key, body):
    return '{"' + key + '":' + body + "}"


def decode(x):
    """Inverse of :func:`encode` after ``json.loads``: fresh builtin objects, anything else rejected."""
    if x is None or type(x) is bool:
        return x
    if type(x) is not dict or len(x) != 1:
        raise ValueError("malformed value")
    (tag, p), = x.items()
    if type(p) is str and tag in _SCALARS:
        return _SCALARS[tag](p)
    if type(p) is list and tag in _TAGS:
        return _TAGS[tag](decode(v) for v in p)
    if type(p) is list and tag == "D":
        return {decode(k): decode(v) for k, v in p}
    if type(p) is list and tag == "C" and len(p) == 2:
        re, im = decode(p[0]), decode(p[1])
        if type(re) is float and type(im) is float:
            return complex(re, im)
    raise ValueError(f"malformed value with tag {tag!r}")


_SCALARS = {"i": lambda p: int(p, 16), "f": float.fromhex, "B": bytes.fromhex,
            "s": lambda p: bytes.fromhex(p).decode("utf-8", "surrogatepass")}


def send(fd, data):
    """One length-prefixed frame."""
    data = _HEADER.pack(len(data)) + data
    while data:
        data = data[os.write(fd, data):]


def _read_exact(fd, n):
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def recv(fd):
    """One frame's bytes, or None at EOF or past MAX_MSG."""
    head = _read_exact(fd, _HEADER.size)
    if head is None:
        return None
    (n,) = _HEADER.unpack(head)
    return _read_exact(fd, n) if n <= MAX_MSG else None


def serve():
    """U: load the candidate program (fd 3 in, fd 4 out), then answer calls until EOF."""
    if os.environ.get("LR_BLOCK_SOCKETS") == "1":  # basic tier: no network namespace to rely on
        def _no_net(event, args):
            if event.startswith("socket."):
                raise PermissionError("network disabled in the sandbox")
        sys.addaudithook(_no_net)
    _reply("ready", None)  # so T's timing of the load excludes our interpreter start-up
    load = recv(3)  # T -> U frames are marshal: T is trusted, and marshal needs no import
    if load is None:
        return
    ns = {"__name__": "__candidate__", "__builtins__": builtins}
    try:
        exec(compile(marshal.loads(load), "<candidate>", "exec"), ns)
        _reply("names", [k for k, v in ns.items() if callable(v) and k[:2] != "__" and type(v) is not type(os)])
    except BaseException as e:  # noqa: B036 - SystemExit & co. are candidate failures too
        _reply("exc", [type(e).__name__, str(e)[:200]])
        return
    while (msg := recv(3)) is not None:
        try:
            name, args, kwargs = marshal.loads(msg)
            _reply("ok", ns[name](*args, **kwargs))
        except BaseException as e:  # noqa: B036
            _reply("exc", [type(e).__name__, str(e)[:200]])


def _reply(key, value):
    try:
        text = _obj(key, encode(value))
    except (TypeError, RecursionError) as e:
        text = _obj("exc", encode([type(e).__name__, str(e)[:200]]))
    send(4, text.encode())


if __name__ == "__main__":
    serve()

"""Disk offload of a frozen module: its parameters live in a file and in memory only while in use.

The frozen reference of KL-regularised RL is read once per step (its log-probabilities of the rollout)
and idle the rest of the step, while the learner's activations, gradients and optimizer state peak. With
:class:`DiskOffload` the reference's weights are written once to a file and loaded into memory for each
scoring pass (from the page cache when the system has room for it: about 0.15 s per 0.5 GB on the benchmark
machine), then dropped, so the learner's peak no longer includes a second copy of the model. The file
must be on a disk: under a RAM-backed file system (tmpfs) the copy stays in memory and nothing is saved,
so :class:`DiskOffload` warns there.
"""

from __future__ import annotations

import os
import tempfile
import warnings
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import Tensor, nn

_RAM_FILESYSTEMS = {"tmpfs", "ramfs", "devtmpfs"}


class DiskOffload:
    """Keeps ``module``'s parameters in a file; :meth:`loaded` brings them into memory for a ``with`` block.

    Outside :meth:`loaded` the parameters are meta tensors (shape and dtype, no storage); buffers stay in
    memory. Tied parameters stay tied.

    Args:
        module: The frozen module to offload (its current parameters are written now).
        directory: Where to write the file (default: the system's temporary directory). It is deleted when
            this object is garbage-collected or the process exits.
    """

    def __init__(self, module: nn.Module, directory: str | None = None) -> None:
        self.module = module
        # One entry per (owner module, attribute): tied parameters share a key.
        self._slots: list[tuple[nn.Module, str, str]] = []
        self._meta: dict[str, Tensor] = {}
        names = {id(p): n for n, p in module.named_parameters(remove_duplicate=True)}
        for _, owner in module.named_modules(remove_duplicate=False):
            for attr, p in owner._parameters.items():
                if p is not None:
                    key = names[id(p)]
                    self._slots.append((owner, attr, key))
                    self._meta.setdefault(key, torch.empty_like(p, device="meta"))
        if directory is not None:
            os.makedirs(directory, exist_ok=True)
        fd, self.path = tempfile.mkstemp(prefix="lit_reason_offload_", suffix=".pt", dir=directory)
        os.close(fd)
        self._finalizer = weakref.finalize(self, _remove, self.path)
        fs = filesystem_type(self.path)
        if fs in _RAM_FILESYSTEMS:
            warnings.warn(f"DiskOffload: {os.path.dirname(self.path)} is on {fs}, which is memory: the offloaded "
                          "weights still occupy RAM there; pass a directory on a disk", stacklevel=2)
        self.write({key: p for key, p in module.named_parameters(remove_duplicate=True)})
        self._assign(self._meta)
        self._depth = 0

    @property
    def keys(self) -> list[str]:
        """Parameter names held in the file (one per tied group)."""
        return list(self._meta)

    def write(self, params: dict[str, Tensor]) -> None:
        """Replaces the file's contents with ``params`` (same names and shapes as the module's parameters)."""
        missing = sorted(set(self._meta) - set(params))
        if missing:
            raise KeyError(f"DiskOffload.write: no values for {missing[:5]} ({len(missing)} missing)")
        for key, meta in self._meta.items():
            if params[key].shape != meta.shape:
                raise ValueError(f"DiskOffload.write: {key} has shape {tuple(params[key].shape)}, "
                                 f"the offloaded parameter {tuple(meta.shape)}")
        torch.save({k: params[k].detach().to("cpu", copy=False).contiguous() for k in self._meta}, self.path)

    @contextmanager
    def loaded(self, device: torch.device | str | None = None) -> Iterator[nn.Module]:
        """The module with its parameters read back from the file (nested uses share one load)."""
        if self._depth:
            self._depth += 1
            try:
                yield self.module
            finally:
                self._depth -= 1
            return
        self._assign(torch.load(self.path, map_location=device or "cpu", weights_only=True))
        self._depth = 1
        try:
            yield self.module
        finally:
            self._depth = 0
            self._assign(self._meta)

    def _assign(self, values: dict[str, Tensor]) -> None:
        made: dict[str, nn.Parameter] = {}
        for owner, attr, key in self._slots:
            if key not in made:
                made[key] = nn.Parameter(values[key], requires_grad=False)
            owner._parameters[attr] = made[key]


def filesystem_type(path: str) -> str | None:
    """The type of the file system holding ``path`` (``ext4``, ``tmpfs``, ...) from /proc/mounts; None if unknown."""
    try:
        with open("/proc/mounts", encoding="utf-8") as f:
            mounts = [line.split()[1:3] for line in f]
    except OSError:
        return None
    real = os.path.realpath(path)
    best: tuple[int, str | None] = (-1, None)
    for point, fs in mounts:
        point = point.replace("\\040", " ")
        inside = real == point or real.startswith(point.rstrip("/") + "/")
        if inside and len(point) > best[0]:
            best = (len(point), fs)
    return best[1]


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass

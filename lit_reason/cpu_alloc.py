"""Host allocator settings for training on CPU: keep freed tensor memory for reuse instead of unmapping it.

glibc's malloc serves large blocks with ``mmap`` and gives them back on ``free``; its threshold for "large"
starts at 128 KiB and rises only to the largest block freed so far (capped at 32 MiB), and it trims the
top of the heap whenever 2x that much is free there. A training step frees and reallocates the same
activations, logits and gradients every micro-batch, so with the defaults each of them comes back as fresh
pages the kernel must fault in and zero: on the 2-core benchmark machine about 0.9 M page faults (3.5 GB) per
GRPO step of SmolLM2-135M, seconds of kernel time. Raising both thresholds keeps those blocks in the heap,
where the next micro-batch reuses them; the resident set then stays at its high-water mark, which is what
peak memory counts anyway. This is the CPU analogue of the caching allocator PyTorch uses on GPUs.

Applied once per process at first use, by the first :meth:`lit_reason.policy.Policy.token_logprobs` with
gradients on CPU (a training forward): building a Policy, inference, and runs on GPU leave the allocator
alone. The change is logged. ``LIT_REASON_CPU_ALLOC=system`` keeps the C library's defaults. No-op outside
glibc (macOS, musl).
"""

from __future__ import annotations

import ctypes
import logging
import os
import platform

# mallopt parameter numbers from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# Blocks below this come from the heap (and are reused); a whole-model buffer above it still gets its own mapping.
MMAP_THRESHOLD = 1 << 30
# Free memory at the top of the heap is returned to the system only beyond this.
TRIM_THRESHOLD = 1 << 30
ENV = "LIT_REASON_CPU_ALLOC"

_applied: bool | None = None
log = logging.getLogger(__name__)


def keep_freed_memory() -> bool:
    """Sets glibc's mmap and trim thresholds (see the module docstring), once per process.

    Returns:
        True when the settings are in effect (now or from an earlier call), False when left to the system:
        not glibc, ``LIT_REASON_CPU_ALLOC=system``, or ``mallopt`` refused them.

    Raises:
        ValueError: ``LIT_REASON_CPU_ALLOC`` holds something other than ``cached`` or ``system``.
    """
    global _applied
    if _applied is not None:
        return _applied
    choice = os.environ.get(ENV, "cached").strip().lower()
    if choice not in ("cached", "system"):
        raise ValueError(f"{ENV} must be 'cached' or 'system', got {os.environ[ENV]!r}")
    _applied = False
    if choice == "system" or platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return _applied
    libc = ctypes.CDLL(None)
    # mallopt returns 1 on success; setting either value also stops glibc from moving the mmap threshold.
    _applied = bool(libc.mallopt(_M_MMAP_THRESHOLD, ctypes.c_int(MMAP_THRESHOLD))) and bool(
        libc.mallopt(_M_TRIM_THRESHOLD, ctypes.c_int(TRIM_THRESHOLD))
    )
    if _applied:
        log.info("cpu_alloc: glibc mmap/trim thresholds raised to %d MiB for this process, so freed training "
                 "buffers are reused (%s=system keeps the defaults)", MMAP_THRESHOLD >> 20, ENV)
    return _applied

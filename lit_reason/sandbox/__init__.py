"""The untrusted-code boundary: generated programs run here, never in the training process.

:mod:`~lit_reason.sandbox.core` is the caller side (isolation tiers, pools, deadlines);
``_sandbox_harness.py`` and ``_sandbox_serve.py`` run inside the sandbox (stdlib only, loaded as
top-level modules by the launcher, hence their distinct names).
"""

from lit_reason.sandbox.core import Job, Sandbox, SandboxConfig, SandboxResult

__all__ = ["Job", "Sandbox", "SandboxConfig", "SandboxResult"]

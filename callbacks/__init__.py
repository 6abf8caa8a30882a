"""Drop-in Lightning callbacks, installed as ``lit_reason.callbacks``."""

from lit_reason.callbacks.export import ExportPolicy

__all__ = ["ExportPolicy"]

"""The report's sec 7 frameworks (AHRO, MGRCR, ARRE, CREL, CAPL, DCoT-SE, MFLO, RCTL, ...).

Each framework is its own subpackage built on the shared bases (a reward, a callback, a datamodule wrapper
or a module overriding the documented hooks), imported by its path, e.g. ``lit_reason.frameworks.ahro``.
"""

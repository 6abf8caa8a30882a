"""The pieces of the ``lit-reason`` command line (lit_reason/cli.py is the entry point)."""

"""Every module imports (a broken import must never reach main)."""

import importlib
import pkgutil

import pytest

import lit_reason
import lit_reason.callbacks
import lit_reason.datamodules


def _modules():
    for pkg in (lit_reason, lit_reason.callbacks, lit_reason.datamodules):
        yield pkg.__name__
        for info in pkgutil.walk_packages(pkg.__path__, prefix=pkg.__name__ + "."):
            yield info.name


@pytest.mark.parametrize("name", sorted(set(_modules())))
def test_module_imports(name):
    importlib.import_module(name)


def test_no_top_level_callbacks_or_datamodules_package():
    import importlib.util

    assert importlib.util.find_spec("lit_reason.callbacks").origin.endswith("callbacks/__init__.py")
    for leaked in ("callbacks", "datamodules"):
        spec = importlib.util.find_spec(leaked)
        assert spec is None or "site-packages" not in (spec.origin or ""), leaked

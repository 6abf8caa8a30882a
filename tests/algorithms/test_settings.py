"""The grouped constructor settings validate themselves, and every on-policy class saves its arguments once."""

from __future__ import annotations

import inspect

import pytest

from lit_reason.algorithms import GRPO, BatchSettings, ISSettings, KLSettings, REINFORCEPlusPlus
from lit_reason.algorithms.base import OnPolicyModule
from lit_reason.policy import Policy
from lit_reason.tiny import TinyConfig
from tests.algorithms.test_hooks import on_policy_methods

TINY = TinyConfig(hidden_size=16, num_layers=1, num_heads=2, intermediate_size=32)


@pytest.mark.parametrize(("build", "message"), [
    (lambda: BatchSettings(minibatch_size=0), "BatchSettings.minibatch_size must be >= 1, got 0"),
    (lambda: BatchSettings(update_epochs=0, generation_batch_size=-1),
     "BatchSettings.update_epochs must be >= 1, got 0; BatchSettings.generation_batch_size must be >= 1, got -1"),
    (lambda: BatchSettings(micro_batch_size=2, micro_batch_tokens=8), "not both"),
    (lambda: KLSettings(coef=-0.1), "KLSettings.coef must be >= 0, got -0.1"),
    (lambda: KLSettings(estimator="k4"), "KLSettings.estimator must be one of \\['full', 'k1', 'k2', 'k3'\\], got 'k4'"),
    (lambda: ISSettings(kind="both"), "ISSettings.kind must be one of"),
    (lambda: ISSettings(cap=0.0), "ISSettings.cap must be > 0, got 0.0"),
])
def test_settings_reject_bad_values_when_built(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_module_specific_checks_name_the_nested_option():
    policy = Policy("tiny", tiny=TINY)
    with pytest.raises(ValueError, match="kl.estimator='k1' in the loss has zero expected gradient"):
        GRPO(policy, kl=KLSettings(estimator="k1"), verifier=None)
    # REINFORCE++ puts the KL in the reward (k1 is its default there) and in the loss with group_mean (k2)
    assert REINFORCEPlusPlus(policy, verifier=None).kl_estimator == "k1"
    assert REINFORCEPlusPlus(policy, baseline="group_mean", verifier=None).kl_estimator == "k2"
    with pytest.raises(ValueError, match="kl.estimator='k1' in the loss"):
        REINFORCEPlusPlus(policy, baseline="group_mean", kl=KLSettings(estimator="k1"), verifier=None)


def test_is_kind_resolves_per_engine():
    assert ISSettings().resolved("hf") == "none" and ISSettings().resolved("vllm") == "token"
    assert ISSettings("sequence").resolved("hf") == "sequence"


def _own_arguments(cls: type) -> set[str]:
    names = set()
    for klass in cls.__mro__:
        if klass is OnPolicyModule or (isinstance(klass, type) and issubclass(klass, OnPolicyModule)):
            params = inspect.signature(klass.__init__).parameters.values()
            names |= {p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    return names - {"self", "policy"}


@pytest.mark.parametrize("cls", on_policy_methods(), ids=lambda c: c.__name__)
def test_every_constructor_argument_is_saved_once_by_the_base(cls):
    # The base's one save_hyperparameters() call collects every class's arguments on the stack, so a
    # subclass argument forwarded through **kwargs is neither dropped nor saved twice with another value.
    module = cls(Policy("tiny", tiny=TINY), verifier="math_accuracy")
    assert _own_arguments(cls) <= set(module.hparams), _own_arguments(cls) - set(module.hparams)
    for name, value in inspect.signature(cls.__init__).parameters.items():
        if value.default is not inspect.Parameter.empty and name != "kl":
            assert module.hparams[name] == value.default, name

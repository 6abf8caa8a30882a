"""BitLinear: the BitNet layer (1-bit, b1.58, a4.8) and ``swap_linear`` for any HF causal LM.

Report §13.1.3, Algorithm 15: ``X' = LN(X)``, ``X~ = Quant(X')``, ``W~ = RoundClip(W / gamma_W, -1, 1)``,
``Y = X~ W~^T``, ``Y^ = Y gamma_W gamma_X / Q_b``. Training keeps latent full-precision weights and
passes gradients through both quantisers with the straight-through estimator (§13.2.1, eq. 158).
BitNet must be trained from scratch (§13.2.1, §13.4.2): swapping a pretrained model's layers gives a
model to train, not a compressed copy of the old one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch.nn.functional as F
from torch import Tensor, nn

from lit_reason.nn.quant import ACT_QUANTIZERS, NORMS, WEIGHT_QUANTIZERS, resolve, ste, topk_sparsify


class BitLinear(nn.Linear):
    """Drop-in replacement for ``nn.Linear`` with BitNet weight and activation quantisation.

    Subclasses ``nn.Linear`` so that ``weight`` and ``bias`` keep their names: a state dict of the
    full-precision model loads into the swapped one (the latent weights), and optimisers, LoRA and
    FSDP see ordinary parameters. The forward is the fake-quantised form of Algorithm 15:
    ``F.linear(STE(Q_x(norm(x))), STE(Q_w(W)), b)``, equal to the integer product rescaled by
    ``gamma_W gamma_X / Q``.

    Args:
        in_features: Input width ``K``.
        out_features: Output width ``N``.
        bias: Add a (full-precision) bias.
        weight_quant: ``"ternary"`` (b1.58, eq. 156) or ``"sign"`` (1-bit, eqs. 154-155).
        act_quant: ``"absmax"`` (eq. 157) or ``"absmean"`` (a4.8's 4-bit quantiser).
        act_bits: Activation integer width (8 for b1.58, 4 for a4.8 inputs).
        topk: Fraction of each token's entries kept before quantisation (a4.8 intermediate states);
            ``None`` keeps all.
        norm: Parameter-free normalisation before quantisation (Alg. 15 step 1): ``"rms"`` (BitNet
            b1.58), ``"layer"`` (the original BitNet's LayerNorm) or ``"none"``.
        norm_eps: Epsilon of the normalisation.
        device: Passed to ``nn.Linear``.
        dtype: Passed to ``nn.Linear``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        weight_quant: str = "ternary",
        act_quant: str = "absmax",
        act_bits: int = 8,
        topk: float | None = None,
        norm: str = "rms",
        norm_eps: float = 1e-6,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(in_features, out_features, bias, device=device, dtype=dtype)
        if not 2 <= act_bits <= 8:
            raise ValueError(f"BitLinear.act_bits must be in [2, 8], got {act_bits}")
        if topk is not None and not 0.0 < topk <= 1.0:
            raise ValueError(f"BitLinear.topk must be in (0, 1] or None, got {topk}")
        self._weight_quant = resolve(WEIGHT_QUANTIZERS, weight_quant, "BitLinear.weight_quant")
        self._act_quant = resolve(ACT_QUANTIZERS, act_quant, "BitLinear.act_quant")
        self._norm = resolve(NORMS, norm, "BitLinear.norm")
        # The names are kept for the packed export and repr; behaviour uses the resolved functions.
        self.weight_quant, self.act_quant, self.norm = weight_quant, act_quant, norm
        self.act_bits, self.topk, self.norm_eps = act_bits, topk, norm_eps

    def forward(self, x: Tensor) -> Tensor:
        x_n = self.prepare_input(x)  # (..., K) float32
        xq, wq = self._act_quant(x_n, self.act_bits), self._weight_quant(self.weight)
        sx, sw = xq.scale.detach(), wq.scale.detach()  # (..., 1), ()
        # Integer levels carried as floats with the STE (eq. 158) on the scaled inputs: the gradient is
        # the one through the dequantised weight, and the product is exact in float32 (|sums| < 2**24),
        # so the packed layer reproduces it bit for bit (Alg. 15 steps 4-5: integer product, then rescale).
        x_int = ste(x_n / sx, xq.values)
        w_int = ste(self.weight / sw.to(self.weight.dtype), wq.values)
        y = F.linear(x_int, w_int.float()) * (sx * sw)
        y = y if self.bias is None else y + self.bias
        return y.to(x.dtype)

    def prepare_input(self, x: Tensor) -> Tensor:
        """Normalise and (a4.8 intermediate states) sparsify; float32 so quantisation is exact."""
        x = self._norm(x, self.norm_eps)
        return topk_sparsify(x, self.topk) if self.topk is not None else x

    def quantized_weight(self) -> tuple[Tensor, Tensor]:
        """The integer weight levels ``(N, K)`` and their scalar scale, for packing."""
        q = self._weight_quant(self.weight.detach())
        return q.values, q.scale

    def layer_config(self) -> dict:
        """Constructor arguments, so that the packed form can rebuild the same layer."""
        return {
            "in_features": self.in_features,
            "out_features": self.out_features,
            "bias": self.bias is not None,
            "weight_quant": self.weight_quant,
            "act_quant": self.act_quant,
            "act_bits": self.act_bits,
            "topk": self.topk,
            "norm": self.norm,
            "norm_eps": self.norm_eps,
        }

    def extra_repr(self) -> str:
        topk = f", topk={self.topk}" if self.topk is not None else ""
        return (
            f"{super().extra_repr()}, weight={self.weight_quant}, act={self.act_quant}{self.act_bits}"
            f"{topk}, norm={self.norm}"
        )


@dataclass(frozen=True)
class LayerSpec:
    """Quantisation of one BitLinear (the keyword arguments of :class:`BitLinear`)."""

    weight_quant: str
    act_quant: str
    act_bits: int
    topk: float | None = None


@dataclass(frozen=True)
class Variant:
    """A BitNet variant: the spec of input layers and of the intermediate-state layers."""

    inputs: LayerSpec
    inner: LayerSpec


VARIANTS: dict[str, Variant] = {
    # BitNet (arXiv:2310.11453): binary weights, 8-bit absmax activations.
    "1bit": Variant(LayerSpec("sign", "absmax", 8), LayerSpec("sign", "absmax", 8)),
    # BitNet b1.58 (arXiv:2402.17764): ternary weights, 8-bit absmax activations.
    "b1.58": Variant(LayerSpec("ternary", "absmax", 8), LayerSpec("ternary", "absmax", 8)),
    # BitNet a4.8 (arXiv:2411.04965): 4-bit absmean inputs to attention/FFN, 8-bit TopK-50% intermediate
    # states. Deviation: the paper's down projection gets its sparsity from a squared-ReLU GLU; here the
    # host model keeps its activation function and TopK sparsifies instead.
    "a4.8": Variant(LayerSpec("ternary", "absmean", 4), LayerSpec("ternary", "absmax", 8, topk=0.5)),
}

# Layers fed by intermediate states rather than by a normalised residual stream (Llama/Qwen/Mistral,
# OPT/BART, GPT-NeoX names). Only a4.8 treats them differently.
INNER_LAYERS = ("o_proj", "out_proj", "down_proj", "fc2", "dense_4h_to_h")


@dataclass
class SwapReport:
    """What :func:`swap_linear` changed.

    Attributes:
        variant: The variant name.
        swapped: Qualified names of the replaced ``nn.Linear`` modules.
        skipped: Qualified name -> reason, for excluded linears and linear-like layers not handled
            (GPT-2's ``Conv1D``).
        swapped_params: Parameters (weights and biases) now inside BitLinear layers.
        total_params: All parameters of the model (tied ones counted once).
    """

    variant: str
    swapped: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    swapped_params: int = 0
    total_params: int = 0

    @property
    def swapped_fraction(self) -> float:
        return self.swapped_params / max(self.total_params, 1)

    def summary(self) -> str:
        return (
            f"BitLinear {self.variant}: swapped {len(self.swapped)} layers "
            f"({self.swapped_params:,} of {self.total_params:,} parameters, {self.swapped_fraction:.1%}), "
            f"skipped {len(self.skipped)}"
        )


def swap_linear(
    model: nn.Module,
    variant: str = "b1.58",
    exclude: tuple[str, ...] = ("lm_head", "embed"),
    norm: str = "rms",
    inner_layers: tuple[str, ...] = INNER_LAYERS,
) -> SwapReport:
    """Replace every ``nn.Linear`` of ``model`` (in place) by a :class:`BitLinear` sharing its parameters.

    The embedding and LM head stay in full precision, as in BitNet (report §13.3.1, table 29 note).
    GPT-2 style ``Conv1D`` layers are not converted (their weight is stored transposed); they are listed
    in ``report.skipped``.

    Args:
        model: Any module, typically an HF causal LM.
        variant: ``"1bit"``, ``"b1.58"`` or ``"a4.8"``.
        exclude: A linear whose qualified name contains one of these substrings is left alone.
        norm: The BitLinear input normalisation (``"rms"``, ``"layer"`` or ``"none"``).
        inner_layers: Name suffixes of layers fed by intermediate states (a4.8's 8-bit TopK path).

    Returns:
        A :class:`SwapReport`.

    Raises:
        ValueError: An unknown variant (the message lists the valid ones), or nothing to swap.
    """
    spec = resolve(VARIANTS, variant, "bitlinear variant")
    resolve(NORMS, norm, "BitLinear.norm")
    report = SwapReport(variant=variant, total_params=sum(p.numel() for p in model.parameters()))
    conv1d = _conv1d_type()
    for name, module in list(model.named_modules())[1:]:  # the root cannot replace itself in place
        if isinstance(module, BitLinear):
            report.skipped[name] = "already BitLinear"
        elif isinstance(module, nn.Linear):
            if any(word in name for word in exclude):
                report.skipped[name] = "excluded"
                continue
            layer_spec = spec.inner if name.rsplit(".", 1)[-1] in inner_layers else spec.inputs
            _set_submodule(model, name, _to_bitlinear(module, layer_spec, norm))
            report.swapped.append(name)
            report.swapped_params += sum(p.numel() for p in module.parameters())
        elif conv1d is not None and isinstance(module, conv1d):
            report.skipped[name] = "Conv1D (GPT-2 layout) is not converted"
    if not report.swapped:
        raise ValueError(
            f"swap_linear found no nn.Linear to replace in {type(model).__name__}: {report.skipped}"
        )
    return report


def _to_bitlinear(linear: nn.Linear, spec: LayerSpec, norm: str) -> BitLinear:
    layer = BitLinear(
        linear.in_features,
        linear.out_features,
        linear.bias is not None,
        weight_quant=spec.weight_quant,
        act_quant=spec.act_quant,
        act_bits=spec.act_bits,
        topk=spec.topk,
        norm=norm,
        device="meta",
    )
    # Share, not copy: tied weights, optimiser state and hooks on the parameters stay valid.
    layer.weight = linear.weight
    layer.bias = linear.bias
    return layer


def _set_submodule(model: nn.Module, name: str, module: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent_name) if parent_name else model, child, module)


def _conv1d_type() -> type | None:
    """transformers' GPT-2 ``Conv1D`` class, or None when transformers is not installed."""
    try:
        from transformers.pytorch_utils import Conv1D
    except ImportError:
        return None
    return Conv1D

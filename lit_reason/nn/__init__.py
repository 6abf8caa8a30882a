"""Neural-network layers: BitLinear (BitNet 1-bit, b1.58, a4.8), model swap and packed ternary export."""

from lit_reason.nn.bitlinear import (
    INNER_LAYERS,
    VARIANTS,
    BitLinear,
    LayerSpec,
    SwapReport,
    Variant,
    swap_linear,
)
from lit_reason.nn.packed import (
    PackedBitLinear,
    load_packed,
    pack_model,
    pack_ternary,
    save_packed,
    unpack_ternary,
)
from lit_reason.nn.quant import (
    Quantized,
    act_absmax,
    act_absmean,
    layer_norm,
    rms_norm,
    ste,
    topk_sparsify,
    weight_sign,
    weight_ternary,
)

__all__ = [
    "INNER_LAYERS",
    "VARIANTS",
    "BitLinear",
    "LayerSpec",
    "PackedBitLinear",
    "Quantized",
    "SwapReport",
    "Variant",
    "act_absmax",
    "act_absmean",
    "layer_norm",
    "load_packed",
    "pack_model",
    "pack_ternary",
    "rms_norm",
    "save_packed",
    "ste",
    "swap_linear",
    "topk_sparsify",
    "unpack_ternary",
    "weight_sign",
    "weight_ternary",
]

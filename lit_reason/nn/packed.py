"""Packed ternary inference for BitLinear: 2 bits per weight, 4 weights per byte (report §13.2.2, §13.3.1).

``pack_model`` turns every :class:`BitLinear` of a trained model into a :class:`PackedBitLinear` holding
only the packed levels, one float32 scale and the bias; ``save_packed`` / ``load_packed`` round-trip
that form. The packed layer computes ``X~ W~^T`` on integers (Alg. 15 step 4) with the C kernel of
:mod:`lit_reason.nn._kernel`, or, without a compiler, by unpacking bounded row blocks in torch; it never
materialises the whole full-precision matrix.
"""

from __future__ import annotations

import ctypes
import os

import torch
from torch import Tensor, nn

from lit_reason.nn._kernel import load_kernel
from lit_reason.nn.bitlinear import BitLinear
from lit_reason.nn.quant import ACT_QUANTIZERS, NORMS, QUANT_EPS, resolve, topk_sparsify

PACK_FORMAT = "lit_reason.packed.v1"
_NORM_CODES = {"none": 0, "rms": 1, "layer": 2}
_ACT_CODES = {"absmax": 0, "absmean": 1}
_BLOCK_WEIGHTS = 1 << 20  # torch path: unpack at most this many weights (4 MiB as float32) at a time


def padded_in_features(in_features: int) -> int:
    """Rows are packed in chunks of 128 weights plus at most one chunk of 64: pad K to a multiple of 64."""
    return -(-in_features // 64) * 64


def pack_ternary(values: Tensor) -> Tensor:
    """Pack integer levels in {-1, 0, +1} into bytes, 4 per byte (code ``w + 1`` in 2 bits).

    Layout per row, chosen so that SIMD decoding lines up with consecutive activations: each chunk of
    128 weights becomes 32 bytes, byte ``j`` holding weight ``128c + 32s + j`` in bits ``2s..2s+1``; a
    last chunk of 64 weights becomes 16 bytes (``64``-weight planes of 16). ``K`` is zero-padded to a
    multiple of 64.

    Args:
        values: ``(N, K)`` tensor of -1, 0, +1 (any dtype).

    Returns:
        ``(N, padded_in_features(K) // 4)`` uint8.

    Raises:
        ValueError: A value outside {-1, 0, +1}.
    """
    n, k = values.shape
    codes = values.to(torch.int16) + 1
    if codes.numel() and (codes.min() < 0 or codes.max() > 2):
        raise ValueError("pack_ternary expects values in {-1, 0, +1}")
    codes = nn.functional.pad(codes, (0, padded_in_features(k) - k), value=1).to(torch.uint8)
    full = codes.shape[1] // 128 * 128
    parts = [_pack_planes(codes[:, :full].reshape(n, -1, 4, 32))]
    if codes.shape[1] > full:
        parts.append(_pack_planes(codes[:, full:].reshape(n, 1, 4, 16)))
    return torch.cat(parts, dim=1)


def _pack_planes(codes: Tensor) -> Tensor:
    """``(N, C, 4, P)`` 2-bit codes -> ``(N, C * P)`` bytes, plane ``s`` in bits ``2s..2s+1``."""
    packed = codes[:, :, 0] | codes[:, :, 1] << 2 | codes[:, :, 2] << 4 | codes[:, :, 3] << 6
    return packed.reshape(codes.shape[0], -1)


def unpack_ternary(packed: Tensor, in_features: int) -> Tensor:
    """Inverse of :func:`pack_ternary`: ``(N, K_pad // 4)`` uint8 -> ``(N, in_features)`` int8."""
    n, n_bytes = packed.shape
    full = n_bytes // 32 * 32
    shifts = torch.arange(0, 8, 2, dtype=torch.uint8, device=packed.device).view(1, 1, 4, 1)
    planes = [packed[:, :full].reshape(n, -1, 1, 32)]
    if n_bytes > full:
        planes.append(packed[:, full:].reshape(n, 1, 1, 16))
    codes = torch.cat([((p >> shifts) & 3).reshape(n, -1) for p in planes], dim=1)
    return (codes.to(torch.int8) - 1)[:, :in_features]


class PackedBitLinear(nn.Module):
    """Inference-only BitLinear over packed ternary weights (also holds 1-bit weights, as -1/+1 codes).

    The forward equals :class:`BitLinear`'s up to float rounding in the normalisation: normalise, quantise
    activations to integers per token, integer product with the ternary matrix, rescale by
    ``gamma_W gamma_X / Q`` (Alg. 15 steps 1-5), add the bias.

    Args:
        in_features: Input width ``K``.
        out_features: Output width ``N``.
        bias: Whether a bias buffer exists.
        weight_quant: The training-time weight quantiser (kept for the record; both pack alike).
        act_quant: ``"absmax"`` or ``"absmean"``.
        act_bits: Activation integer width.
        topk: Fraction of each token kept before quantisation, or None.
        norm: ``"rms"``, ``"layer"`` or ``"none"``.
        norm_eps: Normalisation epsilon.
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
    ) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight_quant, self.act_quant, self.act_bits = weight_quant, act_quant, act_bits
        self.topk, self.norm, self.norm_eps = topk, norm, norm_eps
        self._act = resolve(ACT_QUANTIZERS, act_quant, "PackedBitLinear.act_quant")
        self._norm = resolve(NORMS, norm, "PackedBitLinear.norm")
        n_bytes = padded_in_features(in_features) // 4
        self.register_buffer("packed", torch.ones(out_features, n_bytes, dtype=torch.uint8) * 0x55)
        self.register_buffer("weight_scale", torch.ones((), dtype=torch.float32))
        self.register_buffer("bias", torch.zeros(out_features) if bias else None)

    @classmethod
    def from_bitlinear(cls, layer: BitLinear) -> PackedBitLinear:
        """Pack a trained :class:`BitLinear` (its latent weights are quantised once, here)."""
        packed = cls(**layer.layer_config())
        values, scale = layer.quantized_weight()
        packed.packed.copy_(pack_ternary(values))
        packed.weight_scale.fill_(scale.item())
        if layer.bias is not None:
            packed.bias.copy_(layer.bias.detach().float())
        return packed.to(layer.weight.device)

    def layer_config(self) -> dict:
        """Constructor arguments, stored by :func:`save_packed`."""
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

    @property
    def nbytes(self) -> int:
        """Bytes of the packed weights, scale and bias."""
        return sum(b.numel() * b.element_size() for b in self.buffers())

    def forward(self, x: Tensor) -> Tensor:
        # The dtype and shape guards skip no-op dispatches: at batch-1 decode of small layers the Python
        # overhead is of the order of the product itself.
        x2 = x if x.dim() == 2 else x.reshape(-1, self.in_features)  # (M, K)
        x2 = x2 if x2.dtype == torch.float32 else x2.float()
        kernel = load_kernel() if x.is_cpu else None
        if kernel is not None:
            y = self._forward_kernel(kernel, x2)
        else:
            with torch.no_grad():
                y = self._forward_blocks(x2)
        y = y if x.dim() == 2 else y.reshape(*x.shape[:-1], self.out_features)
        return y if x.dtype == torch.float32 else y.to(x.dtype)

    def quantize_input(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Normalise, sparsify and quantise ``(M, K)`` activations: int8 ``(M, K_pad)``, scales ``(M,)``."""
        x = self._norm(x, self.norm_eps)
        if self.topk is not None:
            x = topk_sparsify(x, self.topk)
        q = self._act(x, self.act_bits)
        values = nn.functional.pad(q.values, (0, padded_in_features(self.in_features) - self.in_features))
        return values.to(torch.int8), q.scale.reshape(-1)

    def _forward_blocks(self, x: Tensor) -> Tensor:
        """Pure torch: unpack bounded row blocks; integer-valued float products are exact (< 2**24)."""
        xq, sx = self.quantize_input(x)
        xf = xq.float()
        y = torch.empty(x.shape[0], self.out_features, device=x.device)
        rows = max(1, _BLOCK_WEIGHTS // self.packed.shape[1] // 4)
        for r in range(0, self.out_features, rows):
            w = unpack_ternary(self.packed[r : r + rows], xf.shape[1]).float()  # (rows, K_pad)
            y[:, r : r + rows] = xf @ w.T
        y = y * (sx[:, None] * self.weight_scale)
        return y + self.bias if self.bias is not None else y

    def _forward_kernel(self, kernel: ctypes.CDLL, x: Tensor) -> Tensor:
        m, k = x.shape
        k_pad = padded_in_features(k)
        y = torch.empty(m, self.out_features)
        # model.to(bfloat16) casts the float buffers too; the kernel reads float32.
        bias_f32 = None if self.bias is None else self.bias.float().contiguous()
        bias = bias_f32.data_ptr() if bias_f32 is not None else None
        scale, threads = float(self.weight_scale), torch.get_num_threads()
        if self.topk is None and k_pad == k:
            # Common case: one call does normalisation, quantisation and the product.
            x = x.contiguous()
            norm, act, q = _NORM_CODES[self.norm], _ACT_CODES[self.act_quant], 2 ** (self.act_bits - 1) - 1
            status = kernel.bitlinear_forward(
                x.data_ptr(), m, k, norm, self.norm_eps, act, q, QUANT_EPS,
                self.packed.data_ptr(), scale, bias, y.data_ptr(), self.out_features, threads,
            )  # fmt: skip
            if status != 0:
                raise MemoryError("PackedBitLinear: the kernel could not allocate its activation buffers")
            return y
        xq, sx = self.quantize_input(x)
        kernel.ternary_linear(
            xq.data_ptr(), sx.data_ptr(), self.packed.data_ptr(), scale, bias,
            y.data_ptr(), m, k_pad, self.out_features, threads,
        )  # fmt: skip
        return y

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}, "
            f"act={self.act_quant}{self.act_bits}, topk={self.topk}, norm={self.norm}, packed=2bit"
        )


def pack_model(model: nn.Module) -> dict[str, dict]:
    """Replace every :class:`BitLinear` of ``model`` (in place) by its :class:`PackedBitLinear`.

    Args:
        model: A model swapped with :func:`~lit_reason.nn.bitlinear.swap_linear` and trained.

    Returns:
        Qualified name -> layer configuration of every packed layer of the model.
    """
    for name, module in list(model.named_modules()):
        if isinstance(module, BitLinear):
            parent, _, child = name.rpartition(".")
            setattr(
                model.get_submodule(parent) if parent else model,
                child,
                PackedBitLinear.from_bitlinear(module),
            )
    return {name: m.layer_config() for name, m in model.named_modules() if isinstance(m, PackedBitLinear)}


def save_packed(model: nn.Module, path: str | os.PathLike) -> None:
    """Save a packed model: the layer configurations and the whole state dict (other layers as they are).

    Raises:
        ValueError: The model still holds unpacked BitLinear layers (call :func:`pack_model` first) or
            holds no packed layer.
    """
    unpacked = [name for name, m in model.named_modules() if isinstance(m, BitLinear)]
    layers = {name: m.layer_config() for name, m in model.named_modules() if isinstance(m, PackedBitLinear)}
    if unpacked or not layers:
        raise ValueError(f"save_packed needs a model after pack_model; unpacked BitLinear layers: {unpacked}")
    torch.save({"format": PACK_FORMAT, "layers": layers, "state_dict": model.state_dict()}, path)


def load_packed(path: str | os.PathLike, model: nn.Module) -> nn.Module:
    """Load :func:`save_packed` output into ``model`` (same architecture; its linears get replaced).

    Args:
        path: File written by :func:`save_packed`.
        model: A model of the same architecture, e.g. built from the HF config: the modules named in
            the file are replaced by empty :class:`PackedBitLinear` layers, then the state dict loads
            strictly.

    Returns:
        ``model``, packed and loaded.

    Raises:
        ValueError: The file is not a packed lit-reason checkpoint.
    """
    blob = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(blob, dict) or blob.get("format") != PACK_FORMAT:
        raise ValueError(f"{path} is not a {PACK_FORMAT} file")
    for name, config in blob["layers"].items():
        parent, _, child = name.rpartition(".")
        setattr(model.get_submodule(parent) if parent else model, child, PackedBitLinear(**config))
    model.load_state_dict(blob["state_dict"], strict=True)
    return model

"""Packed 2-bit ternary export: layout, exact round trip, parity with BitLinear, save/load."""

import copy

import pytest
import torch
from torch.testing import assert_close

from lit_reason.nn import (
    BitLinear,
    PackedBitLinear,
    _kernel,
    load_packed,
    pack_model,
    pack_ternary,
    save_packed,
    swap_linear,
)
from lit_reason.nn.packed import unpack_ternary

HAS_KERNEL = _kernel.load_kernel() is not None


def test_layout_of_a_64_weight_row() -> None:
    w = torch.zeros(1, 64, dtype=torch.int8)
    w[0, 0], w[0, 16], w[0, 32], w[0, 48] = 1, -1, 0, 1
    packed = pack_ternary(w)
    # byte 0 holds weights 0, 16, 32, 48 as codes w + 1 = (2, 0, 1, 2) in bits 0-1, 2-3, 4-5, 6-7:
    # 2 + 0 * 4 + 1 * 16 + 2 * 64 = 146; every other byte holds four zeros: 0b01010101 = 85
    assert packed.shape == (1, 16) and packed.dtype == torch.uint8
    assert packed[0, 0].item() == 146
    assert packed[0, 1:].tolist() == [85] * 15


def test_layout_of_a_128_weight_chunk() -> None:
    w = torch.zeros(1, 128, dtype=torch.int8)
    w[0, 5 + 32 * 3] = -1  # plane 3 of byte 5: code 0 in bits 6-7 -> 85 - 64 = 21
    assert pack_ternary(w)[0, 5].item() == 21


@pytest.mark.parametrize("k", [64, 100, 128, 192, 576, 1536])
def test_pack_unpack_round_trip_is_exact(k: int) -> None:
    values = torch.randint(-1, 2, (7, k), dtype=torch.int8)
    packed = pack_ternary(values)
    assert packed.shape == (7, -(-k // 64) * 16)
    assert torch.equal(unpack_ternary(packed, k), values)


def test_pack_rejects_non_ternary() -> None:
    with pytest.raises(ValueError, match="-1, 0"):
        pack_ternary(torch.tensor([[2, 0]]))


def test_packed_memory_is_8x_below_bf16() -> None:
    layer = PackedBitLinear(4096, 4096, bias=False)
    # 4096 * 4096 / 4 bytes + 4 bytes of scale vs 4096 * 4096 * 2 bytes in bf16
    assert layer.nbytes == 4096 * 1024 + 4
    assert 4096 * 4096 * 2 / layer.nbytes > 7.99


LAYERS = [
    dict(in_features=576, out_features=40, bias=True),
    dict(in_features=100, out_features=9, bias=False),  # K padded to 128
    dict(in_features=192, out_features=16, bias=True, weight_quant="sign", norm="layer"),
    dict(in_features=128, out_features=16, bias=False, act_quant="absmean", act_bits=4),
    dict(in_features=256, out_features=16, bias=True, topk=0.5),
]


@pytest.mark.parametrize("config", LAYERS)
@pytest.mark.parametrize("tokens", [1, 3, 20])
def test_packed_layer_matches_bitlinear(config: dict, tokens: int) -> None:
    layer = BitLinear(**config)
    packed = PackedBitLinear.from_bitlinear(layer)
    x = torch.randn(2, tokens, config["in_features"])
    with torch.no_grad():
        expected = layer(x)
    assert_close(packed(x), expected, atol=1e-5, rtol=1e-5)  # the kernel path where available
    assert_close(
        packed._forward_blocks(x.reshape(-1, x.shape[-1])).reshape(expected.shape),
        expected,
        atol=1e-5,
        rtol=1e-5,
    )


def test_packed_layer_in_bfloat16_model() -> None:
    layer = BitLinear(64, 8, bias=True)
    with torch.no_grad():
        layer.bias.fill_(0.5)
    packed = PackedBitLinear.from_bitlinear(layer).to(torch.bfloat16)  # casts bias and scale buffers
    x = torch.randn(2, 64)
    with torch.no_grad():
        expected = layer(x)
    out = packed(x.bfloat16())
    assert out.dtype == torch.bfloat16
    # bf16 keeps 8 bits of mantissa: relative error below 2**-8 on outputs of order 1
    assert_close(out.float(), expected, atol=2e-2, rtol=1e-2)


@pytest.mark.skipif(not HAS_KERNEL, reason="no C compiler")
def test_kernel_and_torch_paths_agree_on_integers() -> None:
    layer = PackedBitLinear.from_bitlinear(BitLinear(320, 24, bias=False, norm="none"))
    x = torch.randint(-127, 128, (4, 320)).float()  # absmax 127 -> inv 1: the integers pass unchanged
    x[:, 0] = 127.0
    assert_close(layer(x), layer._forward_blocks(x), atol=0.0, rtol=0.0)


def test_no_kernel_env_gives_torch_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIT_REASON_NO_KERNEL", "1")
    _kernel.load_kernel.cache_clear()
    try:
        assert _kernel.load_kernel() is None
        layer = BitLinear(64, 8)
        x = torch.randn(1, 64)
        with torch.no_grad():
            assert_close(PackedBitLinear.from_bitlinear(layer)(x), layer(x), atol=1e-5, rtol=1e-5)
    finally:
        _kernel.load_kernel.cache_clear()


@pytest.mark.parametrize("variant", ["b1.58", "a4.8"])
def test_packed_tiny_llama_logits_match_and_save_load(variant: str, tmp_path, one_thread, tiny_llama) -> None:
    torch.manual_seed(0)
    model = tiny_llama()
    swap_linear(model, variant=variant)
    ids = torch.randint(0, 64, (2, 12))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(5):  # trained weights, not just the init
        loss = model(input_ids=ids, labels=ids).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        expected = model(input_ids=ids).logits
        decode = model(input_ids=ids[:1, :1]).logits  # batch-1 decode: the kernel path
    packed = copy.deepcopy(model)
    layers = pack_model(packed)
    assert len(layers) == 14 and not any(isinstance(m, BitLinear) for m in packed.modules())
    with torch.no_grad():
        assert_close(packed(input_ids=ids).logits, expected, atol=1e-4, rtol=1e-4)
        assert_close(packed(input_ids=ids[:1, :1]).logits, decode, atol=1e-4, rtol=1e-4)
        path = tmp_path / "packed.pt"
        save_packed(packed, path)
        fresh = load_packed(path, tiny_llama())  # a plain full-precision model of the same config
        assert_close(fresh(input_ids=ids).logits, packed(input_ids=ids).logits, atol=0.0, rtol=0.0)


def test_save_packed_refuses_an_unpacked_model(tmp_path, tiny_llama) -> None:
    model = tiny_llama()
    swap_linear(model)
    with pytest.raises(ValueError, match="pack_model"):
        save_packed(model, tmp_path / "x.pt")


def test_load_packed_rejects_other_files(tmp_path, tiny_llama) -> None:
    torch.save({"weights": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="lit_reason.packed.v1"):
        load_packed(tmp_path / "other.pt", tiny_llama())

"""BitLinear (report §13.1.3 Algorithm 15) and swap_linear on a tiny Llama."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.testing import assert_close
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.pytorch_utils import Conv1D

from lit_reason.nn import VARIANTS, BitLinear, swap_linear
from lit_reason.nn.quant import act_absmax, rms_norm, weight_ternary


def test_forward_is_algorithm_15_by_hand() -> None:
    layer = BitLinear(2, 2, bias=False, norm="none")
    layer.weight.data = torch.tensor([[0.3, -0.05], [-1.0, 0.45]])
    x = torch.tensor([[1.0, -2.0]])
    # W~ = [[1, 0], [-1, 1]], gamma_W = 0.45 (see test_quant); absmax(x) = 2 -> X~ = [64, -127], gamma_X / Q = 1/63.5
    # Y = X~ W~^T = [64, -64 - 127] = [64, -191]; Y^ = Y * 0.45 / 63.5 = [0.453543, -1.353543]
    assert_close(layer(x), torch.tensor([[28.8 / 63.5, -85.95 / 63.5]]))


def test_forward_equals_integer_product_with_rms_norm() -> None:
    layer = BitLinear(32, 8, bias=True)
    x = torch.randn(3, 5, 32)
    xq, wq = act_absmax(rms_norm(x)), weight_ternary(layer.weight)
    expected = (xq.values @ wq.values.T) * xq.scale * wq.scale + layer.bias
    assert_close(layer(x), expected.detach(), atol=1e-5, rtol=1e-5)


def test_latent_weight_gradient_is_the_quantised_weight_gradient() -> None:
    # eq. 158: dL/dW = dL/dW~ where W~ is the dequantised weight used in the forward.
    layer = BitLinear(16, 4, bias=False)
    x = torch.randn(6, 16)
    target = torch.randn(6, 4)
    F.mse_loss(layer(x), target).backward()
    w_tilde = weight_ternary(layer.weight.detach()).dequantize().requires_grad_()
    x_tilde = act_absmax(rms_norm(x)).dequantize()
    F.mse_loss(F.linear(x_tilde, w_tilde), target).backward()
    assert_close(layer.weight.grad, w_tilde.grad, atol=1e-6, rtol=1e-5)


def test_invalid_arguments_name_the_option() -> None:
    with pytest.raises(ValueError, match="BitLinear.weight_quant"):
        BitLinear(4, 4, weight_quant="binary")
    with pytest.raises(ValueError, match="BitLinear.act_bits"):
        BitLinear(4, 4, act_bits=1)
    with pytest.raises(ValueError, match="BitLinear.topk"):
        BitLinear(4, 4, topk=0.0)


def test_unknown_variant_lists_valid_names(tiny_llama) -> None:
    with pytest.raises(ValueError, match=r"\['1bit', 'a4.8', 'b1.58'\]"):
        swap_linear(tiny_llama(), variant="b2")


def test_swap_tiny_llama_report_and_sharing(tiny_llama) -> None:
    model = tiny_llama()
    q_weight = model.model.layers[0].self_attn.q_proj.weight
    report = swap_linear(model, variant="b1.58")
    # 2 layers x (q, k, v, o, gate, up, down) = 14; lm_head stays full precision
    assert len(report.swapped) == 14
    assert report.skipped == {"lm_head": "excluded"}
    # per layer 4 * 64 * 64 + 3 * 64 * 128 = 16384 + 24576 = 40960; two layers 81920
    assert report.swapped_params == 81920
    assert report.total_params == sum(p.numel() for p in model.parameters())
    q_proj = model.model.layers[0].self_attn.q_proj
    assert isinstance(q_proj, BitLinear)
    assert q_proj.weight is q_weight  # parameters are shared, not copied
    assert isinstance(model.lm_head, nn.Linear) and not isinstance(model.lm_head, BitLinear)
    assert "81,920" in report.summary()


def test_a48_gives_intermediate_layers_8bit_topk(tiny_llama) -> None:
    model = tiny_llama()
    swap_linear(model, variant="a4.8")
    attn, mlp = model.model.layers[0].self_attn, model.model.layers[0].mlp
    assert (attn.q_proj.act_quant, attn.q_proj.act_bits, attn.q_proj.topk) == ("absmean", 4, None)
    assert (attn.o_proj.act_quant, attn.o_proj.act_bits, attn.o_proj.topk) == ("absmax", 8, 0.5)
    assert (mlp.down_proj.act_bits, mlp.down_proj.topk) == (8, 0.5)
    assert mlp.up_proj.act_bits == 4


def test_gpt2_conv1d_is_reported_not_swapped() -> None:
    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=50, n_positions=16, n_embd=32, n_layer=1, n_head=2))
    with pytest.raises(ValueError, match="Conv1D"):
        swap_linear(gpt2)  # only Conv1D layers and the excluded lm_head: nothing to swap
    mixed = nn.Sequential(nn.Linear(4, 4), Conv1D(4, 4))
    report = swap_linear(mixed)
    assert report.swapped == ["0"]
    assert report.skipped == {"1": "Conv1D (GPT-2 layout) is not converted"}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_swapped_tiny_llama_trains(variant: str, one_thread, tiny_llama) -> None:
    torch.manual_seed(0)
    model = tiny_llama()
    swap_linear(model, variant=variant)
    ids = torch.randint(0, 64, (4, 16))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(15):
        loss = model(input_ids=ids, labels=ids).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    # ln(64) = 4.16 at the start; memorising 4 sequences must cut it well down
    assert losses[-1] < 0.7 * losses[0], losses

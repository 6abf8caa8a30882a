"""Lean MLP / RMSNorm autograd: outputs and gradients equal stock autograd's, with fewer saved bytes."""

from __future__ import annotations

import copy

import torch

from lit_reason.nn.lean import make_lean


def _loss_and_grads(model, ids):
    model.zero_grad()
    logits = model(input_ids=ids).logits
    loss = (logits.log_softmax(-1)[..., 0] * torch.linspace(-1, 1, ids.shape[1])).sum()
    loss.backward()
    return logits.detach(), {n: p.grad.clone() for n, p in model.named_parameters()}


def _saved_bytes(model, ids):
    storages = {}

    def pack(t):
        storages[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(input_ids=ids)
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    return sum(n for ptr, n in storages.items() if ptr not in params)


def test_lean_model_matches_stock_outputs_and_gradients(tiny_llama, one_thread):
    stock = tiny_llama().double()
    lean = copy.deepcopy(stock)
    # 2 layers x (MLP + 2 norms) + the final norm
    assert make_lean(lean) == 7
    ids = torch.randint(0, 64, (2, 9), generator=torch.Generator().manual_seed(0))
    want_logits, want = _loss_and_grads(stock, ids)
    got_logits, got = _loss_and_grads(lean, ids)
    torch.testing.assert_close(got_logits, want_logits, atol=1e-12, rtol=0)
    # RMSNorm computes in fp32 even for a double model (as Llama's does), so agreement is to fp32 rounding.
    for name in want:
        torch.testing.assert_close(got[name], want[name], atol=1e-6, rtol=1e-6, msg=name)


def test_lean_model_saves_less_for_backward(tiny_llama, one_thread):
    stock = tiny_llama()
    lean = copy.deepcopy(stock)
    make_lean(lean)
    ids = torch.randint(0, 64, (2, 9), generator=torch.Generator().manual_seed(0))
    before, after = _saved_bytes(stock, ids), _saved_bytes(lean, ids)
    # Per token and layer: the MLP drops silu(gate) and the product (2 x 128 floats), each norm its
    # normalised input (64 floats): 2 x 9 tokens x 2 layers x 4 B x (256 + 2 x 64) less, at least.
    assert before - after >= 2 * 9 * 2 * 4 * (256 + 2 * 64)


def test_frozen_weights_get_no_gradient_and_input_still_does(tiny_llama, one_thread):
    model = tiny_llama()
    make_lean(model)
    model.requires_grad_(False)
    embeds = model.get_input_embeddings()(torch.tensor([[1, 2, 3]])).detach().requires_grad_()
    model(inputs_embeds=embeds).logits.sum().backward()
    assert embeds.grad is not None and embeds.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.parameters())


def test_wrapped_projections_are_left_alone(tiny_llama):
    model = tiny_llama()
    mlp = model.model.layers[0].mlp
    mlp.up_proj = torch.nn.Sequential(mlp.up_proj)  # stands in for a LoRA / BitLinear wrapper
    make_lean(model)
    assert "forward" not in vars(mlp)
    assert "forward" in vars(model.model.layers[1].mlp)

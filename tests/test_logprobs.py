import pytest
import torch

from lit_reason.logprobs import chunked_token_logprobs


def _naive(h, w, b, t, temperature):
    z = (h @ w.t() + b) / temperature
    return z.log_softmax(-1).gather(-1, t[:, None]).squeeze(-1), z


@pytest.mark.parametrize("keep_elements", [0, 37 * 50], ids=["recompute", "kept-softmax"])
def test_chunked_logprobs_and_grads_match_naive_log_softmax(keep_elements):
    g = torch.Generator().manual_seed(0)
    h = torch.randn(37, 16, dtype=torch.float64, generator=g, requires_grad=True)
    w = torch.randn(50, 16, dtype=torch.float64, generator=g, requires_grad=True)
    b = torch.randn(50, dtype=torch.float64, generator=g, requires_grad=True)
    t = torch.randint(0, 50, (37,), generator=g)
    stats = chunked_token_logprobs(h, w, t, bias=b, temperature=0.7, chunk=8, entropy=True,
                                   keep_elements=keep_elements)
    ref, z = _naive(h, w, b, t, 0.7)
    torch.testing.assert_close(stats.logprobs, ref, atol=1e-12, rtol=1e-12)
    p = z.softmax(-1)
    torch.testing.assert_close(stats.entropy, -(p * z.log_softmax(-1)).sum(-1).detach(), atol=1e-12, rtol=1e-12)
    weights = torch.randn(37, dtype=torch.float64, generator=g)
    got = torch.autograd.grad((stats.logprobs * weights).sum(), [h, w, b])
    want = torch.autograd.grad((ref * weights).sum(), [h, w, b])
    for a, e in zip(got, want):
        torch.testing.assert_close(a, e, atol=1e-12, rtol=1e-12)


def test_second_backward_recomputes_what_the_first_used_up():
    g = torch.Generator().manual_seed(1)
    h = torch.randn(5, 4, dtype=torch.float64, generator=g, requires_grad=True)
    w = torch.randn(9, 4, dtype=torch.float64, generator=g, requires_grad=True)
    t = torch.randint(0, 9, (5,), generator=g)
    logp = chunked_token_logprobs(h, w, t).logprobs.sum()
    first = torch.autograd.grad(logp, [h, w], retain_graph=True)
    second = torch.autograd.grad(logp, [h, w])
    for a, b in zip(first, second):
        torch.testing.assert_close(a, b, atol=1e-12, rtol=1e-12)


def test_rejects_non_positive_temperature():
    with pytest.raises(ValueError, match="temperature"):
        chunked_token_logprobs(torch.zeros(1, 2), torch.zeros(3, 2), torch.zeros(1, dtype=torch.long), temperature=0)

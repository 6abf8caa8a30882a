"""Weight memory and batch-1 decode time of packed ternary BitLinear vs nn.Linear fp32 / bf16 on CPU.

Report §13.3.1 (table 29: memory) and §13.3.2 (table 30: CPU speed). Shapes: square layers 1024, 2048,
4096, and SmolLM2-135M (hidden 576, intermediate 1536, 30 layers, 9 query / 3 key-value heads of 64).

    PYTHONPATH=. .venv/bin/python benchmarks/bitlinear.py [--threads 1,2] [--repeats 30]

Times are the median over ``--repeats`` passes of one token (batch 1, the decode case) through the
layer, or through all 210 linear layers of SmolLM2-135M in order. The packed layer's time includes its
normalisation and activation quantisation (Alg. 15 steps 1-2), which nn.Linear does not do.
"""

from __future__ import annotations

import os

# Spinning OpenMP workers (the default wait policy) stall every parallel region by a scheduler quantum
# (~12 ms measured) on an oversubscribed CPU, for nn.Linear and the packed kernel alike; passive waiting
# avoids it. Must be set before torch loads libgomp; an explicit setting from the caller wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402

from lit_reason.nn import PackedBitLinear  # noqa: E402
from lit_reason.nn._kernel import load_kernel  # noqa: E402

MIB = 2**20
SQUARE = [1024, 2048, 4096]
SMOL_LAYERS, SMOL_EMBED = 30, (49152, 576)  # SmolLM2-135M: tied embedding / LM head stays full precision
SMOL_SHAPES = {  # (out, in)
    "q_proj": (576, 576),
    "k_proj": (192, 576),
    "v_proj": (192, 576),
    "o_proj": (576, 576),
    "gate_proj": (1536, 576),
    "up_proj": (1536, 576),
    "down_proj": (576, 1536),
}
TABLE_29 = {"700M": 3.5, "1.3B": 3.7, "3B": 4.0, "7B": 5.6, "13B": 6.5, "70B": 7.0}  # FP16 / b1.58 memory


def random_packed(out_features: int, in_features: int) -> PackedBitLinear:
    """A packed layer with random ternary codes (the speed does not depend on the values)."""
    layer = PackedBitLinear(in_features, out_features, bias=False)
    codes = torch.randint(0, 3, (out_features, layer.packed.shape[1], 4), dtype=torch.uint8)
    layer.packed.copy_(codes[..., 0] | codes[..., 1] << 2 | codes[..., 2] << 4 | codes[..., 3] << 6)
    layer.weight_scale.fill_(0.02)
    return layer


def stack(shapes: list[tuple[int, int]], kind: str) -> list[nn.Module]:
    if kind == "packed":
        return [random_packed(n, k) for n, k in shapes]
    dtype = torch.float32 if kind == "fp32" else torch.bfloat16
    return [nn.Linear(k, n, bias=False, dtype=dtype) for n, k in shapes]


def weight_bytes(layers: list[nn.Module]) -> int:
    return sum(t.numel() * t.element_size() for m in layers for t in [*m.parameters(), *m.buffers()])


@torch.inference_mode()
def time_per_token(layers: list[nn.Module], dtype: torch.dtype, repeats: int) -> float:
    """Median milliseconds for one token through every layer in order (each with its own input width)."""
    inputs = [torch.randn(1, m.in_features, dtype=dtype) for m in layers]
    for layer, x in zip(layers, inputs):
        layer(x)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for layer, x in zip(layers, inputs):
            layer(x)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def cases() -> list[tuple[str, list[tuple[int, int]]]]:
    smol = [SMOL_SHAPES[name] for _ in range(SMOL_LAYERS) for name in SMOL_SHAPES]
    return [(f"square {d}", [(d, d)]) for d in SQUARE] + [
        (f"smol {name}", [shape]) for name, shape in SMOL_SHAPES.items()
    ] + [("smol all 210 linears", smol)]  # fmt: skip


def memory_table() -> None:
    print("## Weight memory (MiB); ratio = bf16 / packed (target 8x; table 29 model-level ratios below)")
    print(f"{'case':<24}{'fp32':>10}{'bf16':>10}{'packed':>10}{'ratio':>8}")
    for name, shapes in cases():
        fp32 = sum(n * k for n, k in shapes) * 4
        packed = weight_bytes([PackedBitLinear(k, n, bias=False) for n, k in shapes])
        print(
            f"{name:<24}{fp32 / MIB:>10.2f}{fp32 / 2 / MIB:>10.2f}{packed / MIB:>10.2f}{fp32 / 2 / packed:>7.2f}x"
        )
    linear = sum(n * k for _ in range(SMOL_LAYERS) for n, k in SMOL_SHAPES.values())
    embed = SMOL_EMBED[0] * SMOL_EMBED[1]
    bf16_model, packed_model = (linear + embed) * 2, linear / 4 + embed * 2
    print(
        f"SmolLM2-135M whole model (bf16 embedding kept): bf16 {bf16_model / MIB:.1f} MiB, "
        f"packed {packed_model / MIB:.1f} MiB, ratio {bf16_model / packed_model:.2f}x; "
        f"report table 29 (FP16 / b1.58): " + ", ".join(f"{k} {v}x" for k, v in TABLE_29.items())
    )


def speed_table(threads: int, repeats: int) -> None:
    torch.set_num_threads(threads)
    print(f"\n## Batch-1 decode, ms per token, {threads} thread(s); speed-up = baseline / packed")
    print(f"{'case':<24}{'fp32':>10}{'bf16':>10}{'packed':>10}{'vs fp32':>9}{'vs bf16':>9}")
    for name, shapes in cases():
        fp32 = time_per_token(stack(shapes, "fp32"), torch.float32, repeats)
        bf16 = time_per_token(stack(shapes, "bf16"), torch.bfloat16, repeats)
        packed = time_per_token(stack(shapes, "packed"), torch.float32, repeats)
        print(
            f"{name:<24}{fp32:>10.3f}{bf16:>10.3f}{packed:>10.3f}{fp32 / packed:>8.2f}x{bf16 / packed:>8.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", default=f"1,{torch.get_num_threads()}", help="comma-separated counts")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    kernel = load_kernel()
    print(f"torch {torch.__version__}, CPU capability {torch.backends.cpu.get_cpu_capability()}, kernel: "
          f"{'C (ctypes)' if kernel is not None else 'none: pure-torch path'}, "
          f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}")  # fmt: skip
    memory_table()
    for threads in sorted({int(t) for t in args.threads.split(",")}):
        speed_table(threads, args.repeats)


if __name__ == "__main__":
    main()

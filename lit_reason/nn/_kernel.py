"""The C kernel behind :class:`lit_reason.nn.packed.PackedBitLinear`, compiled on first use.

The source is plain C (AVX2 intrinsics where the compiler targets them, a scalar loop otherwise) built
with the system C compiler into a per-user cache and called through ``ctypes``: no torch headers, so it
compiles in about a second. When no compiler is found or ``LIT_REASON_NO_KERNEL=1`` is set,
:func:`load_kernel` returns None and the packed layer uses its pure-torch path (same integers).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

SOURCE = r"""/* Ternary (2-bit packed) x int8 matrix product for lit_reason.nn.packed (BitNet inference, report 13.2.2).

   Layout of one packed row (K weights, K a multiple of 64): chunks of 128 weights take 32 bytes, byte j
   holding in bits 2s..2s+1 the code (w + 1) of weight 128c + 32s + j (s = 0..3); a final chunk of 64
   weights takes 16 bytes, byte j holding weight 128c + 16s + j. Planes of 32 consecutive weights line up
   with 32 consecutive activations, so AVX2 decodes a chunk with 4 shift+mask ops and multiplies with
   _mm256_sign_epi8 (x * sign(w): ternary weights need no multiplier, as Alg. 15 notes).

   Activations are int8 in [-127, 127] (absmax) or [-8, 7] (absmean 4-bit), never -128, so the
   sign trick cannot overflow; a row of 4 planes sums to at most 4 * 2 * 127 in int16 before widening. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif

static int32_t dot_tail(const uint8_t *p, const int8_t *x, int64_t k0, int64_t K) {
    int32_t acc = 0;
    for (; k0 + 128 <= K; k0 += 128, p += 32)
        for (int s = 0; s < 4; s++)
            for (int j = 0; j < 32; j++) acc += x[k0 + 32 * s + j] * (((p[j] >> (2 * s)) & 3) - 1);
    if (k0 + 64 <= K)
        for (int s = 0; s < 4; s++)
            for (int j = 0; j < 16; j++) acc += x[k0 + 16 * s + j] * (((p[j] >> (2 * s)) & 3) - 1);
    return acc;
}

static int32_t dot_row(const uint8_t *p, const int8_t *x, int64_t K) {
    int64_t k = 0;
    int32_t total = 0;
#ifdef __AVX2__
    const __m256i m3 = _mm256_set1_epi8(3), one8 = _mm256_set1_epi8(1), one16 = _mm256_set1_epi16(1);
    __m256i acc = _mm256_setzero_si256();
    for (; k + 128 <= K; k += 128, p += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)p);
        __m256i s16 = _mm256_setzero_si256();
        for (int s = 0; s < 4; s++) {
            __m256i w = _mm256_sub_epi8(_mm256_and_si256(_mm256_srli_epi16(v, 2 * s), m3), one8);
            __m256i xv = _mm256_loadu_si256((const __m256i *)(x + k + 32 * s));
            s16 = _mm256_add_epi16(s16, _mm256_maddubs_epi16(one8, _mm256_sign_epi8(xv, w)));
        }
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(s16, one16));
    }
    __m128i h = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    h = _mm_hadd_epi32(h, h);
    h = _mm_hadd_epi32(h, h);
    total = _mm_cvtsi128_si32(h);
#endif
    return total + dot_tail(p, x, k, K);
}

/* y[m, n] = (sum_k x[m, k] * w[n, k]) * sx[m] * w_scale + bias[n]  (bias may be NULL). */
void ternary_linear(const int8_t *x, const float *sx, const uint8_t *packed, float w_scale, const float *bias,
                    float *y, int64_t M, int64_t K, int64_t N, int nthreads) {
    const int64_t row_bytes = K / 4;
    /* Threads only pay off past a few million products: below, the fork/join costs more than it saves. */
#pragma omp parallel for num_threads(nthreads) schedule(static) if (N * K * M >= (1 << 22))
    for (int64_t n = 0; n < N; n++) {
        const uint8_t *p = packed + n * row_bytes;
        const float b = bias ? bias[n] : 0.0f;
        for (int64_t m = 0; m < M; m++) y[m * N + n] = (float)dot_row(p, x + m * K, K) * (sx[m] * w_scale) + b;
    }
}

/* Per-row normalisation (0 none, 1 RMS, 2 Layer) then quantisation (0 absmax to [-q, q], 1 absmean
   with sqrt(q) to [-q-1, q]): the same arithmetic as lit_reason.nn.quant in float32. */
void quantize_rows(const float *x, int8_t *xq, float *sx, int64_t M, int64_t K, int norm, float norm_eps,
                   int method, int q, float eps, float *work) {
    for (int64_t m = 0; m < M; m++) {
        const float *r = x + m * K;
        float mean = 0.0f, inv_std = 1.0f;
        if (norm == 2) {
            double s = 0.0;
            for (int64_t k = 0; k < K; k++) s += r[k];
            mean = (float)(s / K);
        }
        if (norm != 0) {
            double s = 0.0;
            for (int64_t k = 0; k < K; k++) s += (double)(r[k] - mean) * (r[k] - mean);
            inv_std = 1.0f / sqrtf((float)(s / K) + norm_eps);
        }
        double stat = 0.0;
        for (int64_t k = 0; k < K; k++) {
            work[k] = (r[k] - mean) * inv_std;
            float a = fabsf(work[k]);
            if (method == 0) stat = a > stat ? a : stat;
            else stat += a;
        }
        float s = method == 0 ? (float)stat : (float)(stat / K);
        float inv = (method == 0 ? (float)q : sqrtf((float)q)) / (s > eps ? s : eps);
        float lo = method == 0 ? -(float)q : -(float)q - 1.0f;
        for (int64_t k = 0; k < K; k++) {
            float v = nearbyintf(work[k] * inv);
            xq[m * K + k] = (int8_t)(v < lo ? lo : (v > q ? q : v));
        }
        sx[m] = 1.0f / inv;
    }
}

/* quantize_rows then ternary_linear in one call (K a multiple of 64): the batch-1 decode path, where
   the cost of a call from Python is comparable to the product itself. Returns 0, or -1 if out of memory. */
int bitlinear_forward(const float *x, int64_t M, int64_t K, int norm, float norm_eps, int method, int q, float eps,
                      const uint8_t *packed, float w_scale, const float *bias, float *y, int64_t N, int nthreads) {
    int8_t *xq = malloc(M * K);
    float *sx = malloc(M * sizeof(float)), *work = malloc(K * sizeof(float));
    int ok = xq && sx && work;
    if (ok) {
        quantize_rows(x, xq, sx, M, K, norm, norm_eps, method, q, eps, work);
        ternary_linear(xq, sx, packed, w_scale, bias, y, M, K, N, nthreads);
    }
    free(xq);
    free(sx);
    free(work);
    return ok ? 0 : -1;
}
"""

_FLAGS = ("-O3", "-march=native", "-fopenmp", "-shared", "-fPIC")
log = logging.getLogger(__name__)


@functools.cache
def load_kernel() -> ctypes.CDLL | None:
    """Compile (once per source, flags and host) and load the kernel; None if that is not possible.

    Runs on the first forward of a packed layer on CPU, never at import; the compilation (a C compiler
    subprocess, ~1 s) and the cache path are logged. ``LIT_REASON_NO_KERNEL=1`` skips it (pure-torch path);
    ``LIT_REASON_CACHE`` moves the cache; ``CC`` picks the compiler.
    """
    if os.environ.get("LIT_REASON_NO_KERNEL") == "1":
        return None
    compiler = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        warnings.warn("no C compiler found: PackedBitLinear uses its slower pure-torch path", stacklevel=2)
        return None
    # -march=native code is only valid on this host's CPU, hence the host in the key.
    key = hashlib.sha256(f"{SOURCE}{_FLAGS}{platform.node()}{platform.machine()}".encode()).hexdigest()[:16]
    cache = Path(os.environ.get("LIT_REASON_CACHE", Path.home() / ".cache" / "lit_reason")) / "kernels"
    lib_path = cache / f"ternary_{key}.so"
    if not lib_path.exists():
        log.info("PackedBitLinear: compiling the ternary kernel with %s into %s (once per host)", compiler, lib_path)
        try:
            _compile(compiler, cache, lib_path)
        except (OSError, subprocess.CalledProcessError) as err:
            warnings.warn(
                f"compiling the ternary kernel failed ({err}): using the pure-torch path", stacklevel=2
            )
            return None
    return _bind(ctypes.CDLL(str(lib_path)))


def _compile(compiler: str, cache: Path, lib_path: Path) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        src = Path(tmp) / "ternary.c"
        src.write_text(SOURCE)
        out = Path(tmp) / lib_path.name
        subprocess.run([compiler, *_FLAGS, str(src), "-o", str(out), "-lm"], check=True, capture_output=True)
        os.replace(out, lib_path)  # atomic: concurrent processes never load a half-written library


def _bind(lib: ctypes.CDLL) -> ctypes.CDLL:
    p, i64, f32, i32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_float, ctypes.c_int
    lib.ternary_linear.argtypes = [p, p, p, f32, p, p, i64, i64, i64, i32]
    lib.ternary_linear.restype = None
    lib.quantize_rows.argtypes = [p, p, p, i64, i64, i32, f32, i32, i32, f32, p]
    lib.quantize_rows.restype = None
    lib.bitlinear_forward.argtypes = [p, i64, i64, i32, f32, i32, i32, f32, p, f32, p, p, i64, i32]
    lib.bitlinear_forward.restype = ctypes.c_int
    return lib

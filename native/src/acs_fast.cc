// Implicit-GEMM ACS kernels for stride 1, same-size outputs (see acs_fast.h). Why not im2col + sgemm:
// a part has few output channels (Cout/3) and K = Cin·k², so writing the column buffer and packing it
// again cost more than the arithmetic. Here a tile of 64 consecutive output positions is the GEMM's N
// panel; each K row (input channel, tap) is a masked vector load from x at a constant offset, the masks
// (one per tap and 16 lanes) zero the reads that fall in the padding. Register tiles hold exactly the
// rows of a block (1–12), so a part of 11 channels wastes no lanes. The input gradient is the same
// kernel with negated offsets; the weight gradient reduces dy·x products along the positions. The
// microkernels exist twice, for AVX-512 and for AVX2 (16 registers of 8 lanes: blocks of at most 6 rows,
// a 16-lane unit as two vectors); a Kit names one set, and the loops around them are shared.
#include "acs_fast.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <tuple>
#include <vector>

#include "cpu.h"
#include "napi_args.h"
#include "registry.h"
#include "threadpool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ACS_FAST_X86 1
// GCC 12's avx512fintrin.h reads an uninitialised __Y inside _mm512_reduce_add_ps (a header false positive).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace acs {
namespace {

std::atomic<bool> g_enabled{true};

// Whether the fast path is enabled and isa() reaches `level` (never off x86: its kernels are x86 only).
bool enabled_at(Isa level) {
#ifdef ACS_FAST_X86
  return isa_has(level) && g_enabled.load(std::memory_order_relaxed);
#else
  (void)level;
  return false;
#endif
}

}  // namespace

bool acs_fast_usable() { return enabled_at(Isa::kAvx512); }
bool acs_fast_direct_usable() { return enabled_at(Isa::kAvx2); }
bool acs_fast_enabled() { return g_enabled.load(std::memory_order_relaxed); }

#ifdef ACS_FAST_X86
namespace {

#define ACS_FAST_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))
#define ACS_AVX2_TARGET __attribute__((target("avx2,fma")))
constexpr int kTile = 64;   // output positions per tile: 4 vectors of 16
constexpr int kChunk = 1024;  // positions per weight-gradient task

// A run of K rows: row i reads base + off + i·stride, with the masks of tap mi.
struct Seg {
  int64_t off, stride;
  int32_t count, mi;
};

struct Delta {
  int64_t d, h, w;
};

// Every part's taps, back to back (part i's tap t has mask index i·taps_per_part + t).
std::vector<Delta> deltas(const AcsFastConv& c, int sign) {
  std::vector<Delta> out;
  for (const AcsFastPart& p : c.parts) {
    for (const AcsFastTap& t : p.taps) out.push_back({sign * t.d, sign * t.h, sign * t.w});
  }
  return out;
}

int64_t flat(const AcsFastConv& p, const Delta& d) { return (d.d * p.H + d.h) * p.W + d.w; }

// Lane coordinates of kTile positions from q0; lanes at or past S get a coordinate no mask accepts.
struct alignas(64) Coords {
  int32_t d[kTile], h[kTile], w[kTile];
};

void coords(const AcsFastConv& p, int64_t q0, int64_t S, Coords& c) {
  // Filled a row (constant d, h) at a time: a tile spans few rows, and the former per-lane carry chain
  // of branches cost several percent of a 16-channel layer's time.
  const int64_t HW = p.H * p.W;
  int32_t d = static_cast<int32_t>(q0 / HW), h = static_cast<int32_t>((q0 % HW) / p.W), w = static_cast<int32_t>(q0 % p.W);
  const int32_t W = static_cast<int32_t>(p.W), H = static_cast<int32_t>(p.H);
  for (int l = 0; l < kTile;) {
    const int run = std::min<int>(kTile - l, W - w);
    for (int i = 0; i < run; ++i) {
      c.d[l + i] = d;
      c.h[l + i] = h;
      c.w[l + i] = w + i;
    }
    l += run;
    w = 0;
    if (++h == H) {
      h = 0;
      ++d;
    }
  }
  const int64_t valid = std::max<int64_t>(0, std::min<int64_t>(kTile, S - q0));
  for (int64_t l = valid; l < kTile; ++l) c.d[l] = 1 << 30;
}

// The taps' distinct offsets along each axis, and which one each tap uses: a tap's in-volume mask is the
// AND of three per-axis masks, so those are computed once per distinct offset (3 per axis for k = 3)
// rather than once per tap (27): with few channels, per-tile masks were a fifth of the work.
// Distinct offsets per axis: at most kAcsFastMaxKernel + a few (an ACS part's sampled axis), uint8_t indices.
constexpr size_t kMaxAxisOffsets = 255;

struct TapAxes {
  std::vector<int32_t> off[3];
  std::vector<uint8_t> idx;  // per tap, its offset index on axes 0, 1, 2
};

TapAxes tap_axes(const std::vector<Delta>& taps) {
  TapAxes ax;
  for (const Delta& t : taps) {
    const int64_t o[3] = {t.d, t.h, t.w};
    for (int a = 0; a < 3; ++a) {
      auto& v = ax.off[a];
      auto it = std::find(v.begin(), v.end(), static_cast<int32_t>(o[a]));
      if (it == v.end()) it = v.insert(v.end(), static_cast<int32_t>(o[a]));  // callers keep ≤ kMaxAxisOffsets
      ax.idx.push_back(static_cast<uint8_t>(it - v.begin()));
    }
  }
  return ax;
}

// masks[t·stride + v], v < 4 from the per-axis words am[axis][offset index] (bit l: lane l inside the
// volume along that axis): a tap's mask is the AND of its three axes' words.
void combine_tap_masks(const TapAxes& ax, const uint64_t (*am)[kMaxAxisOffsets], __mmask16* masks, int64_t stride) {
  const size_t ntaps = ax.idx.size() / 3;
  const uint8_t* id = ax.idx.data();
  for (size_t t = 0; t < ntaps; ++t, id += 3) {
    const uint64_t m = am[0][id[0]] & am[1][id[1]] & am[2][id[2]];
    std::memcpy(masks + stride * t, &m, sizeof m);  // little-endian: vector v's mask is bits 16v..16v+15
  }
}

// masks[t·stride + v], v < 4: lanes of vector v whose position shifted by tap t lies inside the volume.
// The four vectors' masks of an axis offset are one 64-bit word, so a tap costs two ANDs for the tile.
ACS_FAST_TARGET void tap_masks(const AcsFastConv& p, const Coords& c, const TapAxes& ax, __mmask16* masks,
                               int64_t stride) {
  const int64_t lim[3] = {p.D, p.H, p.W};
  const int32_t* crd[3] = {c.d, c.h, c.w};
  uint64_t am[3][kMaxAxisOffsets];
  for (int a = 0; a < 3; ++a) {
    const __m512i n = _mm512_set1_epi32(static_cast<int>(lim[a]));
    __m512i x[4];
    for (int v = 0; v < 4; ++v) x[v] = _mm512_load_si512(crd[a] + 16 * v);
    for (size_t i = 0; i < ax.off[a].size(); ++i) {
      const __m512i o = _mm512_set1_epi32(ax.off[a][i]);
      uint64_t m = 0;
      for (int v = 0; v < 4; ++v) {
        m |= static_cast<uint64_t>(_mm512_cmplt_epu32_mask(_mm512_add_epi32(x[v], o), n)) << (16 * v);
      }
      am[a][i] = m;
    }
  }
  combine_tap_masks(ax, am, masks, stride);
}

// The same with AVX2: eight lanes per compare, unsigned (x + o < n) as a signed compare with the sign bit
// flipped, so lanes left of the volume (x + o < 0) fail it too.
ACS_AVX2_TARGET void tap_masks_avx2(const AcsFastConv& p, const Coords& c, const TapAxes& ax, __mmask16* masks,
                                    int64_t stride) {
  const int64_t lim[3] = {p.D, p.H, p.W};
  const int32_t* crd[3] = {c.d, c.h, c.w};
  const __m256i flip = _mm256_set1_epi32(INT32_MIN);
  uint64_t am[3][kMaxAxisOffsets];
  for (int a = 0; a < 3; ++a) {
    const __m256i n = _mm256_xor_si256(_mm256_set1_epi32(static_cast<int>(lim[a])), flip);
    __m256i x[8];
    for (int v = 0; v < 8; ++v) x[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(crd[a] + 8 * v));
    for (size_t i = 0; i < ax.off[a].size(); ++i) {
      const __m256i o = _mm256_set1_epi32(ax.off[a][i]);
      uint64_t m = 0;
      for (int v = 0; v < 8; ++v) {
        const __m256i in = _mm256_cmpgt_epi32(n, _mm256_xor_si256(_mm256_add_epi32(x[v], o), flip));
        m |= static_cast<uint64_t>(_mm256_movemask_ps(_mm256_castsi256_ps(in))) << (8 * v);
      }
      am[a][i] = m;
    }
  }
  combine_tap_masks(ax, am, masks, stride);
}

void range_masks(int64_t q0, int64_t S, __mmask16* m, int n) {
  for (int v = 0; v < n; ++v) {
    const int64_t left = S - (q0 + 16 * v);
    m[v] = left >= 16 ? static_cast<__mmask16>(0xFFFF) : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
  }
}

// Where and how a microkernel writes its MR × 16·NV results: C rows ldc apart, the lanes in smask (one
// mask per vector); added to C (`accumulate`), plus bias[r] per row (or none); `stream` stores full,
// 64-byte-aligned vectors with non-temporal stores, which skip reading the line first (callers that
// stream issue a store fence before anything reads C).
struct Dst {
  float* c;
  int64_t ldc;
  const __mmask16* smask;
  bool accumulate, stream;
  const float* bias;
};

// C[0:MR, 0:16·NV] (=|+=) Σ_k a[k, 0:MR] · B[k, :], B rows taken from the segments.
template <int MR, int NV>
ACS_FAST_TARGET void micro(const Seg* segs, int nseg, const float* a, int64_t astep, const float* b0,
                           const __mmask16* masks, const Dst& d) {
  __m512 acc[MR][NV];
#pragma GCC unroll 12
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
  for (int s = 0; s < nseg; ++s) {
    const Seg sg = segs[s];
    __mmask16 m[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) m[v] = masks[sg.mi * 4 + v];
    const float* b = b0 + sg.off;
    for (int32_t i = 0; i < sg.count; ++i) {
      __m512 bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) bv[v] = _mm512_maskz_loadu_ps(m[v], b + 16 * v);
#pragma GCC unroll 12
      for (int r = 0; r < MR; ++r) {
        const __m512 av = _mm512_set1_ps(a[r]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(av, bv[v], acc[r][v]);
      }
      a += astep;
      b += sg.stride;
    }
  }
  // Dst's fields in locals: the stores below could alias it, and the compiler reloaded them per vector.
  float* const c = d.c;
  const int64_t ldc = d.ldc;
  const float* const bias = d.bias;
  const bool add = d.accumulate;
  __mmask16 sm[NV];
  bool full = true;
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    sm[v] = d.smask[v];
    full = full && sm[v] == 0xFFFF;
  }
  const bool stream = d.stream && full && !add;  // callers stream only what they overwrite
#pragma GCC unroll 12
  for (int r = 0; r < MR; ++r) {
    float* row = c + r * ldc;
    const __m512 bv = bias ? _mm512_set1_ps(bias[r]) : _mm512_setzero_ps();
    if (stream && (reinterpret_cast<uintptr_t>(row) & 63) == 0) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) _mm512_stream_ps(row + 16 * v, _mm512_add_ps(acc[r][v], bv));
      continue;
    }
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m512 o = _mm512_add_ps(acc[r][v], bv);
      if (add) o = _mm512_add_ps(o, _mm512_maskz_loadu_ps(sm[v], row + 16 * v));
      _mm512_mask_storeu_ps(row + 16 * v, sm[v], o);
    }
  }
}

// a: the block's K × MR values, row k at a + k·astep (astep = MR when packed).
using MicroFn = void (*)(const Seg*, int, const float*, int64_t, const float*, const __mmask16*, const Dst&);

// Blocks of up to 6 rows run 4 vectors wide; 7–12 rows run 2 vectors wide, twice per tile. *units: the
// 16-lane vectors one call covers.
MicroFn micro_for(int rows, int* units) {
  static const MicroFn t4[] = {nullptr, micro<1, 4>, micro<2, 4>, micro<3, 4>, micro<4, 4>, micro<5, 4>, micro<6, 4>};
  static const MicroFn t2[] = {micro<7, 2>, micro<8, 2>, micro<9, 2>, micro<10, 2>, micro<11, 2>, micro<12, 2>};
  *units = rows <= 6 ? 4 : 2;
  return rows <= 6 ? t4[rows] : t2[rows - 7];
}

// --- The AVX2 microkernels: the same contracts with 8-lane vectors and 16 registers, so a 16-lane unit
// of the tile is two vectors and a register block holds at most 6 rows. Masks stay 16-bit per unit;
// vmaskmovps wants lane masks, taken from a table of the 256 byte patterns.
struct alignas(32) LaneMasks {
  int32_t m[256][8];
};
constexpr LaneMasks make_lane_masks() {
  LaneMasks t{};
  for (int b = 0; b < 256; ++b)
    for (int l = 0; l < 8; ++l) t.m[b][l] = (b >> l) & 1 ? -1 : 0;
  return t;
}
constexpr LaneMasks kLaneMasks = make_lane_masks();

// The 8 mask bits of 8-lane vector `half` (0, 1, 2, …) of the 16-lane units starting at m.
inline int mask_byte(const __mmask16* m, int half) { return (m[half >> 1] >> (8 * (half & 1))) & 0xFF; }

ACS_AVX2_TARGET inline __m256i lanes8(int bits) {
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(kLaneMasks.m[bits]));
}
ACS_AVX2_TARGET inline __m256i lanes8(const __mmask16* m, int half) { return lanes8(mask_byte(m, half)); }
// 8 floats from p where `bits` (mask `m`) says so, zeros elsewhere; a plain load when all 8 are wanted.
ACS_AVX2_TARGET inline __m256 load8(const float* p, int bits, __m256i m) {
  return bits == 0xFF ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m);
}

// micro's contract for NU 16-lane units (2·NU vectors per row).
template <int MR, int NU>
ACS_AVX2_TARGET void micro_avx2(const Seg* segs, int nseg, const float* a, int64_t astep, const float* b0,
                                const __mmask16* masks, const Dst& d) {
  constexpr int NV = 2 * NU;
  __m256 acc[MR][NV];
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_setzero_ps();
  for (int s = 0; s < nseg; ++s) {
    const Seg sg = segs[s];
    __m256i m[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) m[v] = lanes8(masks + sg.mi * 4, v);
    const float* b = b0 + sg.off;
    for (int32_t i = 0; i < sg.count; ++i) {
      __m256 bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) bv[v] = _mm256_maskload_ps(b + 8 * v, m[v]);
#pragma GCC unroll 6
      for (int r = 0; r < MR; ++r) {
        const __m256 av = _mm256_broadcast_ss(a + r);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_fmadd_ps(av, bv[v], acc[r][v]);
      }
      a += astep;
      b += sg.stride;
    }
  }
  float* const c = d.c;
  const int64_t ldc = d.ldc;
  const float* const bias = d.bias;
  const bool add = d.accumulate;
  bool full = true;
  for (int u = 0; u < NU; ++u) full = full && d.smask[u] == 0xFFFF;
  const bool stream = d.stream && full && !add;
  __m256i sm[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) sm[v] = lanes8(d.smask, v);
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r) {
    float* row = c + r * ldc;
    const __m256 bv = bias ? _mm256_set1_ps(bias[r]) : _mm256_setzero_ps();
    if (stream && (reinterpret_cast<uintptr_t>(row) & 63) == 0) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) _mm256_stream_ps(row + 8 * v, _mm256_add_ps(acc[r][v], bv));
      continue;
    }
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m256 o = _mm256_add_ps(acc[r][v], bv);
      if (add) o = _mm256_add_ps(o, _mm256_maskload_ps(row + 8 * v, sm[v]));
      _mm256_maskstore_ps(row + 8 * v, sm[v], o);
    }
  }
}

// Blocks of 1–2 rows cover two units a call, 3–6 rows one.
MicroFn micro_for_avx2(int rows, int* units) {
  static const MicroFn t2[] = {nullptr, micro_avx2<1, 2>, micro_avx2<2, 2>};
  static const MicroFn t1[] = {micro_avx2<3, 1>, micro_avx2<4, 1>, micro_avx2<5, 1>, micro_avx2<6, 1>};
  *units = rows <= 2 ? 2 : 1;
  return rows <= 2 ? t2[rows] : t1[rows - 3];
}

// One register block: `rows` GEMM rows starting at r0, its packed A (K × rows) and its K segments.
struct Block {
  int64_t r0;  // first row in the output tensor's channel axis
  int rows;
  std::vector<float> a;
  std::vector<Seg> segs;
  int64_t out_off = 0;  // phase volume of the output (input gradient of a strided part)
  const float* bias = nullptr;  // per-row values added to the block's output (forward bias), or none
};

// Splits [r0, r1) into near-equal blocks of at most `max` rows.
template <typename Fn>
void split_rows(int64_t r0, int64_t r1, int64_t max, Fn fn) {
  const int64_t m = r1 - r0, nb = (m + max - 1) / max;
  for (int64_t b = 0; b < nb; ++b) fn(r0 + m * b / nb, r0 + m * (b + 1) / nb);
}

struct GroupSeg {
  int64_t gi, r0, r1;
};

// The groups a part's channels fall in, with the part's channels in each.
std::vector<GroupSeg> group_segments(const AcsFastConv& c, const AcsFastPart& p) {
  std::vector<GroupSeg> out;
  const int64_t Mg = c.Cout / c.groups;
  if (p.c1 <= p.c0) return out;
  for (int64_t gi = p.c0 / Mg; gi <= (p.c1 - 1) / Mg; ++gi) {
    out.push_back({gi, std::max(p.c0, gi * Mg), std::min(p.c1, (gi + 1) * Mg)});
  }
  return out;
}

// dw partial [MR, NB] (+=) Σ over `steps` vectors of dy rows · shifted x rows (one tap).
template <int MR, int NB>
ACS_FAST_TARGET void micro_dw(int steps, const float* dy, int64_t ldy, const float* xb, int64_t ldx,
                              const __mmask16* mk, const __mmask16* rm, float* out, int64_t ldo, int64_t cs) {
  __m512 acc[MR][NB];
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 6
    for (int j = 0; j < NB; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int s = 0; s < steps; ++s) {
    __m512 dv[MR];
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) dv[r] = _mm512_maskz_loadu_ps(rm[s], dy + r * ldy + 16 * s);
#pragma GCC unroll 6
    for (int j = 0; j < NB; ++j) {
      const __m512 xv = _mm512_maskz_loadu_ps(mk[s], xb + j * ldx + 16 * s);
#pragma GCC unroll 6
      for (int r = 0; r < MR; ++r) acc[r][j] = _mm512_fmadd_ps(dv[r], xv, acc[r][j]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 6
    for (int j = 0; j < NB; ++j) out[r * ldo + j * cs] += _mm512_reduce_add_ps(acc[r][j]);
}

using MicroDwFn = void (*)(int, const float*, int64_t, const float*, int64_t, const __mmask16*, const __mmask16*, float*,
                           int64_t, int64_t);

template <int MR>
MicroDwFn dw_for_nb(int nb) {
  static const MicroDwFn t[] = {micro_dw<MR, 1>, micro_dw<MR, 2>, micro_dw<MR, 3>,
                                micro_dw<MR, 4>, micro_dw<MR, 5>, micro_dw<MR, 6>};
  return t[nb - 1];
}

// Rows of dy (output channels) 1–6 per register block; 24 accumulators at most, so 5 and 6 rows take
// 4 input channels at a time, fewer rows take 6.
constexpr int kDwMaxRows = 6;
int dw_cols(int mr) { return mr <= 4 ? 6 : 4; }

MicroDwFn micro_dw_for(int mr, int nb) {
  switch (mr) {
    case 1: return dw_for_nb<1>(nb);
    case 2: return dw_for_nb<2>(nb);
    case 3: return dw_for_nb<3>(nb);
    case 4: return dw_for_nb<4>(nb);
    case 5: return nb <= 4 ? dw_for_nb<5>(nb) : nullptr;
    default: return nb <= 4 ? dw_for_nb<6>(nb) : nullptr;
  }
}

// micro_dw's contract with AVX2: each 16-lane step is two 8-lane halves summed into the same accumulators.
template <int MR, int NB>
ACS_AVX2_TARGET void micro_dw_avx2(int steps, const float* dy, int64_t ldy, const float* xb, int64_t ldx,
                                   const __mmask16* mk, const __mmask16* rm, float* out, int64_t ldo, int64_t cs) {
  __m256 acc[MR][NB];
#pragma GCC unroll 3
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 6
    for (int j = 0; j < NB; ++j) acc[r][j] = _mm256_setzero_ps();
  // vmaskmovps costs more than a plain load: plain loads wherever all 8 lanes are inside (dy: every step
  // but possibly the volume's last; x: away from the borders).
  const int whole = 2 * (steps - (steps > 0 && rm[steps - 1] != 0xFFFF));
  for (int h = 0; h < 2 * steps; ++h) {
    const int xbits = mask_byte(mk, h);
    const __m256i xm = lanes8(xbits);
    __m256 dv[MR];
#pragma GCC unroll 3
    for (int r = 0; r < MR; ++r) {
      const float* p = dy + r * ldy + 8 * h;
      dv[r] = h < whole ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, lanes8(rm, h));
    }
#pragma GCC unroll 6
    for (int j = 0; j < NB; ++j) {
      const __m256 xv = load8(xb + j * ldx + 8 * h, xbits, xm);
#pragma GCC unroll 3
      for (int r = 0; r < MR; ++r) acc[r][j] = _mm256_fmadd_ps(dv[r], xv, acc[r][j]);
    }
  }
#pragma GCC unroll 3
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 6
    for (int j = 0; j < NB; ++j) {
      const __m128 q = _mm_add_ps(_mm256_castps256_ps128(acc[r][j]), _mm256_extractf128_ps(acc[r][j], 1));
      const __m128 p = _mm_add_ps(q, _mm_movehl_ps(q, q));
      out[r * ldo + j * cs] += _mm_cvtss_f32(_mm_add_ss(p, _mm_shuffle_ps(p, p, 1)));
    }
}

// 1–3 rows of dy per block (12 accumulators at most): 6, 5 and 3 input channels at a time.
int dw_cols_avx2(int mr) { return mr == 1 ? 6 : mr == 2 ? 5 : 3; }

MicroDwFn micro_dw_for_avx2(int mr, int nb) {
  static const MicroDwFn t1[] = {micro_dw_avx2<1, 1>, micro_dw_avx2<1, 2>, micro_dw_avx2<1, 3>,
                                 micro_dw_avx2<1, 4>, micro_dw_avx2<1, 5>, micro_dw_avx2<1, 6>};
  static const MicroDwFn t2[] = {micro_dw_avx2<2, 1>, micro_dw_avx2<2, 2>, micro_dw_avx2<2, 3>,
                                 micro_dw_avx2<2, 4>, micro_dw_avx2<2, 5>};
  static const MicroDwFn t3[] = {micro_dw_avx2<3, 1>, micro_dw_avx2<3, 2>, micro_dw_avx2<3, 3>};
  return mr == 1 ? t1[nb - 1] : mr == 2 ? t2[nb - 1] : t3[nb - 1];
}

// One instruction set's microkernels and their block limits; the loops around them are shared.
struct Kit {
  int max_rows;  // rows of a forward / input-gradient register block
  MicroFn (*micro_for)(int rows, int* units);
  void (*tap_masks)(const AcsFastConv&, const Coords&, const TapAxes&, __mmask16*, int64_t);
  int dw_max_rows;
  int (*dw_cols)(int mr);
  MicroDwFn (*micro_dw_for)(int mr, int nb);
};

const Kit kAvx512Kit{12, micro_for, tap_masks, kDwMaxRows, dw_cols, micro_dw_for};
const Kit kAvx2Kit{6, micro_for_avx2, tap_masks_avx2, 3, dw_cols_avx2, micro_dw_for_avx2};

// Callers check acs_fast_direct_usable(), which needs AVX2 at least.
const Kit& current_kit() { return isa_has(Isa::kAvx512) ? kAvx512Kit : kAvx2Kit; }

// Outputs from this size (bytes) up are written with non-temporal stores: they do not fit in cache for the
// next op anyway, and stored normally they would evict the input rows the next tiles reread from L2.
// (Plain elementwise ops, which reread nothing, measured no gain from streaming, so only this kernel does.)
constexpr int64_t kStreamMinBytes = int64_t{4} << 20;

// Runs every block over every tile of every batch item: out[n, blk rows, tile] (=|+=) blocks' GEMMs
// with B read from in[n] + tile start.
void run_tiles(const Kit& kit, const AcsFastConv& p, const std::vector<Block>& blocks, const std::vector<Delta>& taps,
               const float* in, int64_t in_ch, float* out, int64_t out_ch, bool accumulate) {
  const int64_t S = p.D * p.H * p.W, nT = (S + kTile - 1) / kTile;
  const bool stream = !accumulate && p.N * out_ch * S * 4 >= kStreamMinBytes;
  const TapAxes ax = tap_axes(taps);
  // The next tile's leading edge: the input lines only it, not this tile, reads (at the largest tap offset),
  // one run per input row any segment reads. The hardware prefetchers lose track of that many streams
  // (one per channel and phase); fetching them a tile ahead made a cold-cache ACS layer ≈ 7 % faster.
  int64_t lead = 0;
  for (const Delta& t : taps) lead = std::max(lead, flat(p, t));
  lead += kTile;
  struct Run {
    int64_t base, stride, count;
    bool operator<(const Run& o) const { return std::tie(base, stride, count) < std::tie(o.base, o.stride, o.count); }
    bool operator==(const Run& o) const { return base == o.base && stride == o.stride && count == o.count; }
  };
  std::vector<Run> runs;  // a segment's rows without its tap's offset: the same few runs recur in every block
  for (const Block& blk : blocks) {
    for (const Seg& sg : blk.segs) runs.push_back({sg.off - flat(p, taps[sg.mi]), sg.stride, sg.count});
  }
  std::sort(runs.begin(), runs.end());
  runs.erase(std::unique(runs.begin(), runs.end()), runs.end());
  std::vector<int64_t> rows;
  for (const Run& r : runs) {
    for (int64_t i = 0; i < r.count; ++i) rows.push_back(r.base + i * r.stride + lead);
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  parallel_for(p.N * nT, [&](int64_t b, int64_t e, int) {
    Coords c;
    std::vector<__mmask16> masks(taps.size() * 4);
    __mmask16 smask[4];
    for (int64_t task = b; task < e; ++task) {
      const int64_t n = task / nT, q0 = (task % nT) * kTile;
      if (q0 + kTile < S) {
        const float* bn = in + n * in_ch * S + q0;
        // kTile floats span 4 lines, 5 when the edge is not line-aligned.
        for (const int64_t r : rows) {
          const char* l = reinterpret_cast<const char*>(bn + r);
          for (int k = 0; k < 5; ++k) _mm_prefetch(l + 64 * k, _MM_HINT_T0);
        }
      }
      coords(p, q0, S, c);
      kit.tap_masks(p, c, ax, masks.data(), 4);
      range_masks(q0, S, smask, 4);
      const float* bin = in + n * in_ch * S + q0;
      float* o = out + n * out_ch * S + q0;
      for (const Block& blk : blocks) {
        int units = 4;
        const MicroFn fn = kit.micro_for(blk.rows, &units);
        const int nseg = static_cast<int>(blk.segs.size());
        float* ob = o + blk.out_off + blk.r0 * S;
        // A call covers `units` of the tile's four 16-lane vectors; the tile's last vectors may lie past S.
        for (int u = 0; u < 4 && q0 + 16 * u < S; u += units) {
          fn(blk.segs.data(), nseg, blk.a.data(), blk.rows, bin + 16 * u, masks.data() + u,
             Dst{ob + 16 * u, S, smask + u, accumulate, stream, blk.bias});
        }
      }
    }
    if (stream) _mm_sfence();
  });
}


// One register block of a FastA over the 64-column tile at column q0 of B / C.
void gemm_block_tile(const FastA& A, size_t bi, const float* b, int64_t ldb, int64_t ncols, int64_t q0, float* c,
                     int64_t ldc, bool accumulate) {
  __mmask16 m[4];
  range_masks(q0, ncols, m, 4);
  const Seg seg{0, ldb, static_cast<int32_t>(A.K), 0};
  const int rows = A.rows[bi];
  int units = 4;
  const MicroFn fn = micro_for(rows, &units);
  float* cb = c + A.r0[bi] * ldc + q0;
  for (int u = 0; u < 4 && q0 + 16 * u < ncols; u += units) {
    fn(&seg, 1, A.block(bi), A.astep(bi), b + q0 + 16 * u, m + u, Dst{cb + 16 * u, ldc, m + u, accumulate, false, nullptr});
  }
}

}  // namespace

void acs_fast_pack_a(FastA& A, const float* a, int64_t M, int64_t K, int64_t lda, int64_t ska) {
  A.M = M;
  A.K = K;
  A.r0.clear();
  A.rows.clear();
  split_rows(0, M, 12, [&](int64_t r0, int64_t r1) {
    A.r0.push_back(r0);
    A.rows.push_back(static_cast<int>(r1 - r0));
  });
  A.ext = nullptr;
  if (lda == 1) {
    // Rows of a block are adjacent at every k (Wᵀ of a weight): the microkernel reads them in place.
    A.ext = a;
    A.ext_step = ska;
    return;
  }
  if (A.buf.size() < static_cast<size_t>(M * K)) A.buf.resize(static_cast<size_t>(M * K));
  // Deep layers carry megabytes of weights: pack in parallel, reading the block's rows side by side.
  parallel_for(static_cast<int64_t>(A.r0.size()), [&](int64_t s, int64_t e, int) {
    for (int64_t bi = s; bi < e; ++bi) {
      const int rows = A.rows[bi];
      float* p = A.buf.data() + K * A.r0[bi];
      const float* src = a + A.r0[bi] * lda;
      if (ska == 1) {
        for (int64_t k = 0; k < K; ++k) {
          for (int r = 0; r < rows; ++r) p[k * rows + r] = src[r * lda + k];
        }
      } else {
        for (int64_t k = 0; k < K; ++k) {
          for (int r = 0; r < rows; ++r) p[k * rows + r] = src[r * lda + k * ska];
        }
      }
    }
  });
}

ACS_FAST_TARGET void acs_fast_gather2(float* dst, const float* src, int64_t n) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    // Element 2·(n−1) is the last one read: the second load leaves out lane 15 (src[2i + 31]).
    const __m512 a = _mm512_loadu_ps(src + 2 * i), b = _mm512_maskz_loadu_ps(0x7FFF, src + 2 * i + 16);
    _mm512_storeu_ps(dst + i, _mm512_permutex2var_ps(a, even, b));
  }
  for (; i < n; ++i) dst[i] = src[2 * i];
}

ACS_FAST_TARGET void acs_fast_scatter_add2(float* dst, const float* src, int64_t n) {
  // Lane l of the two destination vectors takes src[l / 2] (even lanes only).
  const __m512i lo = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  const __m512i hi = _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(src + i);
    float* d = dst + 2 * i;
    const __m512 d0 = _mm512_loadu_ps(d), d1 = _mm512_maskz_loadu_ps(0x7FFF, d + 16);
    _mm512_storeu_ps(d, _mm512_mask_add_ps(d0, 0x5555, d0, _mm512_permutexvar_ps(lo, v)));
    _mm512_mask_storeu_ps(d + 16, 0x7FFF, _mm512_mask_add_ps(d1, 0x5555, d1, _mm512_permutexvar_ps(hi, v)));
  }
  for (; i < n; ++i) dst[2 * i] += src[i];
}

void acs_fast_gemm(const FastA& A, const float* b, int64_t ldb, int64_t ncols, float* c, int64_t ldc, bool accumulate) {
  for (int64_t q0 = 0; q0 < ncols; q0 += kTile) {
    for (size_t bi = 0; bi < A.r0.size(); ++bi) gemm_block_tile(A, bi, b, ldb, ncols, q0, c, ldc, accumulate);
  }
}

void acs_fast_gemm_parallel(const FastA& A, const float* b, int64_t ldb, int64_t ncols, float* c, int64_t ldc,
                            bool accumulate) {
  const int64_t nb = static_cast<int64_t>(A.r0.size()), nT = (ncols + kTile - 1) / kTile;
  parallel_for(nb * nT, [&](int64_t s, int64_t e, int) {
    for (int64_t t = s; t < e; ++t) gemm_block_tile(A, t % nb, b, ldb, ncols, (t / nb) * kTile, c, ldc, accumulate);
  });
}

void acs_fast_forward(const AcsFastConv& c, const float* x, const float* w, const float* bias, float* y) {
  const Kit& kit = current_kit();
  const int64_t S = c.D * c.H * c.W, kk = c.taps_per_part(), Cg = c.Cin / c.groups, Kg = Cg * kk;
  const std::vector<Delta> taps = deltas(c, 1);
  std::vector<Block> blocks;
  for (size_t pi = 0; pi < c.parts.size(); ++pi) {
    const AcsFastPart& p = c.parts[pi];
    for (const GroupSeg& gs : group_segments(c, p)) {
      split_rows(gs.r0, gs.r1, kit.max_rows, [&](int64_t r0, int64_t r1) {
        Block blk{r0, static_cast<int>(r1 - r0), {}, {}, 0, bias ? bias + r0 : nullptr};
        // K ordered (tap, ci): a tap's rows share masks and step by one channel.
        for (int64_t t = 0; t < kk; ++t) {
          const int64_t mi = static_cast<int64_t>(pi) * kk + t;
          blk.segs.push_back({p.taps[t].phase_off + gs.gi * Cg * S + flat(c, taps[mi]), S, static_cast<int32_t>(Cg),
                              static_cast<int32_t>(mi)});
        }
        blocks.push_back(std::move(blk));
      });
    }
  }
  // Deep layers carry megabytes of weights: pack blocks in parallel, reading each weight row in order.
  parallel_for(static_cast<int64_t>(blocks.size()), [&](int64_t b0, int64_t b1, int) {
    for (int64_t bi = b0; bi < b1; ++bi) {
      Block& blk = blocks[bi];
      blk.a.resize(static_cast<size_t>(Kg * blk.rows));
      for (int r = 0; r < blk.rows; ++r) {
        const float* src = w + (blk.r0 + r) * Kg;
        for (int64_t ci = 0; ci < Cg; ++ci) {
          for (int64_t t = 0; t < kk; ++t) blk.a[(t * Cg + ci) * blk.rows + r] = src[ci * kk + t];
        }
      }
    }
  });
  run_tiles(kit, c, blocks, taps, x, c.Cin, y, c.Cout, false);
}

void acs_fast_backward_input(const AcsFastConv& c, const float* dy, const float* w, float* dx, bool accumulate) {
  const Kit& kit = current_kit();
  const int64_t S = c.D * c.H * c.W, kk = c.taps_per_part(), Cg = c.Cin / c.groups, Kg = Cg * kk;
  // dx[ci, q] += Σ w[co, ci, t] · dy[co, q − offset(t)]: the forward kernel with negated offsets. A block
  // of input channels gathers every part's taps, so each dx tile is written once for all parts; one block
  // set per phase volume (a tap writes only its own phase).
  const std::vector<Delta> taps = deltas(c, -1);
  std::vector<int64_t> phases;
  for (const AcsFastPart& p : c.parts) {
    for (const AcsFastTap& t : p.taps) {
      if (std::find(phases.begin(), phases.end(), t.phase_off) == phases.end()) phases.push_back(t.phase_off);
    }
  }
  std::vector<std::vector<GroupSeg>> gsegs;
  for (const AcsFastPart& p : c.parts) gsegs.push_back(group_segments(c, p));
  std::vector<Block> blocks;
  struct SegSrc {
    int64_t co0, t;
  };
  std::vector<std::vector<SegSrc>> seg_src;  // per block, per segment: its first output channel and tap
  std::vector<SegSrc> srcs;
  for (const int64_t ph : phases) {
    for (int64_t gi = 0; gi < c.groups; ++gi) {
      split_rows(0, Cg, kit.max_rows, [&](int64_t i0, int64_t i1) {
        Block blk{gi * Cg + i0, static_cast<int>(i1 - i0), {}, {}, ph};
        for (size_t pi = 0; pi < c.parts.size(); ++pi) {
          const AcsFastPart& p = c.parts[pi];
          for (const GroupSeg& gs : gsegs[pi]) {
            if (gs.gi != gi) continue;
            const int64_t nco = gs.r1 - gs.r0;
            for (int64_t t = 0; t < kk; ++t) {
              if (p.taps[t].phase_off != ph) continue;
              const int64_t mi = static_cast<int64_t>(pi) * kk + t;
              blk.segs.push_back({gs.r0 * S + flat(c, taps[mi]), S, static_cast<int32_t>(nco), static_cast<int32_t>(mi)});
              srcs.push_back({gs.r0, t});
            }
          }
        }
        // Overwriting, a block no part reaches still writes its rows (zeros).
        if (!blk.segs.empty() || !accumulate) {
          blocks.push_back(std::move(blk));
          seg_src.push_back(std::move(srcs));
        }
        srcs.clear();
      });
    }
  }
  // Pack in parallel: segment j of a block holds w[co0 + co, ci, tap] for its co range, rows ci of the block.
  parallel_for(static_cast<int64_t>(blocks.size()), [&](int64_t b0, int64_t b1, int) {
    for (int64_t bi = b0; bi < b1; ++bi) {
      Block& blk = blocks[bi];
      const int64_t i0 = blk.r0 % Cg, rows = blk.rows;
      int64_t total = 0;
      for (const Seg& sg : blk.segs) total += sg.count;
      blk.a.resize(static_cast<size_t>(total * rows));
      float* dst = blk.a.data();
      for (size_t j = 0; j < blk.segs.size(); ++j) {
        const SegSrc& src = seg_src[bi][j];
        for (int32_t co = 0; co < blk.segs[j].count; ++co) {
          const float* wr = w + (src.co0 + co) * Kg + i0 * kk + src.t;
          for (int64_t r = 0; r < rows; ++r) *dst++ = wr[r * kk];
        }
      }
    }
  });
  run_tiles(kit, c, blocks, taps, dy, c.Cout, dx, c.Cin, accumulate);
}

void acs_fast_backward_weight(const AcsFastConv& c, const float* x, const float* dy, float* dw) {
  const Kit& kit = current_kit();
  const int64_t S = c.D * c.H * c.W, kk = c.taps_per_part(), Cg = c.Cin / c.groups, Kg = Cg * kk;
  const std::vector<Delta> taps = deltas(c, 1);
  const int64_t ntaps = static_cast<int64_t>(taps.size());
  std::vector<std::vector<GroupSeg>> gsegs;
  int64_t lo = c.Cout, hi = 0;
  for (const AcsFastPart& p : c.parts) {
    gsegs.push_back(group_segments(c, p));
    if (p.c1 > p.c0) {
      lo = std::min(lo, p.c0);
      hi = std::max(hi, p.c1);
    }
  }
  if (hi <= lo) return;
  const int64_t nC = (S + kChunk - 1) / kChunk, M = hi - lo, part_sz = M * Kg;
  const int nth = num_threads();
  std::vector<std::vector<float>> partial(nth);
  std::vector<char> used(nth, 0);
  const TapAxes ax = tap_axes(taps);
  parallel_for(c.N * nC, [&](int64_t b, int64_t e, int tid) {
    std::vector<float>& acc = partial[tid];
    acc.assign(part_sz, 0.f);
    used[tid] = 1;
    constexpr int kSteps = kChunk / 16;
    // mk[t][step]: tap masks per vector of the chunk (every part's taps); rm: positions < S.
    static_assert(kSteps % 4 == 0, "a chunk holds whole 64-position tiles");
    std::vector<__mmask16> mk(ntaps * kSteps);
    __mmask16 rm[kSteps];
    Coords crd;
    for (int64_t task = b; task < e; ++task) {
      const int64_t n = task / nC, q0 = (task % nC) * kChunk;
      const int steps = static_cast<int>((std::min(S, q0 + kChunk) - q0 + 15) / 16);
      for (int s0 = 0; s0 < steps; s0 += 4) {
        coords(c, q0 + 16 * s0, S, crd);
        kit.tap_masks(c, crd, ax, mk.data() + s0, kSteps);
      }
      range_masks(q0, S, rm, steps);
      for (size_t pi = 0; pi < c.parts.size(); ++pi) {
        const AcsFastPart& p = c.parts[pi];
        for (const GroupSeg& gs : gsegs[pi]) {
          const float* xg = x + (n * c.Cin + gs.gi * Cg) * S + q0;
          // Near-equal row blocks of at most dw_max_rows (a part of 11 channels: 6 + 5, not 4 + 4 + 3).
          const int64_t m = gs.r1 - gs.r0, nblk = (m + kit.dw_max_rows - 1) / kit.dw_max_rows;
          for (int64_t bi = 0; bi < nblk; ++bi) {
            const int64_t co = gs.r0 + m * bi / nblk;
            const int mr = static_cast<int>(gs.r0 + m * (bi + 1) / nblk - co), cols = kit.dw_cols(mr);
            const float* dyr = dy + (n * c.Cout + co) * S + q0;
            for (int64_t ci = 0; ci < Cg; ci += cols) {
              const int nb = static_cast<int>(std::min<int64_t>(cols, Cg - ci));
              const MicroDwFn fn = kit.micro_dw_for(mr, nb);
              // Taps innermost: the group's few x rows (and the dy rows) stay in L1 across the taps.
              for (int64_t t = 0; t < kk; ++t) {
                const int64_t mi = static_cast<int64_t>(pi) * kk + t;
                const float* xt = xg + p.taps[t].phase_off + flat(c, taps[mi]);
                fn(steps, dyr, S, xt + ci * S, S, mk.data() + mi * kSteps, rm, acc.data() + (t * M + co - lo) * Cg + ci,
                   Cg, 1);
              }
            }
          }
        }
      }
    }
  });
  // Partials are [tap][co][ci] (a micro-kernel's outputs on a few cache lines, one tap's slab compact);
  // dw is [co][ci][tap].
  parallel_for(M, [&](int64_t r0, int64_t r1, int) {
    for (int th = 0; th < nth; ++th) {
      if (!used[th]) continue;
      const float* q = partial[th].data();
      for (int64_t r = r0; r < r1; ++r) {
        float* o = dw + (lo + r) * Kg;
        for (int64_t t = 0; t < kk; ++t) {
          const float* src = q + (t * M + r) * Cg;
          for (int64_t ci = 0; ci < Cg; ++ci) o[ci * kk + t] += src[ci];
        }
      }
    }
  }, 4);
}

#else
void acs_fast_pack_a(FastA&, const float*, int64_t, int64_t, int64_t, int64_t) {}
void acs_fast_gemm(const FastA&, const float*, int64_t, int64_t, float*, int64_t, bool) {}
void acs_fast_gather2(float*, const float*, int64_t) {}
void acs_fast_scatter_add2(float*, const float*, int64_t) {}
void acs_fast_gemm_parallel(const FastA&, const float*, int64_t, int64_t, float*, int64_t, bool) {}
void acs_fast_forward(const AcsFastConv&, const float*, const float*, const float*, float*) {}
void acs_fast_backward_input(const AcsFastConv&, const float*, const float*, float*, bool) {}
void acs_fast_backward_weight(const AcsFastConv&, const float*, const float*, float*) {}
#endif

namespace {
// acsSetFastPath(enabled) → whether the implicit-GEMM path is now in use (false below AVX2).
Napi::Value AcsSetFastPath(const Napi::CallbackInfo& info) {
  g_enabled.store(flag(info, 0), std::memory_order_relaxed);
  return Napi::Boolean::New(info.Env(), acs_fast_direct_usable());
}
}  // namespace

}  // namespace acs

ACS_EXPORT("acsSetFastPath", acs::AcsSetFastPath);

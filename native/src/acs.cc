// ACS convolution kernels (DESIGN §4). One "part" is a contiguous range of output channels whose 2D
// kernels run in one plane of the volume (axial: H×W, coronal: D×W, sagittal: D×H) while the third
// axis is sampled. A part is a batch of 2D convolutions over a strided view of the input. Where its
// geometry allows, all parts run together on the implicit-GEMM kernels (acs_fast.cc; geometry and
// stride phases in acs_phases.cc); otherwise this file's paths run part by part: tiny outputs as one
// batched GEMM, the rest by im2col of the plane's k² taps (tiled along the flattened output so the column
// buffer stays in L2) and one GEMM straight into the part's channel slice of the output. No padded
// copies, no permutes, no concatenation. The transposed ACS conv is the input-gradient kernel run forward.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "acs_fast.h"
#include "acs_geo.h"
#include "elementwise.h"
#include "gemm.h"
#include "napi_args.h"
#include "registry.h"
#include "scratch.h"
#include "threadpool.h"

namespace acs {
namespace {

// A part's geometry as src/backend/acs.ts packs it: kGeoInts integers.
constexpr size_t kGeoInts = 23;

Geo geo_from(const int64_t* v) {
  Geo g;
  g.N = v[0]; g.Cin = v[1]; g.D = v[2]; g.H = v[3]; g.W = v[4]; g.Cout = v[5];
  g.oD = v[6]; g.oH = v[7]; g.oW = v[8]; g.k = v[9];
  for (int a = 0; a < 3; ++a) {
    g.st[a] = v[10 + a];
    g.pd[a] = v[13 + a];
    g.dl[a] = v[16 + a];
  }
  g.groups = v[19];
  g.plane = static_cast<int>(v[20] % 3);
  g.conv_rule = v[20] >= 3;
  g.c0 = v[21];
  g.c1 = v[22];
  return g;
}

// Input coordinate for every (axis, tap, output index); -1 where the tap reads padding.
// The sampled axis ignores the tap and follows DESIGN §4's sampling rule (the reference's shortcut
// 0, st, 2st… when it yields the right length, else floor(k/2) − pad + st·j).
struct Tables {
  int64_t k, omax;
  std::vector<int32_t> idx;  // [3][k][omax]
  // Every table is arithmetic (c = c0 + step·o) and valid on one contiguous range [lo, hi) of o, so the
  // W axis can be copied as runs instead of gathered element by element.
  struct Run {
    int64_t c0, step, lo, hi;
  };
  std::vector<Run> runs;  // [3][k]
  const int32_t* at(int a, int64_t t) const { return idx.data() + (a * k + t) * omax; }
  const Run& run(int a, int64_t t) const { return runs[a * k + t]; }

  explicit Tables(const Geo& g) : k(g.k) {
    const int64_t n[3] = {g.D, g.H, g.W};
    const int64_t o[3] = {g.oD, g.oH, g.oW};
    omax = std::max(o[0], std::max(o[1], o[2]));
    idx.assign(3 * k * omax, -1);
    runs.assign(3 * k, Run{0, 1, 0, 0});
    for (int a = 0; a < 3; ++a) {
      for (int64_t t = 0; t < k; ++t) {
        int32_t* row = idx.data() + (a * k + t) * omax;
        Run& r = runs[a * k + t];
        r.lo = o[a];
        r.hi = 0;
        for (int64_t j = 0; j < o[a]; ++j) {
          int64_t c;
          if (a == g.plane && g.conv_rule) {
            c = j * g.st[a] - g.pd[a];
          } else if (a == g.plane) {
            const bool same_or_half = o[a] == n[a] || 2 * o[a] == n[a];
            const bool len_ok = (n[a] + g.st[a] - 1) / g.st[a] == o[a];
            c = (same_or_half && len_ok) ? j * g.st[a] : k / 2 - g.pd[a] + g.st[a] * j;
          } else {
            c = j * g.st[a] - g.pd[a] + t * g.dl[a];
          }
          row[j] = (c >= 0 && c < n[a]) ? static_cast<int32_t>(c) : -1;
          if (j == 0) r.c0 = c;
          if (j == 1) r.step = c - r.c0;
          if (row[j] >= 0) {
            r.lo = std::min(r.lo, j);
            r.hi = std::max(r.hi, j + 1);
          }
        }
        if (r.hi < r.lo) r.hi = r.lo;
      }
    }
  }

  // The per-axis tables for plane tap (kp, kq): the first tap index goes to the first convolved axis
  // in D, H, W order (how the reference unsqueezes the 2D kernel).
  void taps(int plane, int64_t kp, int64_t kq, const int32_t* out[3], const Run** wrun) const {
    int64_t t[3];
    if (plane == 0) { t[0] = 0; t[1] = kp; t[2] = kq; }
    else if (plane == 1) { t[0] = kp; t[1] = 0; t[2] = kq; }
    else { t[0] = kp; t[1] = kq; t[2] = 0; }
    for (int a = 0; a < 3; ++a) out[a] = at(a, t[a]);
    *wrun = &run(2, t[2]);
  }
};

// Walks the flattened output positions [t0, t1) as runs along oW, calling fn(dst_offset, d, h, run,
// ow0) per run; d or h is -1 when the whole run reads padding.
template <typename Fn>
inline void walk_runs(const Geo& g, const int32_t* td, const int32_t* th, int64_t t0, int64_t t1, Fn fn) {
  const int64_t ohw = g.oH * g.oW;
  int64_t od = t0 / ohw, rem = t0 % ohw, oh = rem / g.oW, ow = rem % g.oW;
  int64_t s = t0;
  while (s < t1) {
    const int64_t run = std::min(g.oW - ow, t1 - s);
    fn(s - t0, td[od], th[oh], run, ow);
    s += run;
    ow = 0;
    if (++oh == g.oH) {
      oh = 0;
      ++od;
    }
  }
}

// col[(ci, kp, kq), t] (row stride ld) for channels [0, nc) of xc (already offset to the first channel).
void im2col(const Geo& g, const Tables& tb, const float* xc, int64_t nc, int64_t t0, int64_t t1, float* col, int64_t ld) {
  const bool vec = acs_fast_usable();  // stride-2 runs: permute two vectors instead of a scalar loop
  const int64_t HW = g.H * g.W, DHW = g.in_sp();
  for (int64_t ci = 0; ci < nc; ++ci) {
    const float* xch = xc + ci * DHW;
    for (int64_t kp = 0; kp < g.k; ++kp) {
      for (int64_t kq = 0; kq < g.k; ++kq) {
        const int32_t* tab[3];
        const Tables::Run* wr;
        tb.taps(g.plane, kp, kq, tab, &wr);
        float* c = col + ((ci * g.k + kp) * g.k + kq) * ld;
        walk_runs(g, tab[0], tab[1], t0, t1, [&](int64_t off, int32_t d, int32_t h, int64_t run, int64_t ow0) {
          float* dst = c + off;
          const int64_t lo = std::min(run, std::max<int64_t>(0, wr->lo - ow0));
          const int64_t hi = std::max(lo, std::min(run, wr->hi - ow0));
          if (d < 0 || h < 0 || hi == lo) {
            std::memset(dst, 0, sizeof(float) * run);
            return;
          }
          if (lo > 0) std::memset(dst, 0, sizeof(float) * lo);
          if (hi < run) std::memset(dst + hi, 0, sizeof(float) * (run - hi));
          const float* xr = xch + d * HW + h * g.W + wr->c0 + (ow0 + lo) * wr->step;
          if (wr->step == 1) {
            std::memcpy(dst + lo, xr, sizeof(float) * (hi - lo));
          } else if (wr->step == 2 && vec) {
            acs_fast_gather2(dst + lo, xr, hi - lo);
          } else {
            for (int64_t i = 0; i < hi - lo; ++i) dst[lo + i] = xr[i * wr->step];
          }
        });
      }
    }
  }
}

// The adjoint of im2col: dx[ci, tap position] += col[(ci, kp, kq), t] (row stride ld).
void col2im(const Geo& g, const Tables& tb, const float* col, int64_t nc, int64_t t0, int64_t t1, float* dxc, int64_t ld) {
  const bool vec = acs_fast_usable();
  const int64_t HW = g.H * g.W, DHW = g.in_sp();
  for (int64_t ci = 0; ci < nc; ++ci) {
    float* xch = dxc + ci * DHW;
    for (int64_t kp = 0; kp < g.k; ++kp) {
      for (int64_t kq = 0; kq < g.k; ++kq) {
        const int32_t* tab[3];
        const Tables::Run* wr;
        tb.taps(g.plane, kp, kq, tab, &wr);
        const float* c = col + ((ci * g.k + kp) * g.k + kq) * ld;
        walk_runs(g, tab[0], tab[1], t0, t1, [&](int64_t off, int32_t d, int32_t h, int64_t run, int64_t ow0) {
          const int64_t lo = std::min(run, std::max<int64_t>(0, wr->lo - ow0));
          const int64_t hi = std::max(lo, std::min(run, wr->hi - ow0));
          if (d < 0 || h < 0 || hi == lo) return;
          const float* src = c + off + lo;
          float* xr = xch + d * HW + h * g.W + wr->c0 + (ow0 + lo) * wr->step;
          if (wr->step == 1) {
            for (int64_t i = 0; i < hi - lo; ++i) xr[i] += src[i];
          } else if (wr->step == 2 && vec) {
            acs_fast_scatter_add2(xr, src, hi - lo);
          } else {
            for (int64_t i = 0; i < hi - lo; ++i) xr[i * wr->step] += src[i];
          }
        });
      }
    }
  }
}

// Output-tile width: the column buffer (rows × T floats) near 512 KiB so it stays in L2, yet enough
// tiles that every thread has work.
int64_t tile_width(int64_t rows, int64_t S, int64_t outer_tasks) {
  int64_t T = std::max<int64_t>(64, (131072 / std::max<int64_t>(rows, 1)) / 16 * 16);
  const int64_t want = 2 * num_threads();
  if (outer_tasks * ((S + T - 1) / T) < want) {
    const int64_t per = (want + outer_tasks - 1) / outer_tasks;
    T = std::max<int64_t>(16, (S + per - 1) / per);
  }
  return std::min(T, S);
}

// The part's output rows cut at group boundaries: (group, first row, end row). With groups = 1 this is
// the whole part; otherwise each segment reads only its group's input channels.
struct Segment {
  int64_t gi, r0, r1;
};

std::vector<Segment> segments(const Geo& g) {
  std::vector<Segment> out;
  const int64_t Mg = g.Mg();
  if (g.c1 <= g.c0) return out;
  for (int64_t gi = g.c0 / Mg; gi <= (g.c1 - 1) / Mg; ++gi) {
    out.push_back({gi, std::max(g.c0, gi * Mg), std::min(g.c1, (gi + 1) * Mg)});
  }
  return out;
}

FastA& kept_a() {
  thread_local FastA a;
  return a;
}

// Small outputs (deep layers: 2³–3³ positions per item) leave a per-item tile mostly empty lanes and
// give each GEMM a few columns. There the whole batch becomes one GEMM: col[Kg, N·S] (item n at
// columns n·S…), and sgemm threads internally over its large M×Kg panels.
constexpr int64_t kBatchedMaxS = 64;
constexpr int64_t kBatchedMaxCol = int64_t{1} << 22;  // floats in col (16 MiB)

// Below this the direct kernel's 64-lane tiles are mostly empty (2³ = 8 positions) and the batched GEMM
// wins the forward and input gradient too; from 3³ (27 positions) on, the direct kernel is faster (measured).
bool tiny_output(const Geo& g) { return g.out_sp() <= 16; }

bool batched_geometry(const Geo& g, const std::vector<Segment>& seg) {
  return acs_fast_enabled() && g.out_sp() < kBatchedMaxS && seg.size() <= 2 && g.Kg() * g.N * g.out_sp() <= kBatchedMaxCol;
}

// off[t·S + s]: input offset (within a channel) that tap t of output position s reads, or -1 for padding.
// With a few positions per item, runs along W are a handful of elements, so a table beats walk_runs.
std::vector<int32_t> tap_offsets(const Geo& g, const Tables& tb) {
  const int64_t S = g.out_sp(), kk = g.k * g.k;
  std::vector<int32_t> off(kk * S);
  for (int64_t kp = 0; kp < g.k; ++kp) {
    for (int64_t kq = 0; kq < g.k; ++kq) {
      const int32_t* tab[3];
      const Tables::Run* wr;
      tb.taps(g.plane, kp, kq, tab, &wr);
      int32_t* o = off.data() + (kp * g.k + kq) * S;
      for (int64_t s = 0; s < S; ++s) {
        const int64_t od = s / (g.oH * g.oW), oh = (s / g.oW) % g.oH, ow = s % g.oW;
        const int32_t d = tab[0][od], h = tab[1][oh], w = tab[2][ow];
        o[s] = (d < 0 || h < 0 || w < 0) ? -1 : static_cast<int32_t>((d * g.H + h) * g.W + w);
      }
    }
  }
  return off;
}

// col[(ci, t), n·S + s] = x[n, group channel ci, off[t, s]].
void batched_im2col(const Geo& g, const std::vector<int32_t>& off, const float* x, const Segment& sg, float* col) {
  const int64_t S = g.out_sp(), P = g.N * S, Cg = g.Cg(), DHW = g.in_sp(), kk = g.k * g.k;
  parallel_for(g.N * Cg, [&](int64_t b, int64_t e, int) {
    for (int64_t task = b; task < e; ++task) {
      const int64_t n = task / Cg, ci = task % Cg;
      const float* xc = x + (n * g.Cin + sg.gi * Cg + ci) * DHW;
      for (int64_t t = 0; t < kk; ++t) {
        float* c = col + (ci * kk + t) * P + n * S;
        const int32_t* o = off.data() + t * S;
        for (int64_t s = 0; s < S; ++s) c[s] = o[s] >= 0 ? xc[o[s]] : 0.f;
      }
    }
  });
}

// dyp[r, n·S + t] = dy[n, r0 + r, t].
void batched_pack_dy(const Geo& g, const Segment& sg, const float* dy, float* dyp) {
  const int64_t S = g.out_sp(), P = g.N * S, M = sg.r1 - sg.r0;
  for (int64_t n = 0; n < g.N; ++n) {
    for (int64_t r = 0; r < M; ++r) std::memcpy(dyp + r * P + n * S, dy + (n * g.Cout + sg.r0 + r) * S, sizeof(float) * S);
  }
}

void batched_forward(const Geo& g, const Tables& tb, const std::vector<Segment>& seg, const float* x, const float* w,
                     float* y) {
  const std::vector<int32_t> off = tap_offsets(g, tb);
  const int64_t S = g.out_sp(), P = g.N * S, Kg = g.Kg();
  float* col = scratch<kAcsBatchCol>(Kg * P);
  for (const Segment& sg : seg) {
    const int64_t M = sg.r1 - sg.r0;
    float* tmp = scratch<kAcsBatchRows>(M * P);
    batched_im2col(g, off, x, sg, col);
    if (acs_fast_usable()) {
      acs_fast_pack_a(kept_a(), w + sg.r0 * Kg, M, Kg, Kg, 1);
      acs_fast_gemm_parallel(kept_a(), col, P, P, tmp, P, false);
    } else {
      sgemm(false, false, M, P, Kg, 1.f, w + sg.r0 * Kg, Kg, col, P, 0.f, tmp, P, true);
    }
    for (int64_t n = 0; n < g.N; ++n) {
      for (int64_t r = 0; r < M; ++r) std::memcpy(y + (n * g.Cout + sg.r0 + r) * S, tmp + r * P + n * S, sizeof(float) * S);
    }
  }
}

void batched_backward_weight(const Geo& g, const Tables& tb, const std::vector<Segment>& seg, const float* x,
                             const float* dy, float* dw) {
  const std::vector<int32_t> off = tap_offsets(g, tb);
  const int64_t P = g.N * g.out_sp(), Kg = g.Kg();
  float* col = scratch<kAcsBatchCol>(Kg * P);
  for (const Segment& sg : seg) {
    const int64_t M = sg.r1 - sg.r0;
    float* dyp = scratch<kAcsBatchRows>(M * P);
    batched_im2col(g, off, x, sg, col);
    batched_pack_dy(g, sg, dy, dyp);
    sgemm(false, true, M, Kg, P, 1.f, dyp, P, col, P, 1.f, dw + sg.r0 * Kg, Kg, true);
  }
}

void batched_backward_input(const Geo& g, const Tables& tb, const std::vector<Segment>& seg, const float* dy,
                            const float* w, float* dx) {
  const std::vector<int32_t> off = tap_offsets(g, tb);
  const int64_t S = g.out_sp(), P = g.N * S, Kg = g.Kg(), Cg = g.Cg(), DHW = g.in_sp(), kk = g.k * g.k;
  float* col = scratch<kAcsBatchCol>(Kg * P);
  for (const Segment& sg : seg) {
    const int64_t M = sg.r1 - sg.r0;
    float* dyp = scratch<kAcsBatchRows>(M * P);
    batched_pack_dy(g, sg, dy, dyp);
    if (acs_fast_usable()) {
      acs_fast_pack_a(kept_a(), w + sg.r0 * Kg, Kg, M, 1, Kg);
      acs_fast_gemm_parallel(kept_a(), dyp, P, P, col, P, false);
    } else {
      sgemm(true, false, Kg, P, M, 1.f, w + sg.r0 * Kg, Kg, dyp, P, 0.f, col, P, true);
    }
    // Tasks own disjoint (item, input channel) pairs, so the scatter-add needs no atomics.
    parallel_for(g.N * Cg, [&](int64_t b, int64_t e, int) {
      for (int64_t task = b; task < e; ++task) {
        const int64_t n = task / Cg, ci = task % Cg;
        float* xc = dx + (n * g.Cin + sg.gi * Cg + ci) * DHW;
        for (int64_t t = 0; t < kk; ++t) {
          const float* c = col + (ci * kk + t) * P + n * S;
          const int32_t* o = off.data() + t * S;
          for (int64_t s = 0; s < S; ++s) {
            if (o[s] >= 0) xc[o[s]] += c[s];
          }
        }
      }
    });
  }
}

// y[n, c0:c1] = part convolution of x with w[c0:c1] (overwrites the slice), where the implicit-GEMM kernel
// does not apply (acs_forward tries it first).
void part_forward(const Geo& g, const float* x, const float* w, float* y) {
  const std::vector<Segment> seg = segments(g);
  if (seg.empty()) return;
  const Tables tb(g);
  if (batched_geometry(g, seg)) return batched_forward(g, tb, seg, x, w, y);
  const int64_t Cg = g.Cg(), Kg = g.Kg(), S = g.out_sp(), DHW = g.in_sp();
  const int64_t nG = static_cast<int64_t>(seg.size());
  const bool fast = acs_fast_usable();
  int64_t T = tile_width(Kg, S, g.N * nG);
  // The direct kernel's microkernel on the gathered tile: weights packed once into exact-height row
  // blocks (a part's Cout/3 rows waste no lanes), tiles a multiple of its 64 columns.
  std::vector<FastA> packs(fast ? nG : 0);
  if (fast) {
    T = std::min(S, std::max<int64_t>(64, T / 64 * 64));
    for (int64_t i = 0; i < nG; ++i) acs_fast_pack_a(packs[i], w + seg[i].r0 * Kg, seg[i].r1 - seg[i].r0, Kg, Kg, 1);
  }
  const int64_t nT = (S + T - 1) / T;
  parallel_for(g.N * nG * nT, [&](int64_t b, int64_t e, int) {
    float* col = scratch<kAcsTile>(Kg * T);
    for (int64_t task = b; task < e; ++task) {
      const int64_t tile = task % nT, n = task / (nT * nG), si = (task / nT) % nG;
      const Segment& sg = seg[si];
      const int64_t t0 = tile * T, t1 = std::min(S, t0 + T);
      im2col(g, tb, x + (n * g.Cin + sg.gi * Cg) * DHW, Cg, t0, t1, col, t1 - t0);
      float* yo = y + (n * g.Cout + sg.r0) * S + t0;
      if (fast) {
        acs_fast_gemm(packs[si], col, t1 - t0, t1 - t0, yo, S, false);
      } else {
        sgemm(false, false, sg.r1 - sg.r0, t1 - t0, Kg, 1.f, w + sg.r0 * Kg, Kg, col, t1 - t0, 0.f, yo, S, false);
      }
    }
  });
}

// dw[c0:c1] += Σ_n,t dy[n, c0:c1, t] · col[:, t]ᵀ, with per-thread partial sums reduced at the end.
void part_backward_weight(const Geo& g, const float* x, const float* dy, float* dw) {
  const std::vector<Segment> seg = segments(g);
  if (seg.empty()) return;
  const Tables tb(g);
  if (batched_geometry(g, seg)) return batched_backward_weight(g, tb, seg, x, dy, dw);
  const int64_t Cg = g.Cg(), Kg = g.Kg(), S = g.out_sp(), DHW = g.in_sp();
  const int64_t nG = static_cast<int64_t>(seg.size());
  const int64_t T = tile_width(Kg, S, g.N * nG), nT = (S + T - 1) / T;
  const int64_t part_sz = (g.c1 - g.c0) * Kg;
  const int nth = num_threads();
  std::vector<std::vector<float>> partial(nth);
  std::vector<char> used(nth, 0);
  // Group-major order, so a thread's contiguous chunk of tasks touches few groups.
  parallel_for(nG * g.N * nT, [&](int64_t b, int64_t e, int tid) {
    float* col = scratch<kAcsTile>(Kg * T);
    std::vector<float>& acc = partial[tid];
    acc.assign(part_sz, 0.f);
    used[tid] = 1;
    for (int64_t task = b; task < e; ++task) {
      const int64_t tile = task % nT, n = (task / nT) % g.N;
      const Segment& sg = seg[task / (nT * g.N)];
      const int64_t t0 = tile * T, t1 = std::min(S, t0 + T);
      im2col(g, tb, x + (n * g.Cin + sg.gi * Cg) * DHW, Cg, t0, t1, col, t1 - t0);
      sgemm(false, true, sg.r1 - sg.r0, Kg, t1 - t0, 1.f, dy + (n * g.Cout + sg.r0) * S + t0, S, col, t1 - t0,
            1.f, acc.data() + (sg.r0 - g.c0) * Kg, Kg, false);
    }
  });
  float* out = dw + g.c0 * Kg;
  for (int t = 0; t < nth; ++t) {
    if (!used[t]) continue;
    const float* p = partial[t].data();
    for (int64_t i = 0; i < part_sz; ++i) out[i] += p[i];
  }
}

// dx += col2im(w[c0:c1]ᵀ · dy[n, c0:c1]). Threads own disjoint input-channel blocks, so the scatter
// needs no atomics.
void part_backward_input(const Geo& g, const float* dy, const float* w, float* dx) {
  const std::vector<Segment> seg = segments(g);
  if (seg.empty()) return;
  const Tables tb(g);
  if (batched_geometry(g, seg)) return batched_backward_input(g, tb, seg, dy, w, dx);
  const int64_t Cg = g.Cg(), Kg = g.Kg(), S = g.out_sp(), DHW = g.in_sp(), kk = g.k * g.k;
  const int64_t nG = static_cast<int64_t>(seg.size());
  const int64_t want = 2 * num_threads();
  const int64_t blocks_per_group =
      std::min<int64_t>(Cg, std::max<int64_t>(1, (want + g.N * nG - 1) / (g.N * nG)));
  const int64_t B = (Cg + blocks_per_group - 1) / blocks_per_group;
  const int64_t nB = (Cg + B - 1) / B;
  const bool fast = acs_fast_usable();
  int64_t T = tile_width(B * kk, S, g.N * nG * nB);
  // Fast: Wᵀ rows of each (segment, channel block) packed once for the direct kernel's microkernel.
  std::vector<FastA> packs(fast ? nG * nB : 0);
  if (fast) {
    T = std::min(S, std::max<int64_t>(64, T / 64 * 64));
    for (int64_t i = 0; i < nG * nB; ++i) {
      const Segment& sg = seg[i / nB];
      const int64_t ci0 = (i % nB) * B, nc = std::min(Cg, ci0 + B) - ci0;
      acs_fast_pack_a(packs[i], w + sg.r0 * Kg + ci0 * kk, nc * kk, sg.r1 - sg.r0, 1, Kg);
    }
  }
  parallel_for(g.N * nG * nB, [&](int64_t b, int64_t e, int) {
    float* col = scratch<kAcsTile>(B * kk * T);
    for (int64_t task = b; task < e; ++task) {
      const int64_t blk = task % nB, n = task / (nB * nG), si = (task / nB) % nG;
      const Segment& sg = seg[si];
      const int64_t ci0 = blk * B, nc = std::min(Cg, ci0 + B) - ci0;
      for (int64_t t0 = 0; t0 < S; t0 += T) {
        const int64_t t1 = std::min(S, t0 + T);
        const float* dyo = dy + (n * g.Cout + sg.r0) * S + t0;
        if (fast) {
          acs_fast_gemm(packs[si * nB + blk], dyo, S, t1 - t0, col, t1 - t0, false);
        } else {
          sgemm(true, false, nc * kk, t1 - t0, sg.r1 - sg.r0, 1.f, w + sg.r0 * Kg + ci0 * kk, Kg, dyo, S, 0.f, col,
                t1 - t0, false);
        }
        col2im(g, tb, col, nc, t0, t1, dx + (n * g.Cin + sg.gi * Cg + ci0) * DHW, t1 - t0);
      }
    }
  });
}

// All parts of one ACS convolution as one AcsFastConv, when each of them takes the implicit-GEMM path
// (`tiles`: the tiled forward / input-gradient kernel, which tiny outputs leave to the batched GEMM; else
// the weight-gradient kernel, which batched geometries leave to it). Empty parts are dropped.
bool fused_geometry(const std::vector<Geo>& parts, bool tiles, AcsFastConv* c, bool* split) {
  c->parts.clear();
  for (const Geo& g : parts) {
    if (g.c1 <= g.c0) continue;
    AcsFastConv one;
    bool sp;
    if (!fast_geometry(g, &one, &sp)) return false;
    if (tiles ? tiny_output(g) : batched_geometry(g, segments(g))) return false;
    if (c->parts.empty()) {
      *c = one;
      *split = sp;
    } else {
      c->parts.push_back(std::move(one.parts[0]));
    }
  }
  return !c->parts.empty();
}

// Runs fn on x, or, for a strided geometry, on the stride phase volumes of x that the parts read.
template <typename Fn>
void with_phases(const Geo& g, const AcsFastConv& c, bool split, const float* x, Fn fn) {
  if (!split) return fn(x);
  const PhaseBuf xs(phase_count(g) * g.N * g.Cin * g.out_sp());
  split_phases(g, used_phases(g, c), x, xs.data());
  fn(xs.data());
}

// The entry points below take every part of one convolution. Where all of them can run on the
// implicit-GEMM kernel they run as one; otherwise each part alone (which may still run on it, since the
// weight gradient's batched test depends on the part's channels), and finally this file's own paths.

// y = every part's convolution (+ bias over the parts' channels).
void acs_forward(const std::vector<Geo>& parts, const float* x, const float* w, const float* bias, float* y) {
  AcsFastConv c;
  bool split;
  if (fused_geometry(parts, true, &c, &split)) {
    return with_phases(parts[0], c, split, x, [&](const float* xs) { acs_fast_forward(c, xs, w, bias, y); });
  }
  if (parts.size() > 1) {
    for (const Geo& p : parts) acs_forward({p}, x, w, bias, y);
    return;
  }
  const Geo& g = parts[0];
  part_forward(g, x, w, y);
  if (!bias) return;
  for (int64_t n = 0; n < g.N; ++n) add_channel(y + (n * g.Cout + g.c0) * g.out_sp(), bias + g.c0, 1, g.c1 - g.c0, g.out_sp());
}

// dx += every part's input gradient, or dx = it (`overwrite`: dx's contents are ignored). Fused and
// unstrided, dx is written once for all parts and never read.
void acs_backward_input(const std::vector<Geo>& parts, const float* dy, const float* w, float* dx, bool overwrite) {
  AcsFastConv c;
  bool split = false;
  const bool fused = fused_geometry(parts, true, &c, &split);
  if (fused && !split) return acs_fast_backward_input(c, dy, w, dx, !overwrite);
  const Geo& g = parts[0];
  if (overwrite) zero_fill(dx, g.N * g.Cin * g.in_sp());
  if (fused) {
    // Each tap writes its own phase volume of dx: accumulate there, then scatter back.
    const int64_t vol = g.N * g.Cin * g.out_sp();
    const PhaseBuf buf(phase_count(g) * vol);
    float* dxs = buf.data();
    const std::vector<int64_t> phases = used_phases(g, c);
    for (const int64_t ph : phases) zero_fill(dxs + ph * vol, vol);
    acs_fast_backward_input(c, dy, w, dxs, true);
    return merge_phases(g, phases, dxs, dx);
  }
  if (parts.size() > 1) {
    for (const Geo& p : parts) acs_backward_input({p}, dy, w, dx, false);
    return;
  }
  part_backward_input(g, dy, w, dx);
}

// dw += every part's weight gradient.
void acs_backward_weight(const std::vector<Geo>& parts, const float* x, const float* dy, float* dw) {
  AcsFastConv c;
  bool split;
  if (fused_geometry(parts, false, &c, &split)) {
    return with_phases(parts[0], c, split, x, [&](const float* xs) { acs_fast_backward_weight(c, xs, dy, dw); });
  }
  if (parts.size() > 1) {
    for (const Geo& p : parts) acs_backward_weight({p}, x, dy, dw);
    return;
  }
  part_backward_weight(parts[0], x, dy, dw);
}

// Several parts' geometries, back to back (kGeoInts entries each), sharing everything but the plane and
// channel range.
std::vector<Geo> parse_parts(const Napi::CallbackInfo& info, size_t i) {
  const std::vector<int64_t> v = ints(info, i);
  if (v.empty() || v.size() % kGeoInts) {
    throw Napi::TypeError::New(info.Env(), "acs: part geometries must have " + std::to_string(kGeoInts) + " entries each");
  }
  std::vector<Geo> out;
  for (size_t o = 0; o < v.size(); o += kGeoInts) out.push_back(geo_from(v.data() + o));
  for (const Geo& g : out) {
    const Geo& a = out[0];
    bool same = g.N == a.N && g.Cin == a.Cin && g.D == a.D && g.H == a.H && g.W == a.W && g.Cout == a.Cout &&
                g.oD == a.oD && g.oH == a.oH && g.oW == a.oW && g.k == a.k && g.groups == a.groups;
    for (int ax = 0; ax < 3; ++ax) same = same && g.st[ax] == a.st[ax] && g.pd[ax] == a.pd[ax] && g.dl[ax] == a.dl[ax];
    if (!same) throw Napi::TypeError::New(info.Env(), "acs: the parts of one convolution must share its geometry");
  }
  return out;
}

// acsForward(x, w, y, geos, bias | null)
Napi::Value AcsForward(const Napi::CallbackInfo& info) {
  acs_forward(parse_parts(info, 3), f32(info, 0), f32(info, 1), f32_or_null(info, 4), f32(info, 2));
  return info.Env().Undefined();
}

Napi::Value AcsBackwardWeight(const Napi::CallbackInfo& info) {
  acs_backward_weight(parse_parts(info, 3), f32(info, 0), f32(info, 1), f32(info, 2));
  return info.Env().Undefined();
}

// acsBackwardInput(dy, w, dx, geos, overwrite)
Napi::Value AcsBackwardInput(const Napi::CallbackInfo& info) {
  acs_backward_input(parse_parts(info, 3), f32(info, 0), f32(info, 1), f32(info, 2), flag(info, 4));
  return info.Env().Undefined();
}

}  // namespace
}  // namespace acs

// acsForward(x, w, y, geos, bias | null), acsBackwardWeight(x, dy, dw, geos), acsBackwardInput(dy, w, dx,
// geos, overwrite): geos holds every part's geometry back to back; the parts run together where the fast
// path allows.
ACS_EXPORT("acsForward", acs::AcsForward);
ACS_EXPORT("acsBackwardWeight", acs::AcsBackwardWeight);
ACS_EXPORT("acsBackwardInput", acs::AcsBackwardInput);

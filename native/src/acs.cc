// ACS convolution kernels (DESIGN §4). One "part" is a contiguous range of output channels whose 2D
// kernels run in one plane of the volume (axial: H×W, coronal: D×W, sagittal: D×H) while the third
// axis is sampled. A part is a batch of 2D convolutions over a strided view of the input: we im2col
// only the k² taps of its plane (tiled along the flattened output so the column buffer stays in L2)
// and one GEMM writes straight into the part's channel slice of the output. No padded copies, no
// permutes, no concatenation. The transposed ACS conv is the input-gradient kernel run forward.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "acs_fast.h"
#include "gemm.h"
#include "napi_args.h"
#include "registry.h"
#include "threadpool.h"

namespace acs {
namespace {

struct Geo {
  int64_t N, Cin, D, H, W, Cout, oD, oH, oW, k;
  int64_t st[3], pd[3], dl[3];
  int64_t groups;
  int plane;  // the sampled axis: 0 = D (axial part), 1 = H (coronal), 2 = W (sagittal)
  // Sampling along that axis: DESIGN §4's ACS rule, or Conv3d's with a unit kernel (Conv2_5d).
  bool conv_rule;
  int64_t c0, c1;
  int64_t in_sp() const { return D * H * W; }
  int64_t out_sp() const { return oD * oH * oW; }
  int64_t Mg() const { return Cout / groups; }
  int64_t Cg() const { return Cin / groups; }
  int64_t Kg() const { return Cg() * k * k; }
};

Geo parse_geo(const Napi::CallbackInfo& info, size_t i) {
  std::vector<int64_t> v = ints(info, i);
  if (v.size() != 23) throw Napi::TypeError::New(info.Env(), "acs: geometry must have 23 entries");
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

// col[(ci, kp, kq), t] for channels [0, nc) of xc (already offset to the first channel).
void im2col(const Geo& g, const Tables& tb, const float* xc, int64_t nc, int64_t t0, int64_t t1, float* col) {
  const int64_t T = t1 - t0, HW = g.H * g.W, DHW = g.in_sp();
  for (int64_t ci = 0; ci < nc; ++ci) {
    const float* xch = xc + ci * DHW;
    for (int64_t kp = 0; kp < g.k; ++kp) {
      for (int64_t kq = 0; kq < g.k; ++kq) {
        const int32_t* tab[3];
        const Tables::Run* wr;
        tb.taps(g.plane, kp, kq, tab, &wr);
        float* c = col + ((ci * g.k + kp) * g.k + kq) * T;
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
          } else {
            for (int64_t i = 0; i < hi - lo; ++i) dst[lo + i] = xr[i * wr->step];
          }
        });
      }
    }
  }
}

// The adjoint of im2col: dx[ci, tap position] += col[(ci, kp, kq), t].
void col2im(const Geo& g, const Tables& tb, const float* col, int64_t nc, int64_t t0, int64_t t1, float* dxc) {
  const int64_t T = t1 - t0, HW = g.H * g.W, DHW = g.in_sp();
  for (int64_t ci = 0; ci < nc; ++ci) {
    float* xch = dxc + ci * DHW;
    for (int64_t kp = 0; kp < g.k; ++kp) {
      for (int64_t kq = 0; kq < g.k; ++kq) {
        const int32_t* tab[3];
        const Tables::Run* wr;
        tb.taps(g.plane, kp, kq, tab, &wr);
        const float* c = col + ((ci * g.k + kp) * g.k + kq) * T;
        walk_runs(g, tab[0], tab[1], t0, t1, [&](int64_t off, int32_t d, int32_t h, int64_t run, int64_t ow0) {
          const int64_t lo = std::min(run, std::max<int64_t>(0, wr->lo - ow0));
          const int64_t hi = std::max(lo, std::min(run, wr->hi - ow0));
          if (d < 0 || h < 0 || hi == lo) return;
          const float* src = c + off + lo;
          float* xr = xch + d * HW + h * g.W + wr->c0 + (ow0 + lo) * wr->step;
          if (wr->step == 1) {
            for (int64_t i = 0; i < hi - lo; ++i) xr[i] += src[i];
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

std::vector<float>& workspace(size_t n) {
  thread_local std::vector<float> ws;
  if (ws.size() < n) ws.resize(n);
  return ws;
}

// The implicit-GEMM path (acs_fast.cc) applies when every axis has stride 1 and keeps its size.
bool fast_geometry(const Geo& g, AcsFastPart* f) {
  const int64_t n[3] = {g.D, g.H, g.W}, o[3] = {g.oD, g.oH, g.oW};
  for (int a = 0; a < 3; ++a) {
    if (g.st[a] != 1 || n[a] != o[a]) return false;
  }
  if (!acs_fast_usable()) return false;
  *f = AcsFastPart{g.N, g.Cin, g.Cout, g.D, g.H, g.W, g.k, g.groups, g.plane, g.c0, g.c1, {0, 0, 0}, {0, 0, 0}};
  for (int a = 0; a < 3; ++a) {
    if (a != g.plane) {
      f->off0[a] = -g.pd[a];
      f->step[a] = g.dl[a];
    } else if (g.conv_rule) {
      f->off0[a] = -g.pd[a];
    } else {
      // Tables' rule with stride 1: the shortcut (positions j) when o == n, which holds here.
      f->off0[a] = 0;
    }
  }
  return true;
}

// y[n, c0:c1] = part convolution of x with w[c0:c1] (overwrites the slice).
void part_forward(const Geo& g, const float* x, const float* w, float* y) {
  AcsFastPart f;
  if (fast_geometry(g, &f)) return acs_fast_forward(f, x, w, y);
  const Tables tb(g);
  const int64_t Cg = g.Cg(), Kg = g.Kg(), S = g.out_sp(), DHW = g.in_sp();
  const std::vector<Segment> seg = segments(g);
  const int64_t nG = static_cast<int64_t>(seg.size());
  if (nG == 0) return;
  const int64_t T = tile_width(Kg, S, g.N * nG), nT = (S + T - 1) / T;
  parallel_for(g.N * nG * nT, [&](int64_t b, int64_t e, int) {
    float* col = workspace(Kg * T).data();
    for (int64_t task = b; task < e; ++task) {
      const int64_t tile = task % nT, n = task / (nT * nG);
      const Segment& sg = seg[(task / nT) % nG];
      const int64_t t0 = tile * T, t1 = std::min(S, t0 + T);
      im2col(g, tb, x + (n * g.Cin + sg.gi * Cg) * DHW, Cg, t0, t1, col);
      sgemm(false, false, sg.r1 - sg.r0, t1 - t0, Kg, 1.f, w + sg.r0 * Kg, Kg, col, t1 - t0, 0.f,
            y + (n * g.Cout + sg.r0) * S + t0, S, false);
    }
  });
}

// dw[c0:c1] += Σ_n,t dy[n, c0:c1, t] · col[:, t]ᵀ, with per-thread partial sums reduced at the end.
void part_backward_weight(const Geo& g, const float* x, const float* dy, float* dw) {
  AcsFastPart f;
  if (fast_geometry(g, &f)) return acs_fast_backward_weight(f, x, dy, dw);
  const Tables tb(g);
  const int64_t Cg = g.Cg(), Kg = g.Kg(), S = g.out_sp(), DHW = g.in_sp();
  const std::vector<Segment> seg = segments(g);
  const int64_t nG = static_cast<int64_t>(seg.size());
  if (nG == 0) return;
  const int64_t T = tile_width(Kg, S, g.N * nG), nT = (S + T - 1) / T;
  const int64_t part_sz = (g.c1 - g.c0) * Kg;
  const int nth = num_threads();
  std::vector<std::vector<float>> partial(nth);
  std::vector<char> used(nth, 0);
  // Group-major order, so a thread's contiguous chunk of tasks touches few groups.
  parallel_for(nG * g.N * nT, [&](int64_t b, int64_t e, int tid) {
    float* col = workspace(Kg * T).data();
    std::vector<float>& acc = partial[tid];
    acc.assign(part_sz, 0.f);
    used[tid] = 1;
    for (int64_t task = b; task < e; ++task) {
      const int64_t tile = task % nT, n = (task / nT) % g.N;
      const Segment& sg = seg[task / (nT * g.N)];
      const int64_t t0 = tile * T, t1 = std::min(S, t0 + T);
      im2col(g, tb, x + (n * g.Cin + sg.gi * Cg) * DHW, Cg, t0, t1, col);
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
  AcsFastPart f;
  if (fast_geometry(g, &f)) return acs_fast_backward_input(f, dy, w, dx);
  const Tables tb(g);
  const int64_t Cg = g.Cg(), Kg = g.Kg(), S = g.out_sp(), DHW = g.in_sp(), kk = g.k * g.k;
  const std::vector<Segment> seg = segments(g);
  const int64_t nG = static_cast<int64_t>(seg.size());
  if (nG == 0) return;
  const int64_t want = 2 * num_threads();
  const int64_t blocks_per_group =
      std::min<int64_t>(Cg, std::max<int64_t>(1, (want + g.N * nG - 1) / (g.N * nG)));
  const int64_t B = (Cg + blocks_per_group - 1) / blocks_per_group;
  const int64_t nB = (Cg + B - 1) / B;
  const int64_t T = tile_width(B * kk, S, g.N * nG * nB);
  parallel_for(g.N * nG * nB, [&](int64_t b, int64_t e, int) {
    float* col = workspace(B * kk * T).data();
    for (int64_t task = b; task < e; ++task) {
      const int64_t blk = task % nB, n = task / (nB * nG);
      const Segment& sg = seg[(task / nB) % nG];
      const int64_t ci0 = blk * B, nc = std::min(Cg, ci0 + B) - ci0;
      for (int64_t t0 = 0; t0 < S; t0 += T) {
        const int64_t t1 = std::min(S, t0 + T);
        sgemm(true, false, nc * kk, t1 - t0, sg.r1 - sg.r0, 1.f, w + sg.r0 * Kg + ci0 * kk, Kg,
              dy + (n * g.Cout + sg.r0) * S + t0, S, 0.f, col, t1 - t0, false);
        col2im(g, tb, col, nc, t0, t1, dx + (n * g.Cin + sg.gi * Cg + ci0) * DHW);
      }
    }
  });
}

Napi::Value AcsPartForward(const Napi::CallbackInfo& info) {
  part_forward(parse_geo(info, 3), f32(info, 0), f32(info, 1), f32(info, 2));
  return info.Env().Undefined();
}

Napi::Value AcsPartBackwardWeight(const Napi::CallbackInfo& info) {
  part_backward_weight(parse_geo(info, 3), f32(info, 0), f32(info, 1), f32(info, 2));
  return info.Env().Undefined();
}

Napi::Value AcsPartBackwardInput(const Napi::CallbackInfo& info) {
  part_backward_input(parse_geo(info, 3), f32(info, 0), f32(info, 1), f32(info, 2));
  return info.Env().Undefined();
}

}  // namespace
}  // namespace acs

// acsPartForward(x, w, y, geo), acsPartBackwardWeight(x, dy, dw, geo), acsPartBackwardInput(dy, w, dx, geo)
ACS_EXPORT("acsPartForward", acs::AcsPartForward);
ACS_EXPORT("acsPartBackwardWeight", acs::AcsPartBackwardWeight);
ACS_EXPORT("acsPartBackwardInput", acs::AcsPartBackwardInput);

// The implicit-GEMM geometry of an ACS part (its taps as constant offsets) and the stride phase volumes
// that turn a strided part into a stride-1 one (acs_geo.h).
#include <cstring>
#include <vector>

#include "acs_fast.h"
#include "acs_geo.h"
#include "threadpool.h"

namespace acs {

// The implicit-GEMM path (acs_fast.cc) applies when every axis has o = ceil(n / stride): stride-1
// same-size parts, and strided ones with "same"-style padding (ResNet's 3×3 and 1×1 stride-2 convs, the 7×7
// stem). *split says whether x must first be split into phase volumes (some stride > 1).
bool fast_geometry(const Geo& g, AcsFastConv* f, bool* split) {
  const int64_t n[3] = {g.D, g.H, g.W}, o[3] = {g.oD, g.oH, g.oW};
  *split = false;
  for (int a = 0; a < 3; ++a) {
    if ((n[a] + g.st[a] - 1) / g.st[a] != o[a]) return false;
    if (g.st[a] > 1) *split = true;
  }
  if (!acs_fast_direct_usable() || g.k > kAcsFastMaxKernel) return false;
  *f = AcsFastConv{g.N, g.Cin, g.Cout, g.oD, g.oH, g.oW, g.groups, {AcsFastPart{g.c0, g.c1, {}}}};
  std::vector<AcsFastTap>& taps = f->parts[0].taps;
  // Input coordinate of output j along axis a for a tap: st·j + c, c = off[a] + t·step[a] (DESIGN §4).
  int64_t off[3], step[3];
  for (int a = 0; a < 3; ++a) {
    step[a] = 0;
    if (a != g.plane) {
      off[a] = -g.pd[a];
      step[a] = g.dl[a];
    } else if (g.conv_rule) {
      off[a] = -g.pd[a];
    } else {
      // Tables' rule: the shortcut (positions st·j) when it yields the right length, else k/2 − pad + st·j.
      const bool same_or_half = o[a] == n[a] || 2 * o[a] == n[a];
      off[a] = same_or_half ? 0 : g.k / 2 - g.pd[a];  // ceil(n / st) == o holds here
    }
  }
  const int64_t S = g.out_sp();
  for (int64_t kp = 0; kp < g.k; ++kp) {
    for (int64_t kq = 0; kq < g.k; ++kq) {
      int64_t t[3];
      if (g.plane == 0) { t[0] = 0; t[1] = kp; t[2] = kq; }
      else if (g.plane == 1) { t[0] = kp; t[1] = 0; t[2] = kq; }
      else { t[0] = kp; t[1] = kq; t[2] = 0; }
      int64_t q[3], phase = 0;
      for (int a = 0; a < 3; ++a) {
        const int64_t c = off[a] + t[a] * step[a];
        const int64_t ph = ((c % g.st[a]) + g.st[a]) % g.st[a];
        q[a] = (c - ph) / g.st[a];
        phase = phase * g.st[a] + ph;
      }
      taps.push_back({q[0], q[1], q[2], phase * g.N * g.Cin * S});
    }
  }
  return true;
}

// The phase volumes the parts' taps read (a part's sampled axis reads one phase of it).
std::vector<int64_t> used_phases(const Geo& g, const AcsFastConv& f) {
  std::vector<char> used(phase_count(g), 0);
  for (const AcsFastPart& p : f.parts) {
    for (const AcsFastTap& t : p.taps) used[t.phase_off / (g.N * g.Cin * g.out_sp())] = 1;
  }
  std::vector<int64_t> out;
  for (int64_t ph = 0; ph < phase_count(g); ++ph) {
    if (used[ph]) out.push_back(ph);
  }
  return out;
}

void split_phases(const Geo& g, const std::vector<int64_t>& phases, const float* x, float* xs) {
  const int64_t S = g.out_sp(), NC = g.N * g.Cin, np = static_cast<int64_t>(phases.size());
  const bool vec = acs_fast_usable() && g.st[2] == 2 && g.W >= 32;
  parallel_for(NC * np, [&](int64_t b, int64_t e, int) {
    for (int64_t task = b; task < e; ++task) {
      const int64_t ph = phases[task / NC], nc = task % NC;
      const int64_t pd = ph / (g.st[1] * g.st[2]), phh = (ph / g.st[2]) % g.st[1], pw = ph % g.st[2];
      const float* xc = x + nc * g.in_sp();
      float* out = xs + (ph * NC + nc) * S;
      const int64_t valid = (g.W - pw + g.st[2] - 1) / g.st[2];  // phase entries inside the row
      for (int64_t j = 0; j < g.oD; ++j) {
        const int64_t d = g.st[0] * j + pd;
        for (int64_t i = 0; i < g.oH; ++i) {
          float* o = out + (j * g.oH + i) * g.oW;
          const int64_t h = g.st[1] * i + phh;
          if (d >= g.D || h >= g.H) {
            std::memset(o, 0, sizeof(float) * g.oW);
            continue;
          }
          const float* xr = xc + (d * g.H + h) * g.W + pw;
          if (g.st[2] == 1) {
            std::memcpy(o, xr, sizeof(float) * g.W);
          } else if (vec) {
            acs_fast_gather2(o, xr, valid);
          } else {
            for (int64_t l = 0; l < valid; ++l) o[l] = xr[g.st[2] * l];
          }
          for (int64_t l = valid; l < g.oW; ++l) o[l] = 0.f;
        }
      }
    }
  });
}

// The adjoint of split_phases: dx[n, c, st·j + phase] += dxs[phase][n][c][j].
void merge_phases(const Geo& g, const std::vector<int64_t>& phases, const float* dxs, float* dx) {
  const int64_t S = g.out_sp(), NC = g.N * g.Cin;
  const bool vec = acs_fast_usable() && g.st[2] == 2 && g.W >= 32;
  // Threads own (n, c) planes; phases run inside so no two threads add into one plane.
  parallel_for(NC, [&](int64_t b, int64_t e, int) {
    for (int64_t nc = b; nc < e; ++nc) {
      float* xc = dx + nc * g.in_sp();
      for (const int64_t ph : phases) {
        const int64_t pd = ph / (g.st[1] * g.st[2]), phh = (ph / g.st[2]) % g.st[1], pw = ph % g.st[2];
        const float* in = dxs + (ph * NC + nc) * S;
        const int64_t cnt = (g.W - pw + g.st[2] - 1) / g.st[2];
        for (int64_t j = 0; j < g.oD; ++j) {
          const int64_t d = g.st[0] * j + pd;
          if (d >= g.D) break;
          for (int64_t i = 0; i < g.oH; ++i) {
            const int64_t h = g.st[1] * i + phh;
            if (h >= g.H) break;
            const float* src = in + (j * g.oH + i) * g.oW;
            float* xr = xc + (d * g.H + h) * g.W + pw;
            if (vec) {
              acs_fast_scatter_add2(xr, src, cnt);
            } else {
              for (int64_t l = 0; l < cnt; ++l) xr[g.st[2] * l] += src[l];
            }
          }
        }
      }
    }
  });
}

}  // namespace acs

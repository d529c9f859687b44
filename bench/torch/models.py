"""PyTorch side of bench/models.ts and bench/memory.ts: one model case per process.

Usage: /usr/bin/python3 bench/torch/models.py '<json case>'  → one JSON line on stdout:
  {"rssBeforeKB", "maxRssBeforeKB", "maxRssAfterKB", "peakReset", "times": [s, ...], "median": s}

The case (same keys as bench/models.ts sends to its own child):
  model      'resnet18' | 'unet' | 'cnn3d'
  conv       'acs' | '3d' | '2.5d'  (how the 2D model's Conv2d layers become 3D; ignored for cnn3d)
  mode       'step' (forward, loss, backward, optimizer step) | 'eval' (no-grad forward, eval mode)
  batch, size, inChannels, numClasses, optimizer ('sgd' | 'adam'), loss ('ce' | 'dice'),
  warmup, repeats, threads

Memory is measured on the FIRST step in this fresh process, exactly as the TypeScript child does:
the peak RSS is reset to the current RSS (/proc/self/clear_refs), then current RSS before the step and
the peak (VmHWM) after it (both KB). Then `warmup - 1` more
untimed steps and `repeats` timed ones.

ACS is the reference package's algorithm (ACSConv's acs_conv_f): three F.conv3d calls with the 2D
kernels unsqueezed to 1×k×k, k×1×k and k×k×1, the axis a part does not convolve sampled by the
reference's rule (the input as is when the output length is n or n/2, else zero-padded and sliced
from k//2), then torch.cat and the bias. 2.5D is Conv2_5d (F.conv3d with weight.unsqueeze(2),
padding 0 along D); 3D is a fresh nn.Conv3d with a k×k×k kernel. The converter mirrors the
reference's: BatchNorm2d → BatchNorm3d (statistics kept), pools → 3D with their arguments on three
axes, bilinear Upsample → trilinear, everything else unchanged.
"""
import gc
import json
import os
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


# ---- the reference ACS operator ---------------------------------------------------------------
def default_split(c):
    q, r = divmod(c, 3)
    return (q + (r >= 1), q + (r >= 2), q)


def _out_len(n, k, d, p, s):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def acs_conv_f(x, weight, bias, k, dilation, padding, stride, groups, split):
    """The reference's acs_conv_f (groups == 1 or depthwise), with 3-tuples dilation/padding/stride."""
    n = x.shape[2:]
    o = [_out_len(n[i], k, dilation[i], padding[i], stride[i]) for i in range(3)]
    a, c, _ = split
    ws = (weight[:a].unsqueeze(2), weight[a:a + c].unsqueeze(3), weight[a + c:].unsqueeze(4))
    if groups == 1:
        xs, gs = (x, x, x), (1, 1, 1)
    else:  # depthwise: each part convolves its own channel slice
        xs = (x[:, :a], x[:, a:a + c], x[:, a + c:])
        gs = split
    outs = []
    for ax in range(3):
        if split[ax] == 0:
            continue
        xi = xs[ax]
        if not (o[ax] == n[ax] or 2 * o[ax] == n[ax]):
            pads = [0, 0, 0, 0, 0, 0]
            pads[4 - 2 * ax] = pads[5 - 2 * ax] = padding[ax]
            start = k // 2
            xi = F.pad(xi, pads).narrow(2 + ax, start, (o[ax] - 1) * stride[ax] + 1)
        pad = list(padding)
        pad[ax] = 0
        outs.append(F.conv3d(xi, ws[ax], None, stride, pad, dilation, gs[ax]))
    out = torch.cat(outs, 1)
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1, 1)
    return out


def _t3(v):
    return (v,) * 3 if not isinstance(v, (tuple, list)) else (v[0],) * 3


class ACSConv(nn.Module):
    """Reference ACSConv: a 2D kernel bank [out, in/groups, k, k] applied in three planes."""

    def __init__(self, conv2d):
        super().__init__()
        self.weight = nn.Parameter(conv2d.weight.detach().clone())
        self.bias = nn.Parameter(conv2d.bias.detach().clone()) if conv2d.bias is not None else None
        self.k = conv2d.kernel_size[0]
        self.stride, self.padding, self.dilation = _t3(conv2d.stride), _t3(conv2d.padding), _t3(conv2d.dilation)
        self.groups = conv2d.groups
        self.split = default_split(conv2d.out_channels)

    def forward(self, x):
        return acs_conv_f(x, self.weight, self.bias, self.k, self.dilation, self.padding, self.stride, self.groups,
                          self.split)


class Conv2_5d(nn.Module):
    """Reference Conv2_5d (unsqueeze axis D): Conv3d with kernel 1×k×k, 2D weight unsqueezed per call."""

    def __init__(self, conv2d):
        super().__init__()
        self.weight = nn.Parameter(conv2d.weight.detach().clone())
        self.bias = nn.Parameter(conv2d.bias.detach().clone()) if conv2d.bias is not None else None
        s, p, d = _t3(conv2d.stride), _t3(conv2d.padding), _t3(conv2d.dilation)
        self.stride, self.padding, self.dilation = s, (0, p[1], p[2]), (1, d[1], d[2])
        self.groups = conv2d.groups

    def forward(self, x):
        return F.conv3d(x, self.weight.unsqueeze(2), self.bias, self.stride, self.padding, self.dilation, self.groups)


def conv3d_from(conv2d):
    """The reference Conv3dConverter without I3D inflation: a freshly initialised k×k×k Conv3d."""
    return nn.Conv3d(conv2d.in_channels, conv2d.out_channels, conv2d.kernel_size[0], _t3(conv2d.stride),
                     _t3(conv2d.padding), _t3(conv2d.dilation), conv2d.groups, conv2d.bias is not None)


def convert(model, target):
    for name, child in list(model.named_children()):
        if isinstance(child, nn.Conv2d):
            new = ACSConv(child) if target == "acs" else Conv2_5d(child) if target == "2.5d" else conv3d_from(child)
        elif isinstance(child, nn.BatchNorm2d):
            new = nn.BatchNorm3d(child.num_features, child.eps, child.momentum, child.affine,
                                 child.track_running_stats)
            new.load_state_dict(child.state_dict())
        elif isinstance(child, nn.MaxPool2d):
            new = nn.MaxPool3d(_t3(child.kernel_size), _t3(child.stride), _t3(child.padding), _t3(child.dilation),
                               ceil_mode=child.ceil_mode)
        elif isinstance(child, nn.AdaptiveAvgPool2d):
            new = nn.AdaptiveAvgPool3d(_t3(child.output_size))
        elif isinstance(child, nn.Upsample):
            mode = "trilinear" if child.mode == "bilinear" else child.mode
            new = nn.Upsample(size=child.size, scale_factor=child.scale_factor, mode=mode,
                              align_corners=child.align_corners)
        else:
            convert(child, target)
            continue
        setattr(model, name, new)
    return model


# ---- models: the PoC UNet (shared with the fixture generator, a copy of src/models/unet.ts),
# torchvision's resnet18, the memory bench's small CNN -------------------------------------------------
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "fixtures"))
from gen_models import UNet  # noqa: E402  (after the path is set)


def small_cnn3d(in_channels, num_classes):
    """Mirror of SMALL_CNN in bench/memory.ts."""
    return nn.Sequential(
        nn.Conv3d(in_channels, 16, 3, padding=1), nn.BatchNorm3d(16), nn.ReLU(), nn.MaxPool3d(2),
        nn.Conv3d(16, 32, 3, padding=1), nn.BatchNorm3d(32), nn.ReLU(), nn.MaxPool3d(2),
        nn.Conv3d(32, 64, 3, padding=1), nn.BatchNorm3d(64), nn.ReLU(),
        nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(64, num_classes))


def build(case):
    if case["model"] == "cnn3d":
        return small_cnn3d(case["inChannels"], case["numClasses"])
    if case["model"] == "resnet18":
        m = torchvision.models.resnet18(num_classes=case["numClasses"])
        if case["inChannels"] != 3:
            m.conv1 = nn.Conv2d(case["inChannels"], 64, 7, 2, 3, bias=False)
    elif case["model"] == "unet":
        m = UNet(case["numClasses"], case["inChannels"])
    else:
        raise ValueError(f"unknown model {case['model']}")
    return convert(m, case["conv"])


def soft_dice_loss(logits, target, smooth=1.0):
    """Soft Dice as src/ops/loss.ts: softmax, per present class 1 − (2Σpt+s)/(Σp+Σt+s), divided by C."""
    c = logits.shape[1]
    p = logits.softmax(1)
    t = F.one_hot(target.long(), c).movedim(-1, 1).to(p.dtype)
    dims = [0] + list(range(2, p.dim()))
    inter, psum, tsum = (p * t).sum(dims), p.sum(dims), t.sum(dims)
    per = 1 - (2 * inter + smooth) / (psum + tsum + smooth)
    return (per * (tsum > 0)).sum() / c


# ---- measurement --------------------------------------------------------------------------------
def rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def max_rss_kb():
    """Peak RSS so far, KB: VmHWM, which clear_refs resets. Not ru_maxrss: Linux folds into it the peak of
    the parent process this one was forked from, so a child of a large benchmark would report that."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak():
    """Resets the peak RSS (VmHWM) to the current RSS, so a peak reached while building the
    model cannot hide the step's; Linux only, False where not permitted."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def main():
    case = json.loads(sys.argv[1])
    torch.set_num_threads(case.get("threads", 2))
    torch.manual_seed(0)
    model = build(case)
    n, size, cin = case["batch"], case["size"], case["inChannels"]
    x = torch.randn(n, cin, size, size, size)
    seg = case["model"] == "unet"
    y = torch.randint(0, case["numClasses"], (n, size, size, size) if seg else (n,))
    if case["mode"] == "eval":
        model.eval()

        def run():
            with torch.no_grad():
                model(x)
    else:
        model.train()
        params = list(model.parameters())
        opt = (torch.optim.Adam(params, lr=1e-3) if case["optimizer"] == "adam"
               else torch.optim.SGD(params, lr=0.01, momentum=0.9))
        loss_fn = soft_dice_loss if case["loss"] == "dice" else F.cross_entropy

        def run():
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
    gc.collect()  # as the TypeScript child does before its first step
    peak_reset = reset_peak()
    before = rss_kb()
    max_before = max_rss_kb()
    run()
    max_after = max_rss_kb()
    for _ in range(max(0, case.get("warmup", 1) - 1)):
        run()
    times = []
    for _ in range(case.get("repeats", 3)):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    s = sorted(times)
    median = s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2 if s else None
    print(json.dumps({"rssBeforeKB": before, "maxRssBeforeKB": max_before, "maxRssAfterKB": max_after,
                      "peakReset": peak_reset,
                      "times": times, "median": median}))


if __name__ == "__main__":
    main()

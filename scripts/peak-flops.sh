#!/usr/bin/env bash
# Measures this machine's peak float32 FMA throughput (1 thread and all cores); see scripts/peak-flops.cc.
set -euo pipefail
out="$(mktemp -d)/peak"
g++ -O2 -std=c++17 -pthread "$(dirname "$0")/peak-flops.cc" -o "$out"
"$out" 1
"$out" "$(nproc)"

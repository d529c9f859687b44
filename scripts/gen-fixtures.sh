#!/usr/bin/env bash
# Regenerates every golden fixture under test/fixtures from PyTorch (Debian: apt-get install -y
# python3-torch python3-torchvision) and, for NIfTI, nibabel (python3-nibabel). Each
# scripts/fixtures/gen_*.py writes one family.
set -euo pipefail
cd "$(dirname "$0")/.."
for g in scripts/fixtures/gen_*.py; do
  echo "== $g"
  /usr/bin/python3 "$g"
done

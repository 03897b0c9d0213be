#!/usr/bin/env bash
# Installs the Debian packages einet needs to build, test and benchmark.
# Idempotent and quiet when everything is present; uses apt-get only (no PyPI).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libeigen3-dev libtomlplusplus-dev libcli11-dev libfmt-dev librandom123-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  pybind11-dev python3-dev python3-pybind11
  libhdf5-dev
  python3-numpy python3-scipy python3-matplotlib python3-pytest python3-h5py
  python3-brian libopenblas0-pthread
  python3-torch python3-sklearn python3-cvxopt dataset-fashion-mnist
  zlib1g-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

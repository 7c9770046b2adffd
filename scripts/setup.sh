#!/usr/bin/env bash
# Installs the Debian packages plantune's build needs, and only those that are missing.
# Idempotent: when everything is present it touches nothing and needs no network.
# The CUDA toolkit (nvcc, cuBLAS/cuBLASLt) and cuDNN 9 are not Debian packages here: they are
# checked and reported, never installed.
set -euo pipefail

packages=(
  cmake              # >= 3.25
  ninja-build
  g++
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  nlohmann-json3-dev
  python3-jsonschema # schema checks of the JSON files in tests
)

missing=()
for p in "${packages[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    echo "setup: $p present"
  else
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present, nothing installed"
fi

# CUDA toolkit and cuDNN: reported, not installed.
if command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; then
  nvcc_bin=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  echo "setup: nvcc $("$nvcc_bin" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')"
else
  echo "setup: error: nvcc not found (install the CUDA toolkit, or put it on PATH)" >&2
  exit 1
fi
cudnn_header=""
for d in "${CUDNN_ROOT:-}/include" /usr/local/cuda/include /usr/include/x86_64-linux-gnu \
         /usr/include/aarch64-linux-gnu /usr/include /usr/local/include; do
  if [ -f "$d/cudnn_version.h" ]; then cudnn_header="$d/cudnn_version.h"; break; fi
done
if [ -n "$cudnn_header" ]; then
  v=$(awk '/#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) /{printf "%s%s", sep, $3; sep="."}' "$cudnn_header")
  echo "setup: cuDNN $v ($cudnn_header)"
else
  echo "setup: error: cuDNN headers not found (set CUDNN_ROOT)" >&2
  exit 1
fi

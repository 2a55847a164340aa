#!/usr/bin/env bash
# The GPU benchmark on a machine with a GPU, PyTorch and no Node: darl on webgpu (Dawn over Vulkan) against PyTorch
# on CUDA, then the twin's DDP and FSDP steps; prints one table and writes gpu.json to $OUT (or results/ here).
# Built by `pnpm bench:gpu:prepare` (bench/gpu/prepare.mjs) into bench/gpu/dist/, which carries everything it needs:
#   node.xz (the Node binary), bench.mjs (darl's side, bundled), node_modules/webgpu (Dawn, dawn.node.xz),
#   libvulkan1_*.deb (the Vulkan loader), python/ (PyTorch's side and darl_torch), twin-run/ + mnist-digits.tar.xz
#   (a darl run directory and its data for the twin), reference-cpu.json (darl native's ViT-S step on 2 CPU cores).
#
#   bash bench/gpu/dist/run.sh [--smoke] [--torch-device cpu]     (extra flags go to the runner, bench.mjs)
# Environment: PYTHON (default python3); VK_DRIVER_FILES / VK_ICD_FILENAMES to pick a Vulkan driver (default: the
# NVIDIA ICD where the machine has one).
set -euo pipefail
DIST="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/darl-gpu-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
unpack() { "$PYTHON" "$DIST/python/unpack.py" "$@"; }

echo "unpacking Node, Dawn, the Vulkan loader and the twin's data into $WORK" >&2
unpack xz "$DIST/node.xz" "$WORK/node"
mkdir -p "$WORK/app/node_modules/webgpu/dist/linux-x64" "$WORK/vulkan" "$WORK/data"
cp "$DIST/bench.mjs" "$WORK/app/"
cp "$DIST/node_modules/webgpu/package.json" "$DIST/node_modules/webgpu/index.js" "$WORK/app/node_modules/webgpu/"
unpack xz "$DIST/node_modules/webgpu/dawn.node.xz" "$WORK/app/node_modules/webgpu/dist/linux-x64/dawn.node"
unpack deb "$DIST"/libvulkan1_*.deb "$WORK/vulkan"
unpack tar "$DIST/mnist-digits.tar.xz" "$WORK/data"
cp -r "$DIST/twin-run" "$WORK/twin-run"

export LD_LIBRARY_PATH="$WORK/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"; break; fi
  done
fi
echo "Vulkan driver: ${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-default search of the loader}}" >&2
export DARL_MNIST_DIR="$WORK/data/digits"

"$WORK/node" "$WORK/app/bench.mjs" \
  --python "$PYTHON" --torch-script "$DIST/python/gpu_bench.py" --python-path "$DIST/python" \
  --run-dir "$WORK/twin-run" --native-reference "$DIST/reference-cpu.json" \
  --out-dir "${OUT:-$DIST/results}" "$@"

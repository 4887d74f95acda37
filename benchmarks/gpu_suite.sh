#!/usr/bin/env bash
# The GPU speed suite in one command (benchmarks/gpu_suite.py): depth pre-training step
# (R18 640x192 batch 12 mono: fp32, bf16, channels_last, torch.compile, CUDA graphs; R50,
# 1024x320, MS), end to end (the project's loader on a generated KITTI-size world, JPEG,
# 16 workers) and fine-tuning (our DeepLabV3-R50 depth-encoder config against mmseg's
# DeepLabV3-R50-D8 at the same crop and batch). One JSON per measurement under $OUT (or
# --out DIR), then a table. Everything, stack install included, stops starting new
# measurements 9 minutes (SUITE_BUDGET_S=540) after this script starts.
#
# On the lent GPU machine (see ../shared/device/README.md), from the repository root with
# .device-wheels carried:
#   bash benchmarks/gpu_suite.sh
# Here, on the CPU, at a tiny size (no install; the current Python, or $PYTHON):
#   bash benchmarks/gpu_suite.sh --dry-run --out /tmp/suite
set -uo pipefail
start=$(date +%s)
cd "$(dirname "$0")/.."
dry=0
for a in "$@"; do [ "$a" = "--dry-run" ] && dry=1; done
budget=${SUITE_BUDGET_S:-540}
if [ "$dry" = 0 ]; then
  wheels=${DEVICE_WHEELS:-.device-wheels}
  if [ ! -f "$wheels/install_on_device.sh" ]; then
    echo "gpu_suite: $wheels/install_on_device.sh not found (bash ../shared/device/fetch_wheels.sh $wheels)"
    exit 1
  fi
  # builds mmcv (about 5 minutes) unless a wheel is in $wheels (benchmarks/device_stack.sh
  # builds one beforehand); copies a new wheel to $OUT
  if ! . "$wheels/install_on_device.sh" "$wheels"; then
    site=${DEVICE_SITE:-/tmp/site}
    prebuilt=$(ls "$wheels"/mmcv-2.1.0-*.whl 2>/dev/null | head -n1)
    if [ -z "$prebuilt" ] || PYTHONPATH=$site python3 -c "import mmcv._ext" 2>/dev/null; then
      echo "gpu_suite: stack install failed"; exit 1
    fi
    echo "gpu_suite: the mmcv wheel $prebuilt does not load here:"
    PYTHONPATH=$site python3 -c "import mmcv._ext" 2>&1 | tail -n1
    echo "gpu_suite: building mmcv from the sdist instead"
    aside=$(mktemp -d)
    mv "$wheels"/mmcv-2.1.0-*.whl "$aside"/ && rm -rf "$site"/mmcv "$site"/mmcv-*.dist-info
    . "$wheels/install_on_device.sh" "$wheels" || { echo "gpu_suite: stack install failed"; exit 1; }
  fi
  echo "[suite] stack installed in $(( $(date +%s) - start )) s"
  py=${PYTHON:-python3}
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || true
else
  py=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
if [ "$dry" = 0 ] && ! err=$("$py" -c "import mmdepthpretrain" 2>&1); then
  echo "gpu_suite: import mmdepthpretrain failed: $(echo "$err" | tail -n1)"
  echo "gpu_suite: (benchmarks/device_stack.sh puts what the stack needs into $wheels)"
  exit 1
fi
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-$( [ "$dry" = 1 ] && echo 2 || echo 8 )}
out_args=()
[ -n "${OUT:-}" ] && out_args=(--out "$OUT")
exec "$py" benchmarks/gpu_suite.py "${out_args[@]}" --deadline $(( start + budget )) "$@"

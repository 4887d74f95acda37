#!/usr/bin/env bash
# Build mmcv with its compiled ops once and cache the wheel; install it into the venv.
#
# usage: tools/install_mmcv.sh PYTHON
#   MMCV_VERSION  (default 2.1.0)
#   MMCV_CACHE    wheel cache folder (default ~/.cache/mmdepthpretrain/wheels)
#
# PyPI has no mmcv 2.x wheels, so pip would build the sdist. Two traps are handled here:
# build isolation builds mmcv without `mmcv._ext` (the isolated env has no torch), so we
# build with --no-build-isolation; and torch >= 2.10 headers need C++20 while mmcv 2.1.0's
# setup.py asks for -std=c++17, so the unpacked sdist is built with -std=c++20.
set -euo pipefail
PY=${1:?usage: install_mmcv.sh PYTHON}
PY="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")"  # absolute, without resolving the venv symlink
MMCV_VERSION=${MMCV_VERSION:-2.1.0}
MMCV_CACHE=${MMCV_CACHE:-$HOME/.cache/mmdepthpretrain/wheels}

if "$PY" - "$MMCV_VERSION" <<'PYEOF' 2>/dev/null
import sys
import mmcv, mmcv.ops  # noqa: F401
from mmcv.ops import nms  # noqa: F401  (needs mmcv._ext)
import mmcv._ext  # noqa: F401
sys.exit(0 if mmcv.__version__ == sys.argv[1] else 1)
PYEOF
then
  echo "[install] mmcv $MMCV_VERSION with ops already installed"
  exit 0
fi

key=$("$PY" -c "import sys, torch; print(f'mmcv-$MMCV_VERSION-torch{torch.__version__}-cp{sys.version_info[0]}{sys.version_info[1]}')")
dir="$MMCV_CACHE/$key"
wheel=$(ls "$dir"/mmcv-*.whl 2>/dev/null | head -n1 || true)
if [ -z "$wheel" ]; then
  jobs=$(nproc 2>/dev/null || echo 2)
  echo "[install] building mmcv $MMCV_VERSION with ops for $key (first time only:"
  echo "[install]   10 to 15 minutes on 2 cores; the wheel is cached in $dir)"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  "$PY" -m pip download --disable-pip-version-check -q --no-deps --no-binary :all: \
    --no-build-isolation "mmcv==$MMCV_VERSION" -d "$tmp"
  tar -xzf "$tmp"/mmcv-"$MMCV_VERSION".tar.gz -C "$tmp"
  src="$tmp/mmcv-$MMCV_VERSION"
  sed -i "s/'-std=c++17'/'-std=c++20'/g" "$src/setup.py"
  total_o=$(ls "$src"/mmcv/ops/csrc/pytorch/*.cpp "$src"/mmcv/ops/csrc/pytorch/cpu/*.cpp | wc -l)
  start=$(date +%s)
  ( cd "$src" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="$jobs" \
      "$PY" -m pip wheel --disable-pip-version-check --no-build-isolation --no-deps \
      -w "$tmp/dist" . ) > "$tmp/build.log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 60
    done_o=$(find "$src/build" -name '*.o' 2>/dev/null | wc -l)
    kill -0 "$pid" 2>/dev/null && echo "[install]   mmcv build running: $(( ($(date +%s) - start) / 60 )) min, $done_o of about $total_o sources compiled"
  done
  if ! wait "$pid"; then
    echo "[install] mmcv build failed; last lines of the log:"; tail -n 40 "$tmp/build.log"; exit 1
  fi
  mkdir -p "$dir"
  built=$(ls "$tmp"/dist/mmcv-*.whl)
  cp "$built" "$dir/.tmp-$(basename "$built")"
  mv "$dir/.tmp-$(basename "$built")" "$dir/$(basename "$built")"
  wheel="$dir/$(basename "$built")"
  echo "[install] mmcv built in $(( ($(date +%s) - start) / 60 )) min: $wheel"
fi
echo "[install] installing cached $wheel"
"$PY" -m pip install --disable-pip-version-check -q --no-deps --force-reinstall "$wheel"

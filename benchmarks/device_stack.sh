#!/usr/bin/env bash
# Prepare here, on a machine without a GPU, what benchmarks/gpu_suite.sh installs on the
# lent GPU machine, so that the suite's one call there spends its minutes measuring
# instead of building mmcv (about 5 of its 9 minutes):
#
#   1. the stack's wheels for the device's Python in DIR (../shared/device/fetch_wheels.sh,
#      when DIR has no install_on_device.sh yet), and pycocotools, which mmdet imports;
#   2. mmcv 2.1.0 with its ops built here for the device's Python and torch (CPU kernels, as
#      the device's own build; tools/install_mmcv.sh in a venv of that Python with that
#      torch; 10 to 15 minutes on 2 cores the first time, cached in ~/.cache/mmdepthpretrain)
#      and copied into DIR, where install_on_device.sh takes it instead of building;
#   3. with --check: DIR's wheels installed the way the device installs them (pip --target,
#      no index) under that Python and torch, the stack imported, then the suite's CPU dry
#      run and the compile tests run with them, so that code that breaks on the device's
#      torch shows here.
#
# gpu_suite.sh builds mmcv from the sdist after all when the copied wheel does not load there.
#
# usage: bash benchmarks/device_stack.sh [DIR] [--check]      (DIR: .device-wheels)
#   DEVICE_PYTHON       the device's Python version (3.12); its interpreter is python3.X on
#                       PATH or pyenv's newest 3.X, or DEVICE_PYTHON_BIN
#   DEVICE_TORCH        the device's torch (2.11.0) and DEVICE_TORCHVISION (0.26.0)
#   DEVICE_VENV         the venv (~/.cache/mmdepthpretrain/device-cpXY-torchV)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.device-wheels
check=0
for a in "$@"; do
  case "$a" in
    --check) check=1 ;;
    -*) echo "device_stack: unknown option $a"; exit 2 ;;
    *) dir=$a ;;
  esac
done
pyver=${DEVICE_PYTHON:-3.12}
torch_v=${DEVICE_TORCH:-2.11.0}
tv_v=${DEVICE_TORCHVISION:-0.26.0}
shared=${DEVICE_SHARED:-../shared/device}

if [ ! -f "$dir/install_on_device.sh" ]; then
  [ -f "$shared/fetch_wheels.sh" ] || { echo "device_stack: $dir has no install_on_device.sh and $shared/fetch_wheels.sh is missing (set DEVICE_SHARED)"; exit 1; }
  bash "$shared/fetch_wheels.sh" "$dir"
fi

# mmdet imports pycocotools (its datasets, which mmdet's registry loads on any lookup) and
# fetch_wheels.sh leaves it out; our package keeps mmpretrain's models importable beside it
if ! ls "$dir"/pycocotools-*.whl >/dev/null 2>&1; then
  python3 -m pip download --disable-pip-version-check -q --no-deps --only-binary=:all: \
    --python-version "$pyver" --implementation cp --platform manylinux_2_28_x86_64 \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$dir" pycocotools==2.0.11
fi

py=${DEVICE_PYTHON_BIN:-}
if [ -z "$py" ]; then  # python3.X on PATH (a pyenv shim may name one it cannot run), or pyenv's
  root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
  for c in "$(command -v "python$pyver" 2>/dev/null || true)" \
           $(ls -d "$root"/versions/"$pyver".*/bin/python"$pyver" 2>/dev/null | sort -rV); do
    if [ -n "$c" ] && "$c" -c 'import sys' >/dev/null 2>&1; then py=$c; break; fi
  done
fi
[ -n "$py" ] && "$py" -c 'import venv' >/dev/null 2>&1 || { echo "device_stack: no Python $pyver here (put python$pyver on PATH or set DEVICE_PYTHON_BIN)"; exit 1; }
tag=cp${pyver/./}
venv=${DEVICE_VENV:-$HOME/.cache/mmdepthpretrain/device-$tag-torch$torch_v}
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$torch_v')" 2>/dev/null; then
  echo "[device] venv $venv: Python $("$py" -c 'import platform; print(platform.python_version())'), torch $torch_v, torchvision $tv_v"
  rm -rf "$venv"
  "$py" -m venv "$venv"
  # the build requirements of make install, with the device's torch pair instead of ours
  "$venv/bin/python" -m pip install --disable-pip-version-check -q "torch==$torch_v" \
    "torchvision==$tv_v" $(grep -v -E '^\s*(#|$|torch)' requirements/build.txt)
fi
vpy=$venv/bin/python
cache=${MMCV_CACHE:-$HOME/.cache/mmdepthpretrain/wheels}
MMCV_CACHE=$cache bash tools/install_mmcv.sh "$vpy"
key=$("$vpy" -c "import torch; print(f'mmcv-2.1.0-torch{torch.__version__}-$tag')")
wheel=$(ls "$cache/$key"/mmcv-2.1.0-*.whl | head -n1)
name=$(basename "$wheel")
# without debug sections (the .so: 82 MB with them, 1.9 MB without), since what travels to
# the device has a size limit; written beside, then renamed
trap 'rm -f "$dir/.tmp-$name"' EXIT
"$vpy" - "$wheel" "$dir/.tmp-$name" <<'PYEOF'
import base64, hashlib, os, subprocess, sys, tempfile, zipfile

src, dst = sys.argv[1:]
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as zout:
    record, rows = None, []
    for info in zin.infolist():
        data = zin.read(info)
        if info.filename.endswith('.dist-info/RECORD'):
            record = info
            continue
        if info.filename.endswith('.so'):
            with tempfile.NamedTemporaryFile(suffix='.so', delete=False) as f:
                f.write(data)
            subprocess.run(['strip', '--strip-debug', f.name], check=True)
            data = open(f.name, 'rb').read()
            os.unlink(f.name)
        if info.filename.endswith('/'):
            zout.writestr(info, data)
            continue
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
        rows.append(f'{info.filename},sha256={digest},{len(data)}')
        zout.writestr(info, data)
    zout.writestr(record, '\n'.join(rows + [f'{record.filename},,']) + '\n')
PYEOF
mv "$dir/.tmp-$name" "$dir/$name"
echo "[device] $dir/$name ($key)"

[ "$check" = 1 ] || exit 0
# What the device's image has beside the stack's wheels, at its versions where they are
# known (the device's list of packages, 2026-11), from PyPI here
"$vpy" -m pip install --disable-pip-version-check -q numpy==2.5.2 transformers==5.17.0 \
  safetensors==0.8.0 timm opencv-python-headless scipy matplotlib pyyaml regex rich \
  markdown einops pytest
site=$(mktemp -d)
trap 'rm -rf "$site"' EXIT
"$vpy" -m pip install -q --disable-pip-version-check --no-index --no-deps --no-compile \
  --target "$site" "$dir"/*.whl
export PYTHONPATH=$site
"$vpy" -c "import mmcv.ops, mmseg, mmdet, mmpretrain, torch; print('[device] stack imports: mmcv', mmcv.__version__, '| torch', torch.__version__)"
PYTHON=$vpy bash benchmarks/gpu_suite.sh --dry-run --out "$site/suite"
PYTHONPATH=$PWD:$site "$vpy" -m pytest -q -p no:cacheprovider \
  tests/test_models/test_compile_step.py tests/test_benchmarks

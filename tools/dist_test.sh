#!/usr/bin/env bash
# Distributed testing with torchrun: NCCL on GPUs, gloo on CPU-only machines.
#   tools/dist_test.sh CONFIG CHECKPOINT NPROC [test.py options]
set -e
CONFIG=${1:?usage: tools/dist_test.sh CONFIG CHECKPOINT NPROC [options]}
CHECKPOINT=${2:?usage: tools/dist_test.sh CONFIG CHECKPOINT NPROC [options]}
NPROC=${3:?usage: tools/dist_test.sh CONFIG CHECKPOINT NPROC [options]}
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ -z "${PYTHON:-}" ]; then
  if [ -x "$HERE/../.venv/bin/python" ]; then PYTHON="$HERE/../.venv/bin/python"; else PYTHON=python; fi
fi
PYTHONPATH="$HERE/..${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m torch.distributed.run \
  --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
  --nproc_per_node="$NPROC" --master_port="$PORT" \
  "$HERE/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"

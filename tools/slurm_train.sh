#!/usr/bin/env bash
# Training on a Slurm cluster.
#   tools/slurm_train.sh PARTITION JOB_NAME CONFIG [train.py options]
# GPUS (total, default 8), GPUS_PER_NODE (default 8), CPUS_PER_TASK (default 5),
# SRUN_ARGS (extra srun options) are honoured.
set -x
PARTITION=${1:?usage: tools/slurm_train.sh PARTITION JOB_NAME CONFIG [options]}
JOB_NAME=${2:?usage: tools/slurm_train.sh PARTITION JOB_NAME CONFIG [options]}
CONFIG=${3:?usage: tools/slurm_train.sh PARTITION JOB_NAME CONFIG [options]}
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
HERE=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-python}
PYTHONPATH="$HERE/..${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$PARTITION" \
  --job-name="$JOB_NAME" \
  --gres=gpu:"$GPUS_PER_NODE" \
  --ntasks="$GPUS" \
  --ntasks-per-node="$GPUS_PER_NODE" \
  --cpus-per-task="$CPUS_PER_TASK" \
  --kill-on-bad-exit=1 \
  $SRUN_ARGS \
  "$PYTHON" -u "$HERE/train.py" "$CONFIG" --launcher slurm "${@:4}"

#!/usr/bin/env bash
# The GPU-scale synthetic comparison (configs/experiments/synthetic_gpu.yaml) in slices of
# under 9 minutes, for machines that lend a GPU for short runs. Each call runs what fits in
# SLICE_SECONDS (default 510) and stops cleanly; finished stages and cells are kept, so the
# next call resumes. Part 1: every initialisation x setup at 16 labels; part 2: the label
# budgets 32 / 64 / 128 for random, M and L, in the same work dir (the report merges both).
#   bash tools/experiments/gpu_demo.sh [WORK_DIR]    # repeat until it prints 'complete'
# Exit status: 0 complete, 3 slice over (run again), anything else a failure.
# Note: a pre-training stopped by the slice's end restarts from its beginning in the next
# call, so each pre-training must fit in one slice (6000 iterations at batch 4 at most).
set -u
cd "$(dirname "$0")/../.."
WORK=${1:-work_dirs/synthetic_gpu}
SLICE=${SLICE_SECONDS:-510}
PY=${PYTHON:-python}
SPEC=configs/experiments/synthetic_gpu.yaml
DEPTH_CFG='configs/synthetic/depthseg_r18-depth-{setup}_1xb4-300_synthetic-320x96.py'
BUDGETS=(--set 'finetune.budgets=[32,64,128]'
         "finetune.inits={random: {setups: [full]}, depth: {pretrain: depth, setups: [full]}, depth_l: {pretrain: depth_l, config: '$DEPTH_CFG', setups: [full]}}")
start=$(date +%s)

run_part() {
  local left=$(( SLICE - ($(date +%s) - start) ))
  if [ "$left" -lt 30 ]; then return 124; fi
  timeout -s TERM -k 30 "$left" "$PY" tools/experiments/run_grid.py "$SPEC" \
    --work-dir "$WORK" --quiet --no-qualitative "$@"
}

run_part
rc=$?
if [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]; then  # 1: some cell failed; the others go on
  run_part "${BUDGETS[@]}"
  rc2=$?
  [ "$rc2" -ne 0 ] && rc=$rc2
fi
took=$(( $(date +%s) - start ))
case "$rc" in
  0) "$PY" tools/experiments/run_grid.py "$SPEC" --work-dir "$WORK" --report-only \
       --no-qualitative --quiet > /dev/null
     echo "[gpu_demo] complete in this call's ${took} s: $WORK/results.md"
     exit 0 ;;
  124|130) echo "[gpu_demo] slice over after ${took} s; run the same command again to resume"
     exit 3 ;;
  *) echo "[gpu_demo] failed (exit $rc) after ${took} s; see $WORK/commands.log and the logs"
     exit "$rc" ;;
esac

#!/usr/bin/env bash
# Runs the whole suite N times (default 5), each time in a fresh clone of this repository's
# HEAD, as CI does (CI=true: a skip is a failure; Hypothesis draws fresh examples), and reports
# every failure. Usage: scripts/soak-tests.sh [N] [folder for the clones and logs]
set -uo pipefail
runs=${1:-5}
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
work=${2:-$(mktemp -d -t cme-soak-XXXXXX)}
commit=$(git -C "$repo" rev-parse HEAD)  # every run tests this commit, whatever HEAD does next
mkdir -p "$work"
summary="$work/summary.txt"
echo "soak of ${commit:0:10}: $runs runs in fresh clones under $work" | tee "$summary"
failed_runs=0
for run in $(seq 1 "$runs"); do
  clone="$work/run-$run"
  rm -rf "$clone"
  git clone --quiet --no-local "$repo" "$clone"
  git -C "$clone" checkout --quiet --detach "$commit"
  log="$work/run-$run.log"
  start=$(date +%s)
  (cd "$clone" && CI=true HYPOTHESIS_PROFILE=ci make test) >"$log" 2>&1
  status=$?
  seconds=$(( $(date +%s) - start ))
  result=$(grep -E '^=+ .*(passed|failed|error).* in [0-9.]+s' "$log" | tail -n 1 | tr -d '=')
  echo "run $run: exit $status in ${seconds}s:${result:- no pytest summary (see $log)}" | tee -a "$summary"
  if [ "$status" -ne 0 ]; then
    failed_runs=$((failed_runs + 1))
    grep -E '^(FAILED|ERROR) tests/' "$log" | sed 's/^/    /' | tee -a "$summary"
  fi
  rm -rf "$clone/.venv"  # keep the log, not the 1 GB environment
done
echo "$failed_runs of $runs runs failed" | tee -a "$summary"
[ "$failed_runs" -eq 0 ]

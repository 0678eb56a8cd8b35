#!/usr/bin/env bash
# Create the work pool (once) and register every deployment of deployments/prefect.yaml on it.
# Run from the repository root with the worker environment loaded, e.g.
#   set -a; . /etc/cme/cme-worker.env; set +a; deployments/production/deploy.sh
# Safe to run again after an upgrade: the pool is kept and the deployments are updated.
set -euo pipefail
cd "$(dirname "$0")/../.."
PREFECT="${PREFECT:-prefect}"
POOL="${CME_WORK_POOL:-cme-process}"
POOL_LIMIT="${CME_POOL_LIMIT:-8}"

: "${PREFECT_API_URL:?set PREFECT_API_URL (see cme-worker.env.example)}"
: "${PREFECT_API_AUTH_STRING:?set PREFECT_API_AUTH_STRING (see cme-worker.env.example)}"
: "${CME_REPO_DIR:?set CME_REPO_DIR to this checkout}"

if ! "$PREFECT" --no-prompt work-pool inspect "$POOL" >/dev/null 2>&1; then
  "$PREFECT" --no-prompt work-pool create "$POOL" --type process
fi
# At most this many flow runs at once across every worker on the pool.
"$PREFECT" --no-prompt work-pool set-concurrency-limit "$POOL" "$POOL_LIMIT"
"$PREFECT" --no-prompt deploy --all --prefect-file deployments/prefect.yaml
echo "Deployed to work pool $POOL (limit $POOL_LIMIT). Start workers with:"
echo "  prefect worker start --pool $POOL --limit 4"

#!/usr/bin/env bash
# make demo-stop: stop the server that make demo started (its data stays in
# build/demo; make demo starts it again).
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/demo/common.sh
demo_server_stop

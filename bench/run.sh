#!/usr/bin/env bash
# Benchmarks echoport's I/O models side by side on this host and writes docs/benchmarks.md and docs/benchmarks.png.
#   bench/run.sh            the full run (a few minutes)
#   bench/run.sh --quick    under a minute: proves it works, numbers not worth quoting
# Any other option goes to `loadgen bench` (see: java -jar loadgen/target/loadgen.jar bench --help).
# BUILD=1 rebuilds the jars first (they are built anyway when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${BUILD:-0}" == 1 || ! -f loadgen/target/loadgen.jar || ! -f service/target/echoport.jar ]]; then
  mvn -q -B -DskipTests install
fi
# 5,000 idle connections need that many descriptors in the client and in the server.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec java -jar loadgen/target/loadgen.jar bench "$@"

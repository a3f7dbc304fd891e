#!/usr/bin/env bash
# Benchmarks echoport's I/O models side by side on this host, against Netty's canonical echo server and a C epoll
# echo server, and writes docs/benchmarks.md and docs/benchmarks.png.
#   bench/run.sh            the full run (about 13 minutes: a warm-up round and 5 interleaved rounds)
#   bench/run.sh --quick    about 3 minutes: proves it works, numbers not worth quoting
# Any other option goes to `loadgen bench` (see: java -jar loadgen/target/loadgen.jar bench --help), e.g.
#   bench/run.sh --rounds 7 --variant 'hw256k@epoll:echoport.echo.write-buffer-high-watermark=256KiB'
# BUILD=1 rebuilds the jars first (they are built anyway when missing). The build is `mvn package` in this tree: it
# never installs into ~/.m2. The C programs (bench/c) are compiled by the benchmark itself with $CC or cc; without a
# C compiler their rows are skipped with the reason and loadgen's Java client drives the load.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${BUILD:-0}" == 1 || ! -f loadgen/target/loadgen.jar || ! -f service/target/echoport.jar ]]; then
  mvn -q -B -DskipTests -pl loadgen -am package
fi
echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores before the run" >&2
# 5,000 idle connections need that many descriptors in the client and in the server.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec java -jar loadgen/target/loadgen.jar bench "$@"

#!/usr/bin/env bash
# Profiles one server under one load with JFR (CPU samples and allocation), as docs/benchmarks.md's profile findings
# were made:
#   bench/profile.sh echoport|canonical|minimal TRANSPORT CONNECTIONS SIZE [PIPELINE] [SECONDS]
# e.g. bench/profile.sh echoport epoll 1000 512      bench/profile.sh canonical io_uring 10 65536 4
# The server runs in its own JVM with default flags; the C load client (bench/c/echo_client.c, built here) drives it
# on loopback for $WARMUP s of warm-up (default 10: the JIT must be done), then JFR (settings=profile, Java stacks
# every 1 ms) and perf (when installed) record SECONDS (default 10) of steady load. Prints the
# client's figures, the server's CPU per round trip over the recording, and `loadgen jfr-summary` of the recording
# (event-loop threads only); keeps the .jfr in $OUT (default /tmp/echoport-profile). Env: ECHOPORT_* pass through to
# echoport, so a setting's price can be profiled too.
set -euo pipefail
cd "$(dirname "$0")/.."
server=${1:?server: echoport, canonical or minimal}; transport=${2:?transport}; conns=${3:?connections}
size=${4:?size}; pipeline=${5:-1}; seconds=${6:-10}; warm=${WARMUP:-10}
out=${OUT:-/tmp/echoport-profile}; mkdir -p "$out"
port=${PORT:-17900}
jar=loadgen/target/loadgen.jar
[[ -f $jar && -f service/target/echoport.jar ]] || { echo "profile: build first: mvn -q -DskipTests package" >&2; exit 2; }
cc -O2 -o "$out/echo_client" bench/c/echo_client.c
case $server in
  echoport) ECHOPORT_PORT=$port ECHOPORT_ADMIN_PORT=$((port + 1)) ECHOPORT_HOST=127.0.0.1 ECHOPORT_ADMIN_HOST=127.0.0.1 \
              ECHOPORT_TRANSPORT=$transport ECHOPORT_MAX_CONNECTIONS=20000 \
              java -jar service/target/echoport.jar > "$out/server.log" 2>&1 & ;;
  canonical) java -cp $jar dev.echoport.loadgen.bench.CanonicalEchoServer "$transport" $port > "$out/server.log" 2>&1 & ;;
  minimal) java -jar $jar echo-server --transport "$transport" --port $port > "$out/server.log" 2>&1 & ;;
  *) echo "profile: server $server: expected echoport, canonical or minimal" >&2; exit 2 ;;
esac
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
name="$server-$transport-${conns}x$size-p$pipeline"
"$out/echo_client" -p $port -c "$conns" -s "$size" -q "$pipeline" -w $((warm * 1000)) -d $((seconds * 1000 + 1000)) -S $pid \
  > "$out/$name.client.json" &
client=$!
# JFR's profile settings, with Java stacks sampled every millisecond instead of every 10 ms
sed -e '/jdk.ExecutionSample/,/<\/event>/s#<setting name="period">[^<]*<#<setting name="period">1 ms<#' \
  "$(dirname "$(readlink -f "$(command -v java)")")/../lib/jfr/profile.jfc" > "$out/profile-1ms.jfc"
sleep "$warm"
# JFR=0: perf alone (JFR's own start-up compiles and runs Java code in the server, which perf then counts)
[[ ${JFR:-1} == 1 ]] && jcmd $pid JFR.start name=p settings="$out/profile-1ms.jfc" > /dev/null
cpu0=$(awk '{print $14 + $15}' /proc/$pid/stat)
if command -v perf > /dev/null && [[ ${PERF:-1} == 1 ]]; then
  # perf sees what JFR cannot: the kernel side of every read and write, and time in native code
  perf record -q -F 499 -g -p $pid -o "$out/$name.perf" -- sleep "$seconds" 2> /dev/null
else
  sleep "$seconds"
fi
cpu1=$(awk '{print $14 + $15}' /proc/$pid/stat)
[[ ${JFR:-1} == 1 ]] && jcmd $pid JFR.stop name=p filename="$out/$name.jfr" > /dev/null
jcmd $pid Compiler.perfmap > /dev/null 2>&1 || true
wait $client || true
cat "$out/$name.client.json"
python3 - "$out/$name.client.json" "$cpu0" "$cpu1" "$seconds" <<'PY' 2>/dev/null || true
import json, sys
r = json.load(open(sys.argv[1])); ticks = float(sys.argv[3]) - float(sys.argv[2])
print(f"server CPU over the recording: {ticks / 100 / float(sys.argv[4]):.2f} cores,"
      f" {ticks / 100 * 1e6 / (r['roundTripsPerSecond'] * float(sys.argv[4])):.2f} us per round trip")
PY
[[ ${JFR:-1} == 1 ]] && java -cp $jar dev.echoport.loadgen.cli.LoadgenMain jfr-summary "$out/$name.jfr"
if [[ -f $out/$name.perf ]]; then
  echo; echo "perf, whole process, by shared object ([JIT] = compiled Java, libjvm = JIT compiler and GC):"
  perf report -q -i "$out/$name.perf" --no-children -g none --sort dso --stdio 2> /dev/null | grep '%' | head -8
  echo; echo "perf, whole process, by symbol (self):"
  perf report -q -i "$out/$name.perf" --no-children -g none --sort dso,sym --stdio 2> /dev/null | grep '%' \
    | cut -c1-160 | head -${TOP:-40}
fi

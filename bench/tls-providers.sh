#!/usr/bin/env bash
# What tls.provider = openssl buys over jdk, on loopback: TLS bulk against plain TCP (and the server's CPU per MB), and
# full TLS handshakes per second (and the server's CPU per handshake). One echoport per provider, both running the
# whole time; rounds interleave the providers; figures are medians with their range.
#   bench/tls-providers.sh                 5 rounds, the benchmark's bulk shape (4 x 16 KiB, pipeline 4): ~7 minutes
#   ROUNDS=3 SHAPE="10 65536 4" bench/tls-providers.sh
# Bulk: bench/TlsProviders.java drives both with loadgen from one warm JVM, with an OpenSSL and a JDK client (the
# client's own TLS shares the machine: compare like with like). Handshakes: 2 x `openssl s_time -new` (a new
# connection and a full TLS 1.3 handshake each time) for 6 s, counted by the server (echoport_tls_handshakes_total).
# Needs the jars (mvn -DskipTests package), curl and openssl. Every process it starts ends by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}; SECONDS_PER_RUN=${SECONDS_PER_RUN:-4}; SHAPE=${SHAPE:-4 16384 4}
work="$(mktemp -d)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/tls.key" -out "$work/tls.crt" \
  -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
wrappers=()
trap 'kill "${wrappers[@]}" 2>/dev/null; rm -rf "$work"' EXIT
declare -A base=([openssl]=17100 [jdk]=17200) pid=()
for p in openssl jdk; do # echo on base, admin on base+1, TLS on base+2
  ECHOPORT_HOST=127.0.0.1 ECHOPORT_PORT=${base[$p]} ECHOPORT_ADMIN_HOST=127.0.0.1 ECHOPORT_ADMIN_PORT=$((base[$p] + 1)) \
    ECHOPORT_TLS_ENABLED=true ECHOPORT_TLS_PORT=$((base[$p] + 2)) ECHOPORT_TLS_PROVIDER=$p \
    ECHOPORT_TLS_CERTIFICATE="$work/tls.crt" ECHOPORT_TLS_PRIVATE_KEY="$work/tls.key" \
    timeout 3600 java -Xmx512m -jar service/target/echoport.jar >"$work/$p.log" 2>&1 &
  wrappers+=($!)
done
for i in 0 1; do
  p=$([[ $i == 0 ]] && echo openssl || echo jdk)
  for _ in $(seq 150); do curl -sf "127.0.0.1:$((base[$p] + 1))/health/ready" >/dev/null && break; sleep 0.2; done
  pid[$p]=$(pgrep -P "${wrappers[$i]}" java)
  grep -h "started" "$work/$p.log" | sed 's/.*started: /started: /'
done

# shellcheck disable=SC2086 # SHAPE is three numbers on purpose
timeout 3000 java -cp loadgen/target/loadgen.jar bench/TlsProviders.java "$ROUNDS" "$SECONDS_PER_RUN" $SHAPE \
  "openssl=${base[openssl]}:${pid[openssl]}" "jdk=${base[jdk]}:${pid[jdk]}" 2>/dev/null

counter() { curl -s "127.0.0.1:$(($1 + 1))/metrics" | awk '/^echoport_tls_handshakes_total/{print $2}'; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; } # clock ticks, 100 a second
echo "handshakes (round 0 warms up):"
for r in $(seq 0 "$ROUNDS"); do
  for p in openssl jdk; do
    n0=$(counter "${base[$p]}"); c0=$(cpu "${pid[$p]}"); t0=$(date +%s.%N); clients=()
    for _ in 1 2; do
      timeout 60 openssl s_time -connect "127.0.0.1:$((base[$p] + 2))" -new -time 6 >/dev/null 2>&1 & clients+=($!)
    done
    wait "${clients[@]}"
    t1=$(date +%s.%N); n1=$(counter "${base[$p]}"); c1=$(cpu "${pid[$p]}")
    python3 -c "n = $n1 - $n0; print('  round $r $p: %d handshakes/s, server CPU %d us per handshake'
                % (n / ($t1 - $t0), ($c1 - $c0) * 10000 / max(1, n)))"
  done
done

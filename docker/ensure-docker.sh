#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs docker.io if dockerd is missing, starts dockerd in the background if
# `docker info` fails, then waits (bounded) until it answers. Idempotent: does nothing when an engine already answers.
# No registry is reachable here, so the engine runs without iptables (ports published on 127.0.0.1 still work).
# When it starts the engine it prints "started-dockerd <pid>" and writes the pid to $ECHOPORT_DOCKERD_PIDFILE, so
# docker/stop-docker.sh stops exactly what was started here (and nothing that was already running).
set -euo pipefail

wait_seconds="${ECHOPORT_DOCKER_WAIT_SECONDS:-60}"
log="${ECHOPORT_DOCKERD_LOG:-/var/log/dockerd.log}"
pidfile="${ECHOPORT_DOCKERD_PIDFILE:-/tmp/echoport-dockerd.pid}"

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: installing docker.io" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq docker.io >&2
fi

if ! docker info >/dev/null 2>&1; then
  echo "ensure-docker: starting dockerd (log: $log)" >&2
  # setsid: the engine must not die with this shell or receive its terminal's signals.
  setsid dockerd --iptables=false >"$log" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" >"$pidfile"
  echo "started-dockerd $pid"
  deadline=$((SECONDS + wait_seconds))
  until docker info >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "ensure-docker: dockerd exited; last lines of $log:" >&2
      tail -n 20 "$log" >&2
      exit 1
    fi
    if (( SECONDS >= deadline )); then
      echo "ensure-docker: dockerd did not answer within ${wait_seconds}s (log: $log)" >&2
      exit 1
    fi
    sleep 0.5
  done
fi
echo "ensure-docker: engine $(docker version --format '{{.Server.Version}}') answers" >&2

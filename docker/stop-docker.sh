#!/usr/bin/env bash
# Stops the Docker engine that docker/ensure-docker.sh started (its pid file), and nothing else: an engine that was
# already running stays. ECHOPORT_REMOVE_IMAGES=1 also removes echoport:local and echoport-base:local first.
set -euo pipefail

pidfile="${ECHOPORT_DOCKERD_PIDFILE:-/tmp/echoport-dockerd.pid}"
if [[ "${ECHOPORT_REMOVE_IMAGES:-0}" == "1" ]] && docker info >/dev/null 2>&1; then
  docker image rm -f "${ECHOPORT_IMAGE:-echoport:local}" echoport-base:local >/dev/null 2>&1 || true
fi
if [[ ! -f "$pidfile" ]]; then
  exit 0
fi
pid="$(cat "$pidfile")"
if kill -0 "$pid" 2>/dev/null && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "dockerd" ]]; then
  kill -TERM "$pid"
  # dockerd stops its containers and its containerd first; give it a bounded while.
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "stop-docker: dockerd $pid still running after 30 s" >&2
    exit 1
  fi
  echo "stop-docker: stopped dockerd $pid" >&2
fi
rm -f "$pidfile"

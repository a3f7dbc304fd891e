#!/usr/bin/env bash
# One command for the service image: builds the jar with Maven if it is missing or older than its sources, makes the
# local base image if it is absent (docker/build-base.sh), then builds echoport:local with Docker's classic builder.
#
# usage: docker/build.sh
# env:   ECHOPORT_IMAGE       tag to build (default echoport:local)
#        BASE_IMAGE           base runtime (default echoport-base:local, built here if missing; or e.g. eclipse-temurin:17-jre)
#        ECHOPORT_REBUILD_BASE=1  rebuild the local base image even if it exists (it is rebuilt anyway when
#                             docker/build-base.sh changed since)
set -euo pipefail

root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
image="${ECHOPORT_IMAGE:-echoport:local}"
base="${BASE_IMAGE:-echoport-base:local}"
jar="$root_dir/service/target/echoport.jar"

"$root_dir/docker/ensure-docker.sh" >/dev/null

if [[ ! -f "$jar" ]] || [[ -n "$(find "$root_dir/pom.xml" "$root_dir/service/pom.xml" "$root_dir/service/src/main" -newer "$jar" -print -quit)" ]]; then
  echo "build: building $jar" >&2
  (cd "$root_dir" && mvn -q -B -Dstyle.color=never -DskipTests -pl service -am install)
fi

if [[ "$base" == "echoport-base:local" ]]; then
  # Rebuilt when missing, when asked, or when build-base.sh changed since it was built (its hash is a label).
  recipe="$(sha256sum "$root_dir/docker/build-base.sh" | cut -c1-16)"
  built_from="$(docker image inspect -f '{{index .Config.Labels "dev.echoport.base.recipe"}}' "$base" 2>/dev/null || true)"
  if [[ "${ECHOPORT_REBUILD_BASE:-0}" == "1" || "$built_from" != "$recipe" ]]; then
    ECHOPORT_BASE_IMAGE="$base" "$root_dir/docker/build-base.sh" "$jar"
  fi
fi

# A context holding only the jar (at the path the Dockerfile expects), not the whole tree with its target/ dirs.
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/service/target"
cp "$jar" "$context/service/target/echoport.jar"

# Newer CLIs print a deprecation notice for the classic builder even with DOCKER_BUILDKIT=0: show stderr only on failure.
if ! DOCKER_BUILDKIT=0 docker build -q --build-arg BASE_IMAGE="$base" -t "$image" -f "$root_dir/docker/Dockerfile" \
    "$context" >/dev/null 2>"$context/build.err"; then
  cat "$context/build.err" >&2
  exit 1
fi
docker images --format '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}' "$image" | sed 's/^/build: built /' >&2

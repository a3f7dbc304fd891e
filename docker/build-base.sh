#!/usr/bin/env bash
# Builds the base image echoport-base:local without any registry: a jlink runtime made from this machine's JDK 17,
# plus exactly the shared libraries it (and Netty's epoll/io_uring natives) link against, imported with
# `docker import`. The image has no shell and no package manager: only /opt/java, the libraries, /etc/passwd+group
# with the service user (UID/GID 10001) and a world-writable /tmp.
#
# usage: docker/build-base.sh [JAR]      JAR (default service/target/echoport.jar) is scanned for Netty's natives
# env:   ECHOPORT_JDK_HOME   JDK used for jlink (default: the JDK 17 behind `javac`, else /usr/lib/jvm/java-17-openjdk-amd64)
#        ECHOPORT_BASE_IMAGE image name (default echoport-base:local)
set -euo pipefail

root_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${1:-$root_dir/service/target/echoport.jar}"
image="${ECHOPORT_BASE_IMAGE:-echoport-base:local}"

default_jdk=/usr/lib/jvm/java-17-openjdk-amd64
if command -v javac >/dev/null 2>&1; then
  candidate="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
  [[ -d "$candidate/jmods" ]] && default_jdk="$candidate"
fi
jdk="${ECHOPORT_JDK_HOME:-$default_jdk}"
if [[ ! -d "$jdk/jmods" ]]; then
  echo "build-base: $jdk has no jmods/ (set ECHOPORT_JDK_HOME to a full JDK 17)" >&2
  exit 1
fi
release="$("$jdk/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
if [[ "$release" != "17" ]]; then
  echo "build-base: $jdk is Java $release; the service is built for 17 (set ECHOPORT_JDK_HOME)" >&2
  exit 1
fi
if [[ ! -f "$jar" ]]; then
  echo "build-base: $jar not found (build it first: mvn -B -DskipTests install)" >&2
  exit 1
fi

# What the service needs (jdeps --print-module-deps also lists java.desktop/java.sql/jdk.jfr, reached only through
# optional code paths of logback and Micrometer that this service never takes; checked by running the image).
# jdk.crypto.ec is loaded by name, never linked, so jdeps cannot see it: TLS needs it for EC keys and for the ECDHE and
# X25519 key exchanges of TLS 1.3 (without it an EC certificate fails with "EC KeyFactory not available").
modules="java.base,java.logging,java.management,java.naming,java.xml,jdk.crypto.ec,jdk.management,jdk.unsupported"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs/opt" "$rootfs/etc" "$rootfs/tmp"

"$jdk/bin/jlink" --add-modules "$modules" --output "$rootfs/opt/java" \
  --strip-debug --no-header-files --no-man-pages --compress=2

# Netty's natives live in the jar; they are unpacked at run time, but their libraries must be in the image.
mkdir -p "$work/native"
(cd "$work/native" && unzip -q -o "$jar" 'META-INF/native/*x86_64*.so' || true)

# The dynamic-library closure of the runtime and the natives, as resolved on this machine.
mapfile -t objects < <(find "$rootfs/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \); find "$work/native" -name '*.so')
libs="$work/libs.txt"
: >"$libs"
for o in "${objects[@]}"; do
  ldd "$o" 2>/dev/null | awk '/=> \//{print $3} /^\t\/[^ ]+ \(/{print $1}' >>"$libs" || true
done
# Loaded with dlopen (not visible to ldd) by glibc, the JVM's stack unwinding and Netty's natives.
for extra in libdl.so.2 librt.so.1 libpthread.so.0 libgcc_s.so.1; do
  path="$(ldconfig -p | awk -v n="$extra" '$1 == n && /x86-64/ {print $NF; exit}')"
  [[ -n "$path" ]] && echo "$path" >>"$libs"
done
# Keep the host's merged-/usr links (/lib -> usr/lib ...) so each library is stored once, under its canonical path.
for link in /lib /lib32 /lib64 /libx32; do
  if [[ -L "$link" ]]; then
    target="$(readlink "$link")"
    ln -s "$target" "$rootfs$link"
    mkdir -p "$rootfs/${target#/}"
  fi
done
sort -u "$libs" | grep -v "^$rootfs" | while read -r lib; do
  canonical="$(readlink -f "$lib")"
  mkdir -p "$rootfs$(dirname "$canonical")"
  cp "$canonical" "$rootfs$canonical"
  # The name the loader asks for (e.g. libc.so.6), when it differs from the file's own name.
  if [[ ! -e "$rootfs$lib" ]]; then
    mkdir -p "$rootfs$(dirname "$lib")"
    ln -s "$canonical" "$rootfs$lib"
  fi
done

printf 'root:x:0:0:root:/:/sbin/nologin\necho:x:10001:10001:echoport:/tmp:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\necho:x:10001:\n' >"$rootfs/etc/group"
chmod 1777 "$rootfs/tmp"

"$rootfs/opt/java/bin/java" -version >/dev/null 2>&1 || { echo "build-base: the jlink runtime does not start" >&2; exit 1; }

tar -C "$rootfs" --numeric-owner --owner=0 --group=0 -cf - . | docker import \
  -c 'ENV JAVA_HOME=/opt/java' \
  -c 'ENV PATH=/opt/java/bin' \
  -c "LABEL org.opencontainers.image.title=echoport-base org.opencontainers.image.description=jlink-JDK-${release}-runtime-without-shell dev.echoport.base.recipe=$(sha256sum "$0" | cut -c1-16)" \
  -m "jlink $modules from $jdk" - "$image" >/dev/null
echo "build-base: $image built ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.1f MB", $1/1e6}'); modules $modules)" >&2

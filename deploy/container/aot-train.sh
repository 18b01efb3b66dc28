#!/usr/bin/env bash
# AOT training run (JEP 483/514/515), for the runtime-aot image stage and for `./run --aot-train`.
# Usage: [API_PORT=8080] [ADMIN_PORT=8081] aot-train.sh JAVA-COMMAND...
# Starts the command (a java with -XX:AOTCacheOutput=FILE, listening on API_PORT and ADMIN_PORT),
# waits for /health/ready, sends requests that load the classes of a typical request path (hello,
# the aggregate, a 404, job submissions, a malformed one, the metrics scrape), then
# SIGTERM: Weft drains and exits 0, and the JVM writes the AOT cache (classes loaded and linked,
# and the method profiles of JEP 515) on exit. Needs bash only (no curl in the slim base image).
set -euo pipefail
readonly API_PORT=${API_PORT:-8080} ADMIN_PORT=${ADMIN_PORT:-8081}

"$@" &
pid=$!

get() { # get PORT PATH: prints the HTTP status line
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$2" >&3
  head -n 1 <&3
  exec 3<&-
}

post_json() { # post_json PORT PATH BODY: prints the HTTP status line
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$2" "${#3}" "$3" >&3
  head -n 1 <&3
  exec 3<&-
}

ready=""
for _ in $(seq 1 300); do
  if get "$ADMIN_PORT" /health/ready 2>/dev/null | grep -q ' 200'; then ready=yes; break; fi
  kill -0 "$pid" 2>/dev/null || { echo "aot-train: the app exited before it was ready" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$ready" ]] || { echo "aot-train: not ready within 30 s" >&2; kill -KILL "$pid"; exit 1; }

for i in $(seq 1 50); do get "$API_PORT" "/api/v1/hello?name=aot$i" >/dev/null; done
get "$API_PORT" /api/v1/aggregate >/dev/null
get "$API_PORT" /api/v1/no-such-route >/dev/null
# The job API: a submission (JSON in, validated, queued, run by a worker) and a malformed one (problem+json).
for i in $(seq 1 5); do post_json "$API_PORT" /api/v1/jobs "{\"type\":\"checksum\",\"payload\":{\"text\":\"aot$i\",\"chunkSize\":2}}" >/dev/null; done
post_json "$API_PORT" /api/v1/jobs '{"type":' >/dev/null
get "$ADMIN_PORT" /metrics >/dev/null
get "$ADMIN_PORT" /health/live >/dev/null

kill -TERM "$pid"
wait "$pid"

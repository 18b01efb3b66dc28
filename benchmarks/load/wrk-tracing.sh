#!/usr/bin/env bash
# What tracing costs (issue #16): two packaged Weft launchers side by side, one with tracing off
# (the default), one with tracing.enabled=true at tracing.sample-ratio=1.0 exporting to a local
# OTLP/HTTP sink, measured with wrk one after the other in one run, alternating, and printed as
# one table. Tracing off against a build without tracing would need two builds; off is "no SDK,
# no filter work", so the off/on pair is the figure that varies.
#
#   benchmarks/load/wrk-tracing.sh            # 15 s per target, 2 wrk threads, 32 connections
#   DURATION=30s ROUNDS=3 benchmarks/load/wrk-tracing.sh
#
# Prerequisites (installs nothing): wrk, curl, python3 (the OTLP sink: answers 200 to every POST,
# decodes nothing), a JDK 25 (as wrk-compare.sh finds it). Builds the launcher if it is missing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-10s}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
OFF_PORT=${OFF_PORT:-18280}
ON_PORT=${ON_PORT:-18380}
SINK_PORT=${SINK_PORT:-18318}

source benchmarks/find-java.sh
for tool in wrk curl python3 "$JAVA"; do
    command -v "$tool" >/dev/null || { echo "wrk-tracing: '$tool' not found" >&2; exit 2; }
done
LAUNCHER_JAR=launcher/target/weft-launcher.jar
if [[ ! -f $LAUNCHER_JAR ]]; then
    echo "wrk-tracing: building the launcher"
    ./mvnw -B -q -pl launcher -am package -DskipTests
fi

OUT=$(mktemp -d "${TMPDIR:-/tmp}/wrk-tracing.XXXXXX")
PIDS=()
stop_all() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap 'exit 130' INT TERM

python3 - "$SINK_PORT" >"$OUT/sink.log" 2>&1 <<'PY' &
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink).serve_forever()
PY
PIDS+=($!)
"$JAVA" -jar "$LAUNCHER_JAR" --server.port="$OFF_PORT" --admin.port=$((OFF_PORT + 1)) >"$OUT/off.log" 2>&1 &
PIDS+=($!)
"$JAVA" -jar "$LAUNCHER_JAR" --server.port="$ON_PORT" --admin.port=$((ON_PORT + 1)) --tracing.enabled=true \
    --tracing.sample-ratio=1.0 --tracing.otlp.endpoint="http://127.0.0.1:$SINK_PORT/v1/traces" >"$OUT/on.log" 2>&1 &
PIDS+=($!)

for port in $((OFF_PORT + 1)) $((ON_PORT + 1)); do
    for _ in $(seq 1 120); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null && break
        sleep 0.5
    done
    curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" || { echo "wrk-tracing: a launcher is not ready; logs in $OUT" >&2; exit 1; }
done

NAMES=(off-hello on-hello off-aggregate on-aggregate)
URLS=("http://127.0.0.1:$OFF_PORT/api/v1/hello" "http://127.0.0.1:$ON_PORT/api/v1/hello"
      "http://127.0.0.1:$OFF_PORT/api/v1/aggregate" "http://127.0.0.1:$ON_PORT/api/v1/aggregate")
echo "wrk-tracing: warming up ${WARMUP} per target, then ${ROUNDS} rounds of ${DURATION} per target: wrk -t$THREADS -c$CONNECTIONS"
for i in "${!URLS[@]}"; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${URLS[$i]}" >"$OUT/${NAMES[$i]}.warmup.txt"
done
for r in $(seq 1 "$ROUNDS"); do
    for i in "${!URLS[@]}"; do
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "${URLS[$i]}" >"$OUT/${NAMES[$i]}.$r.txt"
    done
done

declare -A RPS
printf '\n%-14s %s\n' target "requests/s per round (mean)"
for n in "${NAMES[@]}"; do
    figures=$(awk '/^Requests\/sec:/ {print $2}' "$OUT/$n".[0-9]*.txt | tr '\n' ' ')
    RPS[$n]=$(echo "$figures" | awk '{s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.0f", s / NF}')
    printf '%-14s %s(%s)\n' "$n" "$figures" "${RPS[$n]}"
done
awk -v off="${RPS[off-hello]}" -v on="${RPS[on-hello]}" 'BEGIN { printf "hello: tracing on (ratio 1.0) at %.1f%% of tracing off\n", 100 * on / off }'
awk -v off="${RPS[off-aggregate]}" -v on="${RPS[on-aggregate]}" 'BEGIN { printf "aggregate: tracing on at %.1f%% of tracing off\n", 100 * on / off }'
echo "raw wrk output and server logs: $OUT"

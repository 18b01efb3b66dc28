#!/usr/bin/env bash
# What tracing costs (issue #16), measured with wrk in one run, the targets alternating:
#   - each revision in BASE_REVS, built from a temporary git worktree, with tracing off (it may
#     predate tracing altogether): by default ed5e81a, main just before tracing was merged, and
#     b16f605, the merge itself, so that the pair isolates exactly what tracing costs when off;
#   - this tree's launcher with tracing off, and with tracing.enabled=true at
#     tracing.sample-ratio=1.0 exporting to a local OTLP/HTTP sink.
# GET /api/v1/hello on every target; GET /api/v1/aggregate on this tree's two (AGGREGATE=0 skips it).
#
#   benchmarks/load/wrk-tracing.sh --build    # builds what is missing, runs nothing (run it under a build lock)
#   ROUNDS=3 DURATION=20s benchmarks/load/wrk-tracing.sh
#   BASE_REVS= benchmarks/load/wrk-tracing.sh     # this tree's off/on pair only
#
# Each round measures the targets in a rotated order, so that no target always runs first or last.
# The built revisions are kept in $CACHE/<commit>/ (launcher jar and lib/), never in this tree; the
# worktree they are built in is removed once built.
#
# Prerequisites (installs nothing): wrk, curl, git, python3 (the OTLP sink: answers 200 to every
# POST, decodes nothing), a JDK 25 (as wrk-compare.sh finds it).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-10s}
ROUNDS=${ROUNDS:-2}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
BASE_REVS=${BASE_REVS-ed5e81a b16f605}
AGGREGATE=${AGGREGATE:-1}
CACHE=${CACHE:-${TMPDIR:-/tmp}/weft-wrk-tracing}
PORT=${PORT:-18280}
SINK_PORT=${SINK_PORT:-18218}

source benchmarks/tools.sh
require_tools wrk-tracing
command -v python3 >/dev/null || { echo "wrk-tracing: 'python3' not found" >&2; exit 2; }

# The launcher directory (jar + lib/) of revision $1, built if missing; prints its path.
built() {
    local sha dir src
    sha=$(git rev-parse --verify "$1^{commit}")
    dir="$CACHE/$sha"
    if [[ ! -f $dir/weft-launcher.jar ]]; then
        src=$(mktemp -d "${TMPDIR:-/tmp}/weft-src.XXXXXX")
        echo "wrk-tracing: building $1 ($sha) in $src" >&2
        git worktree add -q --detach "$src" "$sha" >&2
        (cd "$src" && ./mvnw -B -q -pl launcher -am package -DskipTests >&2) || {
            git worktree remove --force "$src"; exit 1; }
        mkdir -p "$dir"
        cp -r "$src/launcher/target/weft-launcher.jar" "$src/launcher/target/lib" "$dir/"
        git worktree remove --force "$src"
    fi
    echo "$dir"
}

REV_DIRS=()
for rev in $BASE_REVS; do
    REV_DIRS+=("$(built "$rev")")
done
if [[ ${1:-} == --build ]]; then
    exit 0
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

NAMES=()
URLS=()
ADMIN_PORTS=()
# launch NAME JAR [ARGS...]: one launcher on the next two ports; its hello is a target.
launch() {
    local name=$1 jar=$2
    shift 2
    "$JAVA" -jar "$jar" --server.port="$PORT" --admin.port=$((PORT + 1)) "$@" >"$OUT/$name.log" 2>&1 &
    PIDS+=($!)
    NAMES+=("$name-hello")
    URLS+=("http://127.0.0.1:$PORT/api/v1/hello")
    ADMIN_PORTS+=($((PORT + 1)))
    PORT=$((PORT + 10))
}
i=0
for rev in $BASE_REVS; do
    launch "$rev-off" "${REV_DIRS[$i]}/weft-launcher.jar"
    i=$((i + 1))
done
launch head-off "$LAUNCHER_JAR"
HEAD_OFF=$((PORT - 10))
launch head-on "$LAUNCHER_JAR" --tracing.enabled=true --tracing.sample-ratio=1.0 \
    --tracing.otlp.endpoint="http://127.0.0.1:$SINK_PORT/v1/traces"
HEAD_ON=$((PORT - 10))
if [[ $AGGREGATE == 1 ]]; then
    NAMES+=(head-off-aggregate head-on-aggregate)
    URLS+=("http://127.0.0.1:$HEAD_OFF/api/v1/aggregate" "http://127.0.0.1:$HEAD_ON/api/v1/aggregate")
fi

for port in "${ADMIN_PORTS[@]}"; do
    for _ in $(seq 1 120); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" 2>/dev/null && break
        sleep 0.5
    done
    curl -fsS -o /dev/null "http://127.0.0.1:$port/health/ready" || { echo "wrk-tracing: a launcher is not ready; logs in $OUT" >&2; exit 1; }
done

{ echo "before: $(uptime)"; echo "revisions: head=$(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+changes') $BASE_REVS"; } | tee "$OUT/load.txt"
echo "wrk-tracing: warming up ${WARMUP} per target, then ${ROUNDS} rounds of ${DURATION} per target: wrk -t$THREADS -c$CONNECTIONS"
N=${#URLS[@]}
for i in "${!URLS[@]}"; do
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${URLS[$i]}" >"$OUT/${NAMES[$i]}.warmup.txt"
done
for r in $(seq 1 "$ROUNDS"); do
    for k in $(seq 0 $((N - 1))); do
        i=$(((k + r - 1) % N))
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "${URLS[$i]}" >"$OUT/${NAMES[$i]}.$r.txt"
    done
done
echo "after: $(uptime)" | tee -a "$OUT/load.txt"

declare -A RPS
printf '\n%-22s %s\n' target "requests/s per round (mean)"
for n in "${NAMES[@]}"; do
    figures=$(for r in $(seq 1 "$ROUNDS"); do awk '/^Requests\/sec:/ {printf "%.0f ", $2}' "$OUT/$n.$r.txt"; done)
    RPS[$n]=$(echo "$figures" | awk '{s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.0f", s / NF}')
    printf '%-22s %s(%s)\n' "$n" "$figures" "${RPS[$n]}"
done
ratio() { # label numerator denominator
    awk -v a="${RPS[$2]}" -v b="${RPS[$3]}" -v l="$1" 'BEGIN { printf "%s: %.1f%%\n", l, 100 * a / b }'
}
for rev in $BASE_REVS; do
    ratio "hello, head off vs $rev" head-off-hello "$rev-off-hello"
done
set -- $BASE_REVS
if [[ $# -ge 2 ]]; then
    ratio "hello, $2 off vs $1 (tracing off vs no tracing)" "$2-off-hello" "$1-off-hello"
fi
ratio "hello, head on (ratio 1.0) vs head off" head-on-hello head-off-hello
if [[ $AGGREGATE == 1 ]]; then
    ratio "aggregate, head on vs head off" head-on-aggregate head-off-aggregate
fi
echo "raw wrk output, load averages and server logs: $OUT"

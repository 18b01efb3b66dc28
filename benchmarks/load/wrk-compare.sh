#!/usr/bin/env bash
# HTTP load comparison (issue #4): the packaged Weft launcher against a bare Helidon SE hello
# server, measured with wrk one after the other in one run, and printed as one table.
#
#   benchmarks/load/wrk-compare.sh            # 15 s per target, 2 wrk threads, 32 connections
#   DURATION=30s CONNECTIONS=64 benchmarks/load/wrk-compare.sh
#
# Prerequisites (installs nothing): wrk (`apt-get install wrk`), curl, a JDK 25 (JAVA, else
# JAVA_HOME/bin/java, else /usr/lib/jvm/temurin-25-jdk-amd64/bin/java); for the HTTP/2 targets
# h2load (`apt-get install nghttp2-client`), skipped with a note without it. Builds the launcher
# and the benchmarks module first if their artifacts are missing.
#
# Targets:
#   Weft  GET /api/v1/hello                      (port 18080; admin 18081)
#   Weft  GET /api/v1/hello, Accept-Encoding: gzip   (http.compression.enabled=true: gzip answers)
#   Weft  GET /api/v1/hello over HTTP/2 (h2c prior knowledge, h2load), plain and with gzip
#   Weft  GET /api/v1/aggregate                  (three upstreams, each the demo route with delay=1ms)
#   Weft  GET /api/v1/demo/upstream/a?delay=1ms  (one upstream call: the aggregate's yardstick)
#   bare  GET /api/v1/hello                      (port 18090: dev.weft.benchmarks.http.BareHelloServer)
# Both servers are stopped by PID on exit. wrk and both servers share this machine's cores.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
WEFT_PORT=${WEFT_PORT:-18080}
ADMIN_PORT=${ADMIN_PORT:-18081}
BARE_PORT=${BARE_PORT:-18090}

source benchmarks/tools.sh
require_tools wrk-compare

OUT=$(mktemp -d "${TMPDIR:-/tmp}/wrk-compare.XXXXXX")
WEFT_PID=
BARE_PID=
stop_servers() {
    for pid in $WEFT_PID $BARE_PID; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $WEFT_PID $BARE_PID; do
        wait "$pid" 2>/dev/null || true
    done
}
trap stop_servers EXIT
trap 'exit 130' INT TERM

UP="http://{self}/api/v1/demo/upstream"
"$JAVA" -jar "$LAUNCHER_JAR" --server.port="$WEFT_PORT" --admin.port="$ADMIN_PORT" \
    --http.aggregate.upstreams="a=$UP/a?delay=1ms,b=$UP/b?delay=1ms,c=$UP/c?delay=1ms" \
    --http.compression.enabled=true --http.http2.enabled=true \
    >"$OUT/weft.log" 2>&1 &
WEFT_PID=$!
"$JAVA" -cp "$BARE_CP" dev.weft.benchmarks.http.BareHelloServer "$BARE_PORT" >"$OUT/bare.log" 2>&1 &
BARE_PID=$!

wait_for() { # url name pid
    for _ in $(seq 1 120); do
        if curl -fsS -o /dev/null "$1" 2>/dev/null; then
            return 0
        fi
        kill -0 "$3" 2>/dev/null || { echo "wrk-compare: $2 exited; log:" >&2; cat "$OUT/$2.log" >&2; exit 1; }
        sleep 0.5
    done
    echo "wrk-compare: $2 not ready after 60 s; log in $OUT/$2.log" >&2
    exit 1
}
wait_for "http://127.0.0.1:$ADMIN_PORT/health/ready" weft "$WEFT_PID"
wait_for "http://127.0.0.1:$BARE_PORT/api/v1/hello" bare "$BARE_PID"

# weft-agg-distinct: the same aggregate, but each request with its own X-Request-Timeout (so its
# own SingleFlight key): every request runs its own fan-out, as distinct real requests would.
# Compression is on, but only a request whose Accept-Encoding allows gzip gets it (weft-hello-gzip).
NAMES=(weft-hello weft-hello-gzip weft-aggregate weft-agg-distinct weft-upstream bare-hello)
URLS=(
    "http://127.0.0.1:$WEFT_PORT/api/v1/hello"
    "http://127.0.0.1:$WEFT_PORT/api/v1/hello"
    "http://127.0.0.1:$WEFT_PORT/api/v1/aggregate"
    "http://127.0.0.1:$WEFT_PORT/api/v1/aggregate"
    "http://127.0.0.1:$WEFT_PORT/api/v1/demo/upstream/a?delay=1ms"
    "http://127.0.0.1:$BARE_PORT/api/v1/hello"
)
SCRIPTS=("" "" "" "$ROOT/benchmarks/load/distinct-timeouts.lua" "" "")
HEADERS=("" "Accept-Encoding: gzip" "" "" "" "")
run_wrk() { # index duration [--latency]
    local extra=()
    [[ -n "${SCRIPTS[$1]}" ]] && extra+=(-s "${SCRIPTS[$1]}")
    [[ -n "${HEADERS[$1]}" ]] && extra+=(-H "${HEADERS[$1]}")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2" "${@:3}" "${extra[@]}" "${URLS[$1]}"
}
# HTTP/2 by prior knowledge: h2load, CONNECTIONS connections with up to 10 streams each.
H2_NAMES=(weft-hello-h2 weft-hello-h2-gzip)
H2_HEADERS=("" "Accept-Encoding: gzip")
run_h2load() { # index duration
    local extra=()
    [[ -n "${H2_HEADERS[$1]}" ]] && extra+=(-H "${H2_HEADERS[$1]}")
    h2load -t"$THREADS" -c"$CONNECTIONS" -m10 -D"${2%s}" "${extra[@]}" "http://127.0.0.1:$WEFT_PORT/api/v1/hello"
}
HAVE_H2LOAD=$(command -v h2load >/dev/null && echo yes || echo no)

echo "wrk-compare: warming up ${WARMUP} per target (JIT), then ${DURATION} per target: wrk -t$THREADS -c$CONNECTIONS"
for i in "${!URLS[@]}"; do
    run_wrk "$i" "$WARMUP" >"$OUT/${NAMES[$i]}.warmup.txt"
done
for i in "${!URLS[@]}"; do
    run_wrk "$i" "$DURATION" --latency >"$OUT/${NAMES[$i]}.txt"
done
if [[ $HAVE_H2LOAD == yes ]]; then
    for i in "${!H2_NAMES[@]}"; do
        run_h2load "$i" "$WARMUP" >"$OUT/${H2_NAMES[$i]}.warmup.txt"
        run_h2load "$i" "$DURATION" >"$OUT/${H2_NAMES[$i]}.txt"
    done
fi

# wrk prints latencies as 635.00us, 1.02ms or 1.10s: in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
        printf "%.3f", n
    }'
}
declare -A RPS P50 P99
printf '\n%-18s %12s %10s %10s %10s  %s\n' target "requests/s" "p50 ms" "p99 ms" "non-2xx" url
for i in "${!URLS[@]}"; do
    f="$OUT/${NAMES[$i]}.txt"
    n=${NAMES[$i]}
    RPS[$n]=$(awk '/^Requests\/sec:/ {print $2}' "$f")
    P50[$n]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
    P99[$n]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
    bad=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")
    errors=$(grep -h 'Socket errors' "$f" || true)
    printf '%-18s %12s %10s %10s %10s  %s%s\n' "$n" "${RPS[$n]}" "${P50[$n]}" "${P99[$n]}" "${bad:-0}" "${URLS[$i]}" \
        "${errors:+  ($errors)}"
done
if [[ $HAVE_H2LOAD == yes ]]; then
    # h2load reports no percentiles: its mean request time stands in the p50 column, marked.
    for n in "${H2_NAMES[@]}"; do
        f="$OUT/$n.txt"
        rps=$(awk '/^finished in/ {print $4}' "$f")
        mean=$(to_ms "$(awk '/^time for request:/ {print $6}' "$f")")
        bad=$(awk '/^status codes:/ {print $5 + $7 + $9; exit}' "$f")
        label="h2c prior knowledge"
        [[ $n == *gzip ]] && label="$label, Accept-Encoding: gzip"
        printf '%-18s %12s %10s %10s %10s  %s\n' "$n" "$rps" "~$mean" "-" "${bad:-0}" "$label"
    done
else
    echo "(HTTP/2 targets skipped: h2load not found; apt-get install nghttp2-client)"
fi
echo
awk -v w="${RPS[weft-hello]}" -v b="${RPS[bare-hello]}" \
    'BEGIN { printf "hello: Weft at %.1f%% of bare (target >= 90%%)\n", 100 * w / b }'
awk -v a="${P50[weft-aggregate]}" -v u="${P50[weft-upstream]}" \
    'BEGIN { printf "aggregate p50 = %.2fx one upstream call p50 (target <= 2x)\n", a / u }'
awk -v a="${P50[weft-agg-distinct]}" -v u="${P50[weft-upstream]}" \
    'BEGIN { printf "aggregate p50 without collapsing = %.2fx one upstream call p50\n", a / u }'
sent=$(cat "$OUT"/weft-aggregate*.txt "$OUT"/weft-agg-distinct*.txt | awk '/ requests in / {s += $1} END {print s}')
collapsed=$(curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" | awk '/^http_aggregate_collapsed_total/ {s += $NF} END {printf "%d", s}')
echo "aggregate requests (both aggregate targets, warm-up included) answered from another request's fan-out (singleflight): $collapsed of $sent"
echo "raw wrk output and server logs: $OUT"

#!/usr/bin/env bash
# Memory budget check (issue #15): the packaged launcher with the container image's JVM flags,
# first unconstrained, then sized as in a 256 MiB container (-XX:MaxRAM=256m: there are no cgroups
# to use here, and MaxRAM makes the JVM size itself exactly as it would under such a limit), each
# under the same wrk hello load. Prints one table: p50/p99, requests/s, socket errors and non-2xx,
# peak RSS (VmHWM), and whether the process survived (an OutOfMemoryError ends it, as
# -XX:+ExitOnOutOfMemoryError in the image makes it).
#
#   benchmarks/startup/memory-cap.sh                      # 60 s per run, 64 connections: ~2.5 min
#   DURATION=30s CAP=192m benchmarks/startup/memory-cap.sh
#   IMAGE_FLAGS="-XX:MaxRAMPercentage=50.0 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError" benchmarks/startup/memory-cap.sh
#
# Target: no OOM under the cap, and its p99 within 1.5x of the unconstrained run's.
# Prerequisites as benchmarks/startup/startup-compare.sh; ports 18280 (API) and 18281 (admin).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

DURATION=${DURATION:-60s}
WARMUP=${WARMUP:-10s}
CONNECTIONS=${CONNECTIONS:-64}
CAP=${CAP:-256m}
API_PORT=${API_PORT:-18280}
ADMIN_PORT=${ADMIN_PORT:-18281}
# The ENTRYPOINT flags of deploy/container/Dockerfile (keep in step with it).
IMAGE_FLAGS=${IMAGE_FLAGS:-"-XX:MaxRAMPercentage=70.0 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:UserThreadWaitAttemptsAtExit=0"}

source benchmarks/tools.sh
require_tools memory-cap

OUT=$(mktemp -d "${TMPDIR:-/tmp}/memory-cap.XXXXXX")
PID=
cleanup() {
    if [[ -n $PID ]]; then kill -KILL "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

to_ms() { # wrk's 635.00us, 1.02ms, 1.10s in milliseconds
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

declare -A P50 P99 RPS ERRS HWM HEAP ALIVE
RUNS=(unconstrained "maxram-$CAP")
for run in "${RUNS[@]}"; do
    flags=$IMAGE_FLAGS
    [[ $run == unconstrained ]] || flags="-XX:MaxRAM=$CAP $IMAGE_FLAGS"
    # shellcheck disable=SC2086  # flags are words
    "$JAVA" $flags -jar "$LAUNCHER_JAR" --server.host=127.0.0.1 --server.port="$API_PORT" \
        --admin.host=127.0.0.1 --admin.port="$ADMIN_PORT" >"$OUT/$run.log" 2>&1 &
    PID=$!
    for _ in $(seq 1 600); do
        curl -fsS -o /dev/null "http://127.0.0.1:$ADMIN_PORT/health/ready" 2>/dev/null && break
        kill -0 "$PID" 2>/dev/null || { echo "memory-cap: $run exited at start-up; log:" >&2; cat "$OUT/$run.log" >&2; exit 1; }
        sleep 0.1
    done
    HEAP[$run]=$(curl -fsS "http://127.0.0.1:$ADMIN_PORT/metrics" \
        | awk '/^jvm_memory_max_bytes\{.*area="heap"/ {s += $NF} END {printf "%.0f", s / 1048576}')
    url="http://127.0.0.1:$API_PORT/api/v1/hello"
    echo "memory-cap: $run ($flags): max heap ${HEAP[$run]} MiB; wrk -t2 -c$CONNECTIONS, $WARMUP warm-up, then $DURATION"
    wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" "$url" >/dev/null
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$OUT/$run.wrk.txt" || true
    f="$OUT/$run.wrk.txt"
    P50[$run]=$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")")
    P99[$run]=$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")")
    RPS[$run]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$f")
    ERRS[$run]="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$f")"
    ERRS[$run]="${ERRS[$run]:-0}$(grep -h 'Socket errors' "$f" | sed 's/^ */ (/; s/$/)/' || true)"
    if kill -0 "$PID" 2>/dev/null; then
        ALIVE[$run]=yes
        HWM[$run]=$(awk '$1 == "VmHWM:" {printf "%.0f", $2 / 1024}' "/proc/$PID/status")
        kill -TERM "$PID"
        wait "$PID" || true
    else
        ALIVE[$run]="NO (exited: $(grep -c OutOfMemoryError "$OUT/$run.log") OutOfMemoryError lines)"
        HWM[$run]=-
        wait "$PID" || true
    fi
    PID=
done

echo
printf '%-16s %9s %9s %9s %10s %9s %14s  %s\n' run "heap MiB" "p50 ms" "p99 ms" "req/s" "peak MiB" "alive" "non-2xx"
for run in "${RUNS[@]}"; do
    printf '%-16s %9s %9s %9s %10s %9s %14s  %s\n' "$run" "${HEAP[$run]}" "${P50[$run]}" "${P99[$run]}" "${RPS[$run]}" \
        "${HWM[$run]}" "${ALIVE[$run]}" "${ERRS[$run]}"
done
echo
awk -v c="${P99[${RUNS[1]}]}" -v u="${P99[unconstrained]}" \
    'BEGIN { printf "p99 under the cap = %.2fx the unconstrained p99 (target <= 1.5x, and no OOM)\n", c / u }'
echo "load $(cut -d' ' -f1-3 /proc/loadavg); raw output: $OUT"

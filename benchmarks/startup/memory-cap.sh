#!/usr/bin/env bash
# Memory budget check (issue #15): the packaged launcher with the container image's JVM flags,
# unconstrained and sized as in a 256 MiB container (-XX:MaxRAM=256m: there are no cgroups to use
# here, and MaxRAM makes the JVM size its heap exactly as it would under such a limit). Both run at
# once, and the same wrk hello load goes to each ALTERNATELY in segments, so that both see the same
# machine load. Prints one table: p50/p99 (the median of the segments' and the worst), requests/s,
# non-2xx and socket errors, peak RSS (VmHWM), GC pauses (count and total, from -Xlog:gc), and
# whether the process survived (an OutOfMemoryError ends it, as -XX:+ExitOnOutOfMemoryError makes it).
#
#   benchmarks/startup/memory-cap.sh                      # 4 x 15 s per run, 64 connections: ~2.5 min
#   SEGMENTS=2 SEGMENT=30s CAP=192m benchmarks/startup/memory-cap.sh
#   IMAGE_FLAGS="-XX:MaxRAMPercentage=70.0 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError" benchmarks/startup/memory-cap.sh
#
# Target: no OOM under the cap, and its p99 within 1.5x of the unconstrained run's.
# Prerequisites as benchmarks/startup/startup-compare.sh; ports 18280/18281 (unconstrained) and
# 18282/18283 (capped).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

SEGMENTS=${SEGMENTS:-4}
SEGMENT=${SEGMENT:-15s}
WARMUP=${WARMUP:-10s}
CONNECTIONS=${CONNECTIONS:-64}
CAP=${CAP:-256m}
# The ENTRYPOINT flags of deploy/container/Dockerfile (keep in step with it).
IMAGE_FLAGS=${IMAGE_FLAGS:-"-XX:MaxRAMPercentage=50.0 -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:UserThreadWaitAttemptsAtExit=0"}

source benchmarks/tools.sh
require_tools memory-cap

OUT=$(mktemp -d "${TMPDIR:-/tmp}/memory-cap.XXXXXX")
RUNS=(unconstrained "maxram-$CAP")
declare -A PID API ADMIN
API[unconstrained]=18280; ADMIN[unconstrained]=18281
API[maxram-$CAP]=18282; ADMIN[maxram-$CAP]=18283
cleanup() {
    for run in "${RUNS[@]}"; do
        if [[ -n ${PID[$run]:-} ]]; then kill -KILL "${PID[$run]}" 2>/dev/null || true; wait "${PID[$run]}" 2>/dev/null || true; fi
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

to_ms() { # wrk's 635.00us, 1.02ms, 1.10s in milliseconds
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

declare -A HEAP
for run in "${RUNS[@]}"; do
    flags="$IMAGE_FLAGS -Xlog:gc:file=$OUT/$run.gc.log"
    [[ $run == unconstrained ]] || flags="-XX:MaxRAM=$CAP $flags"
    # shellcheck disable=SC2086  # flags are words
    "$JAVA" $flags -jar "$LAUNCHER_JAR" --server.host=127.0.0.1 --server.port="${API[$run]}" \
        --admin.host=127.0.0.1 --admin.port="${ADMIN[$run]}" >"$OUT/$run.log" 2>&1 &
    PID[$run]=$!
    for _ in $(seq 1 600); do
        curl -fsS -o /dev/null "http://127.0.0.1:${ADMIN[$run]}/health/ready" 2>/dev/null && break
        kill -0 "${PID[$run]}" 2>/dev/null || { echo "memory-cap: $run exited at start-up; log:" >&2; cat "$OUT/$run.log" >&2; exit 1; }
        sleep 0.1
    done
    HEAP[$run]=$(curl -fsS "http://127.0.0.1:${ADMIN[$run]}/metrics" \
        | awk '/^jvm_memory_max_bytes\{.*area="heap"/ {s += $NF} END {printf "%.0f", s / 1048576}')
    echo "memory-cap: $run: $flags (max heap ${HEAP[$run]} MiB)"
done
url() { echo "http://127.0.0.1:${API[$1]}/api/v1/hello"; }

echo "memory-cap: $WARMUP warm-up each, then $SEGMENTS alternating segments of $SEGMENT each: wrk -t2 -c$CONNECTIONS"
for run in "${RUNS[@]}"; do
    wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" "$(url "$run")" >/dev/null
done
for i in $(seq 1 "$SEGMENTS"); do
    for run in "${RUNS[@]}"; do
        wrk -t2 -c"$CONNECTIONS" -d"$SEGMENT" --latency "$(url "$run")" >"$OUT/$run.$i.wrk.txt" || true
    done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
worst() { tr ' ' '\n' <<<"$1" | grep . | sort -n | tail -n 1; }
declare -A P50 P99 WORST RPS BAD HWM ALIVE GC
for run in "${RUNS[@]}"; do
    p50s= p99s= rps=0 bad=0
    for f in "$OUT/$run".*.wrk.txt; do
        p50s+="$(to_ms "$(awk '$1 == "50%" {print $2}' "$f")") "
        p99s+="$(to_ms "$(awk '$1 == "99%" {print $2}' "$f")") "
        rps=$(awk -v a="$rps" '/^Requests\/sec:/ {a += $2} END {print a}' "$f")
        bad=$(( bad + $(awk '/Non-2xx or 3xx responses:/ {n = $NF} /Socket errors/ {n += 1} END {print n + 0}' "$f") ))
    done
    P50[$run]=$(median "$p50s"); P99[$run]=$(median "$p99s"); WORST[$run]=$(worst "$p99s")
    RPS[$run]=$(awk -v a="$rps" -v n="$SEGMENTS" 'BEGIN {printf "%.0f", a / n}')
    BAD[$run]=$bad
    GC[$run]=$(awk '/Pause/ {t = $NF; sub("ms", "", t); n++; s += t} END {printf "%d / %.0f ms", n, s}' "$OUT/$run.gc.log")
    if kill -0 "${PID[$run]}" 2>/dev/null; then
        ALIVE[$run]=yes
        HWM[$run]=$(awk '$1 == "VmHWM:" {printf "%.0f", $2 / 1024}' "/proc/${PID[$run]}/status")
        kill -TERM "${PID[$run]}"
    else
        ALIVE[$run]="NO ($(grep -c OutOfMemoryError "$OUT/$run.log") OutOfMemoryError lines)"
        HWM[$run]=-
    fi
    wait "${PID[$run]}" || true
    PID[$run]=
done

echo
printf '%-16s %9s %8s %8s %10s %10s %9s %16s %6s %s\n' run "heap MiB" "p50 ms" "p99 ms" "worst p99" "req/s" "peak MiB" "GC pauses" alive "bad answers"
for run in "${RUNS[@]}"; do
    printf '%-16s %9s %8s %8s %10s %10s %9s %16s %6s %s\n' "$run" "${HEAP[$run]}" "${P50[$run]}" "${P99[$run]}" "${WORST[$run]}" \
        "${RPS[$run]}" "${HWM[$run]}" "${GC[$run]}" "${ALIVE[$run]}" "${BAD[$run]}"
done
echo
awk -v c="${P99[${RUNS[1]}]}" -v u="${P99[unconstrained]}" \
    'BEGIN { printf "p99 under the cap = %.2fx the unconstrained p99 (target <= 1.5x, and no OOM)\n", c / u }'
echo "p99: median of the $SEGMENTS segments; load $(cut -d' ' -f1-3 /proc/loadavg); raw output: $OUT"

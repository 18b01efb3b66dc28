#!/usr/bin/env bash
# Start-up, stop and memory comparison (issue #15): the packaged Weft launcher, the same with the
# JDK 25 AOT cache (launcher/target/weft.aot, made first by `./run --aot-train` when missing or
# older than the build), and a bare Helidon SE server (dev.weft.benchmarks.http.BareHelloServer,
# a hello route and one health route), timed ALTERNATELY in one run so that every ratio compares
# figures taken under the same machine load. Prints one table.
#
#   benchmarks/startup/startup-compare.sh               # 5 rounds, 10 s of wrk per target: ~2-3 min
#   ROUNDS=10 LOAD=20s benchmarks/startup/startup-compare.sh
#   AOT=0 benchmarks/startup/startup-compare.sh         # without the AOT-cache target
#   BASELINE_JAR=/tmp/before/launcher/target/weft-launcher.jar benchmarks/startup/startup-compare.sh
#                                                       # adds weft-base: another build of the launcher
#                                                       # (a git worktree's), timed in the same rounds
#
# Per round and target, in the order weft, bare, weft-aot, weft-base:
#   start    exec until the first 200 on /health/ready (Weft's admin port; the bare server's one route),
#            polled with curl every 10 ms;
#   rss      VmRSS of the process 1 s after ready;
#   stop     SIGTERM, after 2 s idle, until the process has exited (bash `wait`).
# Then once per target, in a separate run (class logging slows start-up, so it is not timed):
#   classes  classes loaded before ready (-Xlog:class+load, lines written when ready answered);
#   load     VmRSS and VmHWM (peak) at the end of `wrk -t2 -cCONNECTIONS -dLOAD` on the hello route.
# Medians over the rounds are printed with the min-max range, and the ratios to bare.
#
# Prerequisites (installs nothing): wrk (`apt-get install wrk`), curl, a JDK 25 (JAVA, else
# JAVA_HOME/bin/java, else /usr/lib/jvm/temurin-25-jdk-amd64/bin/java). Builds the launcher and
# the benchmarks module when their artifacts are missing. Ports: 18181 (Weft admin; its API port is
# picked free), 18190 (bare). Servers are stopped by PID on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"

ROUNDS=${ROUNDS:-5}
LOAD=${LOAD:-10s}
CONNECTIONS=${CONNECTIONS:-64}
AOT=${AOT:-1}
ADMIN_PORT=${ADMIN_PORT:-18181}
BARE_PORT=${BARE_PORT:-18190}
JAVA_FLAGS=${JAVA_FLAGS:-}   # extra JVM flags for every target, e.g. -XX:MaxRAM=256m
# Weft's targets start as ./run starts it (the bare server keeps the JVM's defaults).
WEFT_FLAGS="-XX:UserThreadWaitAttemptsAtExit=0"

source benchmarks/tools.sh
require_tools startup-compare
# Relative paths, as ./run uses them: an AOT cache only matches the class path it was made with.
AOT_CACHE=launcher/target/weft.aot
TARGETS=(weft bare)
if [[ $AOT == 1 ]]; then
    if [[ ! -f $AOT_CACHE || -n "$(find "$LAUNCHER_JAR" launcher/target/lib -newer "$AOT_CACHE" -print -quit)" ]]; then
        echo "startup-compare: making the AOT cache (./run --aot-train)"
        JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v "$JAVA")")")") ./run --aot-train >/dev/null 2>&1 \
            || { echo "startup-compare: ./run --aot-train failed" >&2; exit 1; }
    fi
    TARGETS+=(weft-aot)
fi
BASELINE_JAR=${BASELINE_JAR:-}
if [[ -n $BASELINE_JAR ]]; then
    [[ -f $BASELINE_JAR ]] || { echo "startup-compare: BASELINE_JAR $BASELINE_JAR not found" >&2; exit 2; }
    TARGETS+=(weft-base)
fi

OUT=$(mktemp -d "${TMPDIR:-/tmp}/startup-compare.XXXXXX")
PID=
cleanup() {
    if [[ -n $PID ]]; then kill -KILL "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
rss_kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

# launch TARGET LOG [JVM flags...]: starts the target in the background, sets PID and READY_URL.
launch() {
    local target=$1 log=$2
    shift 2
    case $target in
        weft|weft-base)
                  local jar=$LAUNCHER_JAR
                  [[ $target == weft-base ]] && jar=$BASELINE_JAR
                  READY_URL="http://127.0.0.1:$ADMIN_PORT/health/ready"
                  "$JAVA" $WEFT_FLAGS $JAVA_FLAGS "$@" -jar "$jar" --server.host=127.0.0.1 --server.port=0 \
                      --admin.host=127.0.0.1 --admin.port="$ADMIN_PORT" >"$log" 2>&1 & ;;
        weft-aot) READY_URL="http://127.0.0.1:$ADMIN_PORT/health/ready"
                  "$JAVA" -XX:AOTCache="$AOT_CACHE" -Xlog:aot*=off -Xlog:aot*=error:stderr $WEFT_FLAGS $JAVA_FLAGS "$@" \
                      -jar "$LAUNCHER_JAR" --server.host=127.0.0.1 --server.port=0 \
                      --admin.host=127.0.0.1 --admin.port="$ADMIN_PORT" >"$log" 2>&1 & ;;
        bare)     READY_URL="http://127.0.0.1:$BARE_PORT/health/ready"
                  "$JAVA" $JAVA_FLAGS "$@" -cp "$BARE_CP" dev.weft.benchmarks.http.BareHelloServer "$BARE_PORT" >"$log" 2>&1 & ;;
    esac
    PID=$!
}

# await_ready LOG: polls READY_URL every 10 ms for at most 60 s.
await_ready() {
    local deadline=$(( $(now_ms) + 60000 ))
    until curl -fsS -o /dev/null "$READY_URL" 2>/dev/null; do
        kill -0 "$PID" 2>/dev/null || { echo "startup-compare: the server exited; log:" >&2; cat "$1" >&2; exit 1; }
        (( $(now_ms) < deadline )) || { echo "startup-compare: not ready within 60 s; log: $1" >&2; exit 1; }
        sleep 0.01
    done
}

# stop: SIGTERM, then STOPPED_MS, the milliseconds until the process has exited (not in a
# subshell: only this shell can wait for its child); reports an unexpected exit code.
stop() {
    local t0 rc=0
    t0=$(now_ms)
    kill -TERM "$PID"
    wait "$PID" || rc=$?
    STOPPED_MS=$(( $(now_ms) - t0 ))
    PID=
    # The bare server has no graceful-stop contract; the JVM's default on SIGTERM is 143.
    (( rc == 0 || rc == 143 )) || echo "startup-compare: exit code $rc" >&2
}

declare -A START RSS STOP
echo "startup-compare: $ROUNDS rounds of ${TARGETS[*]}, then class counts and RSS under wrk -c$CONNECTIONS -d$LOAD; logs in $OUT"
for round in $(seq 1 "$ROUNDS"); do
    line=
    for t in "${TARGETS[@]}"; do
        log="$OUT/$t.$round.log"
        t0=$(now_ms)
        launch "$t" "$log"
        await_ready "$log"
        ms=$(( $(now_ms) - t0 ))
        START[$t]+="$ms "
        sleep 1
        RSS[$t]+="$(rss_kb "$PID" VmRSS) "
        sleep 1
        stop
        STOP[$t]+="$STOPPED_MS "
        line+=" $t=$ms"
    done
    echo "  round $round, ms from exec to ready:$line"
done

declare -A CLASSES LOAD_RSS LOAD_HWM RPS
for t in "${TARGETS[@]}"; do
    log="$OUT/$t.classes.log"
    launch "$t" "$log" "-Xlog:class+load=info:file=$OUT/$t.classes.txt"
    await_ready "$log"
    CLASSES[$t]=$(wc -l <"$OUT/$t.classes.txt")
    if [[ $t == bare ]]; then url="http://127.0.0.1:$BARE_PORT/api/v1/hello"; else
        port=$(sed -n 's|.*listening: api *http://[^:]*:\([0-9]*\)/.*|\1|p' "$log" | head -n 1)
        url="http://127.0.0.1:$port/api/v1/hello"
    fi
    wrk -t2 -c"$CONNECTIONS" -d3s "$url" >/dev/null   # JIT warm-up
    wrk -t2 -c"$CONNECTIONS" -d"$LOAD" --latency "$url" >"$OUT/$t.wrk.txt"
    LOAD_RSS[$t]=$(rss_kb "$PID" VmRSS)
    LOAD_HWM[$t]=$(rss_kb "$PID" VmHWM)
    RPS[$t]=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$OUT/$t.wrk.txt")
    stop
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }
range() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%s-%s", lo, hi}'; }
mib() { awk -v k="$1" 'BEGIN {printf "%.0f", k / 1024}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

b_start=$(median "${START[bare]}")
b_stop=$(median "${STOP[bare]}")
echo
printf '%-9s %16s %6s %14s %9s %8s %11s %11s %9s\n' target "start ms" "/bare" "stop ms" "rss MiB" classes "load MiB" "peak MiB" "req/s"
for t in "${TARGETS[@]}"; do
    s=$(median "${START[$t]}")
    printf '%-9s %16s %6s %14s %9s %8s %11s %11s %9s\n' "$t" "$s ($(range "${START[$t]}"))" "$(ratio "$s" "$b_start")" \
        "$(median "${STOP[$t]}") ($(range "${STOP[$t]}"))" "$(mib "$(median "${RSS[$t]}")")" "${CLASSES[$t]}" \
        "$(mib "${LOAD_RSS[$t]}")" "$(mib "${LOAD_HWM[$t]}")" "${RPS[$t]}"
done
echo
echo "targets: start (no AOT cache) <= 1.1x bare; weft-aot start <= 0.5x bare; weft stop <= 150 ms"
echo "medians of $ROUNDS alternating rounds (min-max); load: wrk -t2 -c$CONNECTIONS -d$LOAD on the hello route; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "raw logs: $OUT"

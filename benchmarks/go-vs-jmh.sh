#!/usr/bin/env bash
# The patterns benchmarks against Go, in one sitting: the Go reference (benchmarks/go, `go test
# -bench`) and then the JMH suite, back to back on the same machine, so "vs Go" and "vs the JDK"
# are ratios measured minutes apart under the same load. Output: one directory with go.txt,
# jmh.txt, jmh.json, jmh-cancel.txt, jmh-cancel.json and machine.txt (load before and after).
#
#   benchmarks/go-vs-jmh.sh                      # JMH -f 3 -wi 3 -i 5; Go -count 3
#   FORKS=1 COUNT=1 benchmarks/go-vs-jmh.sh      # a quick look
#   JMH='PingPong|Chain' CANCEL=0 benchmarks/go-vs-jmh.sh   # some JMH classes only (Go always runs all: ~1 min)
#
# Prerequisites (installs nothing): Go 1.19+ and golang.org/x/sync in GOPATH (Debian: apt-get
# install golang-go golang-golang-x-sync-dev, which puts it in /usr/share/gocode, the default
# GOPATH here), a JDK 25 (see find-java.sh). Builds the benchmarks jar if it is missing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
source benchmarks/find-java.sh

FORKS=${FORKS:-3}
COUNT=${COUNT:-3}
JMH=${JMH:-'PingPong|Buffered|Select|ErrGroup|WorkerPoolBenchmark|Chain|ParallelPairs'}
OUT=${OUT:-benchmarks/results/go-vs-jmh}
for tool in go "$JAVA"; do
    command -v "$tool" >/dev/null || { echo "go-vs-jmh: '$tool' not found (Go: apt-get install golang-go golang-golang-x-sync-dev)" >&2; exit 2; }
done
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

{
    echo "date: $(date -u +%FT%TZ)"
    echo "nproc: $(nproc)"
    grep -m1 'model name' /proc/cpuinfo || true
    echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
    go version
    "$JAVA" -version 2>&1 | head -1
} >"$OUT/machine.txt"

# Go first. GOPATH mode (no go.mod): Debian ships x/sync as GOPATH source, and nothing is fetched.
export GO111MODULE=off GOPATH=${GOPATH:-/usr/share/gocode}
BUILD=$(mktemp -d)
trap 'rm -rf "$BUILD"' EXIT
GOTEST="$BUILD/go.test"
(cd benchmarks/go && go test -c -o "$GOTEST" .)
: >"$OUT/go.txt"
gobench() {  # pattern, benchtime: each shape runs as long (or as often) as its JMH twin does
    "$GOTEST" -test.run '^$' -test.bench "$1" -test.benchtime "$2" -test.count "$COUNT" | tee -a "$OUT/go.txt"
}
gobench '^Benchmark(PingPong|Buffered|Select|ErrGroup|WorkerPool)' 1s
gobench "^BenchmarkCancel10kWaiters" 50x
gobench "^Benchmark(Chain|ParallelPairs)" 1000000x

# Then JMH, same shapes.
JAR=benchmarks/target/benchmarks.jar
[[ -f $JAR ]] || ./mvnw -B -q -pl benchmarks -am package -DskipTests
"$JAVA" -jar "$JAR" "$JMH" -f "$FORKS" -wi 3 -i 5 -r 1s -w 1s -rf json -rff "$OUT/jmh.json" | tee "$OUT/jmh.txt"
# The cancellation is single-shot: its own 10 + 50 cancels per fork (see the class), not 3 + 5.
if [[ ${CANCEL:-1} == 1 ]]; then
    "$JAVA" -jar "$JAR" CancellationBenchmark -f "$FORKS" -rf json -rff "$OUT/jmh-cancel.json" | tee "$OUT/jmh-cancel.txt"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
echo "go-vs-jmh: results in $OUT"

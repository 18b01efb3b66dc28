#!/usr/bin/env bash
# Proves that a real Prometheus scrapes Weft: starts the packaged launcher (through ./run) and
# Debian's prometheus on loopback with deploy/prometheus/prometheus.yml, sends a few requests,
# then asks Prometheus's HTTP API whether it scraped them. Run by .ci/run after ./mvnw verify.
#
# With CHECK_TRACED=1 the launcher runs with tracing on (spans sent where nothing listens) and
# Prometheus with exemplar storage, and the check also asks for the hello requests' trace id
# among the exemplars Prometheus scraped from the OpenMetrics output.
#
# Needs: the prometheus binary (Debian package 'prometheus'), curl, a JDK 25 (as ./run does).
# Ports (loopback only): CHECK_API_PORT (8080), CHECK_ADMIN_PORT (8081), PROM_PORT (9090).
# Exit: 0 every check passed; 1 a check failed; 2 a prerequisite is missing or a port is taken.
# Bounded: each wait below has its own deadline, so the whole run ends within a few minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."

readonly API_PORT=${CHECK_API_PORT:-8080}
readonly ADMIN_PORT=${CHECK_ADMIN_PORT:-8081}
readonly PROM_PORT=${PROM_PORT:-9090}
readonly WAIT_SECONDS=60
readonly HELLO_REQUESTS=5
readonly TRACED=${CHECK_TRACED:-0}
readonly TRACE_ID=4bf92f3577b34da6a3ce929d0e0e4736
WEFT_ARGS=()
PROM_ARGS=()
if [[ $TRACED == 1 ]]; then
  WEFT_ARGS=(--tracing.enabled=true --tracing.otlp.endpoint=http://127.0.0.1:9/v1/traces)
  PROM_ARGS=(--enable-feature=exemplar-storage)
fi

say() { echo "scrape-check: $*" >&2; }
die() { say "FAIL: $*"; exit 1; }

command -v prometheus >/dev/null || { say "prometheus not found: apt-get install prometheus (Debian) or see prometheus.io"; exit 2; }
command -v curl >/dev/null || { say "curl not found"; exit 2; }
for port in "$API_PORT" "$ADMIN_PORT" "$PROM_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    say "port $port on 127.0.0.1 is already in use (set CHECK_API_PORT, CHECK_ADMIN_PORT or PROM_PORT)"; exit 2
  fi
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/weft-scrape-check.XXXXXX")
WEFT_PID=""
PROM_PID=""

alive() { # alive PID: running, not merely an unreaped zombie (which kill -0 still reports)
  kill -0 "$1" 2>/dev/null || return 1
  [[ -r "/proc/$1/stat" ]] || return 0
  local stat
  stat=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ "${stat%% *}" != Z ]]
}

stop() { # stop PID NAME: SIGTERM, then SIGKILL if it is still alive after 40 s (Weft's budget is 30 s)
  local pid=$1 name=$2 i
  [[ -n "$pid" ]] && alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 400; i++)); do
    alive "$pid" || return 0
    sleep 0.1
  done
  say "$name (pid $pid) ignored SIGTERM for 40 s: killing it"
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  stop "$PROM_PID" prometheus
  stop "$WEFT_PID" weft
  if (( rc != 0 )); then
    say "--- weft output (last 40 lines) ---";       tail -n 40 "$TMP/weft.log" >&2 2>/dev/null || true
    say "--- prometheus output (last 20 lines) ---"; tail -n 20 "$TMP/prometheus.log" >&2 2>/dev/null || true
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The checked-in config, pointed at the admin port actually used.
sed "s/127\.0\.0\.1:8081/127.0.0.1:$ADMIN_PORT/" deploy/prometheus/prometheus.yml > "$TMP/prometheus.yml"
# rule_files are relative to the config file: the rules go beside the copy.
cp -r deploy/prometheus/rules "$TMP/rules"

# ./run execs the JVM, so $! is the launcher's own PID and SIGTERM reaches it directly.
./run --server.host=127.0.0.1 --server.port="$API_PORT" \
      --admin.host=127.0.0.1 --admin.port="$ADMIN_PORT" "${WEFT_ARGS[@]}" > "$TMP/weft.log" 2>&1 &
WEFT_PID=$!
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/data" \
           --web.listen-address="127.0.0.1:$PROM_PORT" "${PROM_ARGS[@]}" > "$TMP/prometheus.log" 2>&1 &
PROM_PID=$!

# await DESCRIPTION COMMAND...: runs COMMAND until it succeeds, for at most WAIT_SECONDS.
await() {
  local what=$1; shift
  local deadline=$((SECONDS + WAIT_SECONDS))
  until "$@"; do
    (( SECONDS < deadline )) || die "$what: not within ${WAIT_SECONDS}s"
    alive "$WEFT_PID" || die "weft exited early"
    alive "$PROM_PID" || die "prometheus exited early"
    sleep 0.5
  done
}

http_ok() { curl -sf --max-time 5 -o /dev/null "$1"; }

await "weft ready" http_ok "http://127.0.0.1:$ADMIN_PORT/health/ready"
ready=$(curl -sf --max-time 5 "http://127.0.0.1:$ADMIN_PORT/health/ready")
[[ "$ready" == *'"name":"worker-queue","status":"UP"'* ]] || die "readiness does not list the worker-queue check: $ready"
say "weft ready (pid $WEFT_PID): $ready"

for ((i = 1; i <= HELLO_REQUESTS; i++)); do
  curl -sf --max-time 5 -o /dev/null -H "traceparent: 00-$TRACE_ID-00f067aa0ba902b7-01" \
    "http://127.0.0.1:$API_PORT/api/v1/hello?name=scrape$i" || die "GET /api/v1/hello failed"
done
say "sent $HELLO_REQUESTS requests to /api/v1/hello"

await "prometheus ready" http_ok "http://127.0.0.1:$PROM_PORT/-/ready"

# query EXPR: prints the value of the first sample of an instant query (empty if none).
query() {
  curl -sfG --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" \
    | sed -n 's/.*"value":\[[^,]*,"\([^"]*\)"\].*/\1/p'
}
equals() { [[ "$(query "$1")" == "$2" ]]; }
at_least() { local v; v=$(query "$1"); [[ -n "$v" ]] && awk -v v="$v" -v min="$2" 'BEGIN { exit !(v + 0 >= min) }'; }

await 'up{job="weft"} == 1' equals 'up{job="weft"}' 1
await 'weft_build_info scraped' equals 'count(weft_build_info{job="weft"} == 1)' 1
say "scraped: $(curl -sfG --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" \
    --data-urlencode 'query=weft_build_info{job="weft"}' | sed -n 's/.*"metric":\({[^}]*}\).*/\1/p')"

await "hello requests counted" at_least \
  'sum(http_server_requests_seconds_count{job="weft",uri="/api/v1/hello"})' "$HELLO_REQUESTS"
say "http_server_requests_seconds_count{uri=\"/api/v1/hello\"} >= $HELLO_REQUESTS"

if [[ $TRACED == 1 ]]; then
  # Prometheus parsed the OpenMetrics exemplars and stored the requests' trace id.
  exemplar_scraped() {
    curl -sfG --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query_exemplars" \
      --data-urlencode 'query=http_server_requests_seconds_bucket{job="weft",uri="/api/v1/hello"}' \
      --data-urlencode "start=$(($(date +%s) - 600))" --data-urlencode "end=$(($(date +%s) + 60))" \
      | grep -q "\"trace_id\":\"$TRACE_ID\""
  }
  await "an exemplar with the hello requests' trace id" exemplar_scraped
  say "exemplar scraped: trace_id=$TRACE_ID on http_server_requests_seconds_bucket{uri=\"/api/v1/hello\"}"
fi

# The alerting and recording rules load and evaluate against the live series.
rules_loaded() {
  curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/rules" | grep -q '"health":"ok"' \
    && ! curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/rules" | grep -q '"health":"err"'
}
await "rules loaded and healthy" rules_loaded
say "rules: $(curl -sf --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/rules" | grep -o '"name":"[^"]*"' | wc -l) loaded, none unhealthy"

# A graceful stop is part of the contract: SIGTERM, drain, exit 0.
stop "$WEFT_PID" weft
set +e
wait "$WEFT_PID"
code=$?
set -e
WEFT_PID=""
(( code == 0 )) || die "weft exited $code after SIGTERM, expected 0"
say "OK: Prometheus scraped Weft (up == 1, weft_build_info present); weft stopped with exit 0"

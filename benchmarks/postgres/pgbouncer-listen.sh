#!/usr/bin/env bash
# Two replicas of the launcher on the postgres store behind PgBouncer in transaction mode, the way
# docs/DEPLOY.md ("Behind PgBouncer") says to run them: worker.postgres.url through the pooler with
# prepareThreshold=0, once with the LISTEN connection through the pooler too and once with
# worker.postgres.listen-url straight to PostgreSQL. Replica A admits the jobs but may start only
# one (worker.rate), so replica B, idle, starts the others: how soon shows whether another
# replica's NOTIFY reaches it (else it finds them at its 500 ms poll). Prints B's and A's queue
# wait (count, sum), store errors and the jobs by state for each case.
#
#   benchmarks/postgres/pgbouncer-listen.sh
#
# Prerequisites (installs nothing): pgbouncer (apt-get install pgbouncer), a PostgreSQL on
# 127.0.0.1:5432 with the role weft/weft allowed to create databases' tables (as .ci/run sets
# up) and psql run as the postgres user to create the scratch database, curl, a JDK 25.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
source benchmarks/find-java.sh
DB=weft_pgbouncer_bench
PGB_PORT=${PGB_PORT:-6432}
DIR=$(mktemp -d)
as_postgres() { if [[ $(id -u) -eq 0 ]]; then su postgres -c "$1"; else bash -c "$1"; fi; }
cat > "$DIR/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
auth_type = trust
auth_file = $DIR/users.txt
pool_mode = transaction
ignore_startup_parameters = extra_float_digits
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
INI
echo '"weft" "weft"' > "$DIR/users.txt"
chmod -R a+rwX "$DIR"
as_postgres "pgbouncer -d $DIR/pgbouncer.ini"
trap 'kill $(cat "$DIR/pgbouncer.pid") 2>/dev/null || true' EXIT
[[ -f launcher/target/weft-launcher.jar ]] || ./mvnw -B -q -pl launcher -am package -DskipTests

run_case() { # $1: the listen-url, or empty
  as_postgres "psql -q -c 'DROP DATABASE IF EXISTS $DB WITH (FORCE)' -c 'CREATE DATABASE $DB OWNER weft'" >/dev/null 2>&1
  local pooled="jdbc:postgresql://127.0.0.1:$PGB_PORT/$DB?user=weft&password=weft&prepareThreshold=0"
  local listen=(); [[ -n $1 ]] && listen=("--worker.postgres.listen-url=$1")
  "$JAVA" -jar launcher/target/weft-launcher.jar --worker.store=postgres "--worker.postgres.url=$pooled" "${listen[@]}" \
      --worker.rate=0.001 --worker.burst=1 --server.port=18680 --admin.port=18681 >"$DIR/a.log" 2>&1 & local a=$!
  sleep 4 # A migrates first
  "$JAVA" -jar launcher/target/weft-launcher.jar --worker.store=postgres "--worker.postgres.url=$pooled" "${listen[@]}" \
      --server.port=18690 --admin.port=18691 >"$DIR/b.log" 2>&1 & local b=$!
  for port in 18681 18691; do
    for _ in $(seq 150); do curl -sf "localhost:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
  done
  for i in $(seq 1 30); do
    curl -s -o /dev/null -X POST localhost:18680/api/v1/jobs -H 'content-type: application/json' \
        -d "{\"type\":\"checksum\",\"payload\":{\"text\":\"hello $i\"}}"
    sleep 0.3
  done
  sleep 2
  for r in B:18691 A:18681; do
    echo "  ${r%%:*}: $(curl -s "localhost:${r#*:}/metrics" \
        | grep -E '^weft_job_queue_wait_seconds_(count|sum)|^weft_job_store_errors_total' | sed 's/{[^}]*}//' | tr '\n' ' ')"
  done
  echo "  jobs by state: $(as_postgres "psql -qAt -d $DB -c \"SELECT state || '=' || count(*) FROM weft_jobs GROUP BY state ORDER BY 1\"" | tr '\n' ' ')"
  kill "$a" "$b"; wait "$a" "$b" 2>/dev/null || true
  as_postgres "psql -q -c 'DROP DATABASE IF EXISTS $DB WITH (FORCE)'" >/dev/null 2>&1
}
echo "LISTEN through PgBouncer (worker.postgres.listen-url empty):"
run_case ""
echo "worker.postgres.listen-url straight to PostgreSQL:"
run_case "jdbc:postgresql://127.0.0.1:5432/$DB?user=weft&password=weft"

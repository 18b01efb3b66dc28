-- The jobs-by-state count of the postgres job store (PostgresJobStore.countByState, the
-- weft_jobs_stored gauge) on a large table: the whole-table count it ran before against the two
-- statements it runs now at that size. A scratch schema with the store's own migrations and
-- :rows succeeded rows (plus :rows / 200 failed, 1,000 queued and 16 running ones), vacuumed and
-- analysed as autovacuum would leave it; each statement three times; the schema dropped at the end.
--
--   psql -d <database> -v rows=2000000 -f benchmarks/postgres/state-counts.sql
\set ON_ERROR_STOP on
DROP SCHEMA IF EXISTS weft_state_counts_bench CASCADE;
CREATE SCHEMA weft_state_counts_bench;
SET search_path = weft_state_counts_bench;
\ir ../../worker-service/src/main/resources/dev/weft/worker/db/migration/V1__jobs.sql
\ir ../../worker-service/src/main/resources/dev/weft/worker/db/migration/V2__job_trace_context.sql
INSERT INTO weft_jobs (id, type, payload, state, attempts, started_at, finished_at, result)
SELECT gen_random_uuid(), 'checksum', '{"text":"hello world"}', 'SUCCEEDED', 1, now(), now(),
       '{"sha256":"b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"}'
FROM generate_series(1, :rows);
INSERT INTO weft_jobs (id, type, payload, state, attempts, started_at, finished_at, error)
SELECT gen_random_uuid(), 'checksum', '{"text":"x"}', 'FAILED', 3, now(), now(), 'boom' FROM generate_series(1, :rows / 200);
INSERT INTO weft_jobs (id, type, payload, state) SELECT gen_random_uuid(), 'checksum', '{"text":"x"}', 'QUEUED'
FROM generate_series(1, 1000);
INSERT INTO weft_jobs (id, type, payload, state, attempts, started_at, locked_by, locked_until)
SELECT gen_random_uuid(), 'checksum', '{"text":"x"}', 'RUNNING', 1, now(), 'a/1', now() + interval '30 seconds'
FROM generate_series(1, 16);
\echo '-- the V3 migration on this table (its build holds writes to it)'
\timing on
\ir ../../worker-service/src/main/resources/dev/weft/worker/db/migration/V3__job_unsuccessful_index.sql
\timing off
VACUUM ANALYZE weft_jobs;
SELECT pg_size_pretty(pg_relation_size('weft_jobs')) AS table_size, (SELECT count(*) FROM weft_jobs) AS rows;

\echo '-- before: every row, sequential scan allowed (as the store ran it)'
\set whole_table 'BEGIN; SET LOCAL enable_seqscan = on; SELECT state, count(*) FROM weft_jobs GROUP BY state; COMMIT;'
\timing on
:whole_table
:whole_table
:whole_table
\timing off

\echo '-- now, with the store''s settings: the table''s estimated size, then every state but SUCCEEDED exactly'
SET enable_seqscan = off;
\set estimated_rows 'SELECT CASE WHEN c.reltuples < 0 OR c.relpages = 0 THEN -1 ELSE c.reltuples / c.relpages * (pg_relation_size(c.oid) / current_setting(''block_size'')::int) END AS estimated_rows FROM pg_class c WHERE c.oid = ''weft_jobs''::regclass;'
\set unsucceeded 'SELECT ''QUEUED'', count(*) FROM weft_jobs WHERE state = ''QUEUED'' UNION ALL SELECT ''RUNNING'', (SELECT count(*) FROM weft_jobs WHERE state = ''RUNNING'' AND locked_until IS NOT NULL) + (SELECT count(*) FROM weft_jobs WHERE state = ''RUNNING'' AND locked_until IS NULL) UNION ALL SELECT state, count(*) FROM weft_jobs WHERE state IN (''FAILED'', ''CANCELLED'', ''ABANDONED'') GROUP BY state;'
\timing on
:estimated_rows
:unsucceeded
:estimated_rows
:unsucceeded
:estimated_rows
:unsucceeded
\timing off
DROP SCHEMA weft_state_counts_bench CASCADE;

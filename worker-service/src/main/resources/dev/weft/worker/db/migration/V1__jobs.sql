-- The postgres job store (PostgresJobStore). Applied by Flyway at start, under its advisory
-- lock, so replicas that start together migrate once. Never edit a released migration: add V2.

CREATE TABLE weft_jobs (
    id              uuid        PRIMARY KEY,
    type            text        NOT NULL,
    -- json, not jsonb: kept byte for byte as submitted and returned in the order written.
    payload         json        NOT NULL,
    state           text        NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'ABANDONED')),
    -- Attempts begun, on any replica; counted when claimed, so a lost attempt counts too.
    attempts        integer     NOT NULL DEFAULT 0,
    submitted_at    timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz,
    -- Not before this may the job be claimed: now() when queued, later for a retry's backoff.
    run_at          timestamptz NOT NULL DEFAULT now(),
    -- The claim holding the job ('<instance>/<uuid>') and until when, by the database clock.
    -- A runnable job has locked_until NULL; the reaper clears an expired one.
    locked_by       text,
    locked_until    timestamptz,
    result          json,
    error           text,
    idempotency_key text        UNIQUE,
    fingerprint     text,
    CHECK ((locked_by IS NULL) = (locked_until IS NULL))
);

-- The claim path: the oldest runnable job. Partial, so it holds only unfinished, unclaimed rows
-- and stays small however many finished rows wait for retention.
CREATE INDEX weft_jobs_runnable ON weft_jobs (run_at, submitted_at)
    WHERE state IN ('QUEUED', 'RUNNING') AND locked_until IS NULL;
-- The reaper: leases held, by expiry.
CREATE INDEX weft_jobs_leases ON weft_jobs (locked_until) WHERE locked_until IS NOT NULL;
-- Retention: finished rows, oldest first.
CREATE INDEX weft_jobs_finished ON weft_jobs (finished_at) WHERE finished_at IS NOT NULL;
-- The admission bound and the queue-depth gauge count these.
CREATE INDEX weft_jobs_queued ON weft_jobs (submitted_at) WHERE state = 'QUEUED';

-- Every job is updated several times (claim, heartbeats, finish) and deleted after retention:
-- vacuum this table sooner than the defaults (20% dead rows) would.
ALTER TABLE weft_jobs SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02,
    fillfactor = 80);

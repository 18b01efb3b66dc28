-- The jobs-by-state count (PostgresJobStore.countByState) of a large table counts the finished
-- states other than SUCCEEDED through this index. It holds only failed, cancelled and abandoned
-- rows: a job that succeeds never enters it, so it costs the queue nothing on its usual path.
-- Building it reads the whole table once and holds writes to it meanwhile (0.4 s for 2 million
-- rows on 2 vCPUs, docs/DEPLOY.md). To avoid even that on a large table, create it by hand first
-- with CREATE INDEX CONCURRENTLY and this definition: this migration then does nothing.
CREATE INDEX IF NOT EXISTS weft_jobs_unsuccessful ON weft_jobs (state) WHERE state IN ('FAILED', 'CANCELLED', 'ABANDONED');

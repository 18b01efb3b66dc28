-- The trace context of the request that submitted a job (JobTracing): its W3C propagation
-- headers as a JSON object, {"traceparent": "00-…", "tracestate": "…"} (tracestate only when the
-- submitter had one). Whichever replica claims the job links each attempt's span to it. Null for
-- a job submitted with tracing off or outside a trace, and for every job queued before this
-- migration. Internal: never part of the job's JSON.
ALTER TABLE weft_jobs ADD COLUMN trace_context json;

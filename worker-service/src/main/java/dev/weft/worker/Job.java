package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * One submitted job: its identity and input (immutable) and its progress (mutable, guarded by
 * the job's monitor). Transitions are compare-and-set on the state, so that of the parties that
 * may try to end a job (its worker, the shutdown sweep, the pool's failure path) exactly one
 * succeeds, and the job is counted and logged exactly once.
 */
public final class Job {

    private final UUID id;
    private final String type;
    private final JsonNode payload;
    private final Instant submittedAt;
    /** The submitter's W3C propagation headers, or null; internal, never in a {@link Snapshot}. */
    private final Map<String, String> traceContext;

    // Guarded by this. Invariant: once state is terminal, none of these fields changes again;
    // finishedAt != null exactly when state is terminal; startedAt != null once it left QUEUED
    // for RUNNING (a job abandoned from the queue never started).
    private JobState state = JobState.QUEUED;
    private int attempts;
    private Instant startedAt;
    private Instant finishedAt;
    private JsonNode result;
    private String error;

    Job(UUID id, String type, JsonNode payload, Instant submittedAt, Map<String, String> traceContext) {
        this.id = Objects.requireNonNull(id);
        this.type = Objects.requireNonNull(type);
        this.payload = Objects.requireNonNull(payload);
        this.submittedAt = Objects.requireNonNull(submittedAt);
        this.traceContext = traceContext;
    }

    public UUID id() {
        return id;
    }

    public String type() {
        return type;
    }

    JsonNode payload() {
        return payload;
    }

    public Instant submittedAt() {
        return submittedAt;
    }

    Map<String, String> traceContext() {
        return traceContext;
    }

    /** QUEUED → RUNNING. False if the job is no longer queued (e.g. the shutdown sweep ended it). */
    synchronized boolean start(Instant now) {
        if (state != JobState.QUEUED) {
            return false;
        }
        state = JobState.RUNNING;
        startedAt = now;
        return true;
    }

    /** Counts one more attempt of a running job; returns the attempt number (1-based). */
    synchronized int beginAttempt() {
        return ++attempts;
    }

    /**
     * Moves the job to terminal state {@code to}. Returns the state it left, or null, changing
     * nothing, if it already was in a terminal state: the caller then must not count or log it.
     */
    synchronized JobState finish(JobState to, JsonNode result, String error, Instant now) {
        if (!to.terminal()) {
            throw new IllegalArgumentException("not a terminal state: " + to);
        }
        if (state.terminal()) {
            return null;
        }
        JobState from = state;
        state = to;
        this.result = result;
        this.error = error;
        finishedAt = now;
        return from;
    }

    public synchronized JobState state() {
        return state;
    }

    synchronized Instant finishedAt() {
        return finishedAt;
    }

    /** A consistent copy of the job's progress. */
    public synchronized Snapshot snapshot() {
        return new Snapshot(id, type, state, attempts, submittedAt, startedAt, finishedAt, result, error);
    }

    /**
     * A job as clients see it.
     *
     * @param error why it failed, was cancelled or abandoned; null otherwise
     */
    public record Snapshot(UUID id, String type, JobState state, int attempts, Instant submittedAt,
                           Instant startedAt, Instant finishedAt, JsonNode result, String error) {

        /** The JSON body of {@code GET /api/v1/jobs/{id}}; timestamps are ISO-8601, absent ones null. */
        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("id", id.toString());
            o.put("type", type);
            o.put("state", state.name());
            o.put("attempts", attempts);
            o.put("submittedAt", text(submittedAt));
            o.put("startedAt", text(startedAt));
            o.put("finishedAt", text(finishedAt));
            o.set("result", result == null ? JsonNodeFactory.instance.nullNode() : result);
            o.put("error", error);
            return o;
        }

        private static String text(Instant t) {
            return t == null ? null : t.toString();
        }
    }
}

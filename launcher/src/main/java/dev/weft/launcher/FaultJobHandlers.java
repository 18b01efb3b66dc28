package dev.weft.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.patterns.Context;
import dev.weft.worker.JobHandler;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Job handlers that misbehave on purpose ({@code fault.job-handlers=true}), for the fault drills:
 * the worker pool must survive each of them and keep running other jobs. Their payload is
 * ignored (any JSON object is accepted).
 */
final class FaultJobHandlers {

    private FaultJobHandlers() {
    }

    static List<JobHandler> all() {
        return List.of(new Throws(), new Hangs(), new Allocates(), new Records());
    }

    /** Fails at once with an exception: the job ends FAILED with its message. */
    static final class Throws extends Base {
        Throws() {
            super("fault-throw");
        }

        @Override
        public JsonNode run(Context ctx, JsonNode payload) {
            throw new IllegalStateException("fault-throw fails on purpose");
        }
    }

    /**
     * Blocks forever, ignoring its context; only the interrupt that follows the job timeout ends
     * it. (A handler that ignores interrupts too can only be abandoned; the worker tests cover it.)
     */
    static final class Hangs extends Base {
        Hangs() {
            super("fault-hang");
        }

        @Override
        public JsonNode run(Context ctx, JsonNode payload) throws InterruptedException {
            new CountDownLatch(1).await();
            throw new AssertionError("unreachable");
        }
    }

    /**
     * Allocates heavily until its context ends (the job timeout): 8 MiB arrays, keeping the last
     * 16 (128 MiB) alive so that the collector has real work, and checking its context between
     * allocations as a well-behaved CPU-bound handler does.
     */
    static final class Allocates extends Base {
        private static final int CHUNK = 8 * 1024 * 1024;
        private static final int KEEP = 16;

        Allocates() {
            super("fault-allocate");
        }

        @Override
        public JsonNode run(Context ctx, JsonNode payload) {
            ArrayDeque<byte[]> kept = new ArrayDeque<>(KEEP);
            while (true) {
                ctx.throwIfDone();
                byte[] chunk = new byte[CHUNK];
                chunk[chunk.length - 1] = 1;
                if (kept.size() == KEEP) {
                    kept.removeFirst();
                }
                kept.addLast(chunk);
            }
        }
    }

    /**
     * An idempotent job that records when it runs, for the multi-replica drills: payload {@code
     * {"token": "...", "millis": n, "log": "/path"}}. It appends {@code <token> begin <epoch-us>
     * <pid>} to the file, waits {@code millis} (honouring its context), then appends {@code <token>
     * end <epoch-us> <pid>} whether it finished or was stopped, before it returns. The drill reads the file
     * to check that no job ran on two replicas at once.
     */
    static final class Records extends Base {
        private static final long PID = ProcessHandle.current().pid();

        Records() {
            super("fault-record");
        }

        @Override
        public JsonNode run(Context ctx, JsonNode payload) throws Exception {
            java.nio.file.Path log = java.nio.file.Path.of(payload.path("log").asText());
            String token = payload.path("token").asText();
            append(log, token + " begin " + micros() + " " + PID);
            try {
                if (ctx.await(java.time.Duration.ofMillis(payload.path("millis").asLong(0)))) {
                    throw ctx.err();
                }
                return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("token", token);
            } finally {
                append(log, token + " end " + micros() + " " + PID);
            }
        }

        private static long micros() {
            java.time.Instant now = java.time.Instant.now();
            return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        }

        /** One write of one line with O_APPEND: lines from several processes never interleave. */
        private static void append(java.nio.file.Path log, String line) throws java.io.IOException {
            java.nio.file.Files.writeString(log, line + "\n", java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        }
    }

    private abstract static class Base implements JobHandler {
        private final String type;

        Base(String type) {
            this.type = type;
        }

        @Override
        public String type() {
            return type;
        }

        @Override
        public void validate(JsonNode payload) {
            // Any payload: these handlers exist to misbehave, not to validate.
        }
    }
}

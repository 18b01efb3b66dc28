package dev.weft.worker;

import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.fail;

/** Waits shared by the worker's tests. */
final class WorkerTesting {

    /** How long a test waits for something that should happen at once; only a hang reaches it. */
    static final Duration LIVENESS = Duration.ofSeconds(20);

    private WorkerTesting() {
    }

    /** Bounded liveness wait for a job to reach {@code state}; fails at once if it ends otherwise. */
    static Job.Snapshot awaitState(WorkerService w, UUID id, JobState state) throws InterruptedException {
        long deadline = System.nanoTime() + LIVENESS.toNanos();
        Job.Snapshot s = null;
        while (System.nanoTime() < deadline) {
            s = w.job(id).orElseThrow();
            if (s.state() == state) {
                return s;
            }
            if (s.state().terminal()) {
                fail("job ended " + s.state() + " instead of " + state + ": " + s);
            }
            Thread.sleep(5);
        }
        throw new AssertionError("job not " + state + " within " + LIVENESS + ": " + s);
    }
}

package dev.weft.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The worker's meters. The names are a contract with the deploy files (alert rules, dashboard):
 * {@code weft_jobs_submitted_total}, {@code weft_jobs_rejected_total{reason}}, {@code
 * weft_jobs_completed_total{type,outcome}}, {@code weft_job_duration_seconds{type}} (histogram),
 * {@code weft_job_queue_wait_seconds}, {@code weft_job_queue_depth}, {@code
 * weft_job_queue_capacity}, {@code weft_workers_busy}, {@code weft_workers}, {@code
 * weft_jobs_stored{state}}, {@code weft_job_leases_reclaimed_total}, {@code
 * weft_jobs_handed_back_total}; the same in every store. Rename nothing here without changing those.
 */
final class WorkerMetrics {

    /** Why a submission was turned away: the {@code reason} tag. */
    enum Rejection {
        QUEUE_FULL, SHUTTING_DOWN, INVALID, KEY_REUSED, UNAVAILABLE;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final Counter submitted;
    private final Timer queueWait;
    private final Counter leasesReclaimed;
    private final Counter handedBack;

    /** How long one read of the jobs by state serves scrapes: one query per scrape at most, and fewer. */
    static final Duration STATE_COUNTS_TTL = Duration.ofSeconds(2);

    WorkerMetrics(MeterRegistry registry, Collection<String> types, IntSupplier queueDepth, int queueCapacity,
                  IntSupplier busy, int workers, Supplier<Map<JobState, Long>> byState) {
        this.registry = registry;
        submitted = Counter.builder("weft.jobs.submitted").description("Jobs accepted (202)").register(registry);
        queueWait = Timer.builder("weft.job.queue.wait").description("Time jobs waited in the queue before their first attempt")
                .register(registry);
        // Registered up front so that every series exists at 0 before the first event: rate() and
        // absent-series alerts then behave from the first scrape.
        for (Rejection r : Rejection.values()) {
            rejected(r);
        }
        for (String type : types) {
            duration(type);
            for (JobState s : JobState.values()) {
                if (s.terminal()) {
                    completed(type, s);
                }
            }
        }
        Gauge.builder("weft.job.queue.depth", queueDepth, IntSupplier::getAsInt).strongReference(true)
                .description("Jobs waiting in the queue").register(registry);
        Gauge.builder("weft.job.queue.capacity", () -> queueCapacity).strongReference(true)
                .description("Bound of the job queue").register(registry);
        Gauge.builder("weft.workers.busy", busy, IntSupplier::getAsInt).strongReference(true)
                .description("Workers running a job").register(registry);
        Gauge.builder("weft.workers", () -> workers).strongReference(true)
                .description("Worker threads").register(registry);
        leasesReclaimed = Counter.builder("weft.job.leases.reclaimed")
                .description("Leases of jobs whose replica stopped heartbeating, returned to the queue or failed by the reaper")
                .register(registry);
        handedBack = Counter.builder("weft.jobs.handed.back")
                .description("Running jobs handed back to the shared store at shutdown, for another replica")
                .register(registry);
        // At 0 with the memory store too, so that the same alert and panel work with either.
        storeErrors(registry);
        StateCounts cache = new StateCounts(byState);
        for (JobState s : JobState.values()) {
            Gauge.builder("weft.jobs.stored", cache, c -> c.get(s)).tag("state", s.name().toLowerCase(Locale.ROOT))
                    .strongReference(true).description("Job records in the store by state (shared stores: the cluster's)")
                    .register(registry);
        }
    }

    /** Store operations that failed; registered here and counted by {@link PostgresJobStore}. */
    static Counter storeErrors(MeterRegistry registry) {
        return Counter.builder("weft.job.store.errors")
                .description("Job store operations that failed because the database could not be reached or refused")
                .register(registry);
    }

    void leasesReclaimed(int n) {
        leasesReclaimed.increment(n);
    }

    void handedBack() {
        handedBack.increment();
    }

    /**
     * The jobs by state, read once per {@link #STATE_COUNTS_TTL} whatever the number of gauges and
     * scrapes. While the store cannot be read, the gauges are NaN (absent from the scrape's math).
     */
    private static final class StateCounts {
        private final Supplier<Map<JobState, Long>> source;
        private final ReentrantLock lock = new ReentrantLock();
        private Map<JobState, Long> last;
        private long readAt;

        StateCounts(Supplier<Map<JobState, Long>> source) {
            this.source = source;
        }

        double get(JobState s) {
            lock.lock();
            try {
                long now = System.nanoTime();
                if (last == null || now - readAt >= STATE_COUNTS_TTL.toNanos()) {
                    readAt = now;
                    try {
                        last = source.get();
                    } catch (RuntimeException e) {
                        last = Map.of();
                    }
                }
                Long n = last.get(s);
                return n == null ? Double.NaN : n;
            } finally {
                lock.unlock();
            }
        }
    }

    void submitted() {
        submitted.increment();
    }

    Counter rejected(Rejection reason) {
        return Counter.builder("weft.jobs.rejected").tag("reason", reason.tag())
                .description("Submissions turned away").register(registry);
    }

    Counter completed(String type, JobState outcome) {
        return Counter.builder("weft.jobs.completed").tag("type", type)
                .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                .description("Jobs that reached a terminal state").register(registry);
    }

    Timer duration(String type) {
        return Timer.builder("weft.job.duration").tag("type", type).publishPercentileHistogram()
                .description("Time from a job's first attempt to its terminal state").register(registry);
    }

    void queueWait(Duration d) {
        queueWait.record(d.isNegative() ? Duration.ZERO : d);
    }
}

package dev.weft.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.function.IntSupplier;

/**
 * The worker's meters. The names are a contract with the deploy files (alert rules, dashboard):
 * {@code weft_jobs_submitted_total}, {@code weft_jobs_rejected_total{reason}}, {@code
 * weft_jobs_completed_total{type,outcome}}, {@code weft_job_duration_seconds{type}} (histogram),
 * {@code weft_job_queue_wait_seconds}, {@code weft_job_queue_depth}, {@code
 * weft_job_queue_capacity}, {@code weft_workers_busy}, {@code weft_workers}. Rename nothing here
 * without changing those.
 */
final class WorkerMetrics {

    /** Why a submission was turned away: the {@code reason} tag. */
    enum Rejection {
        QUEUE_FULL, SHUTTING_DOWN, INVALID;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private final Counter submitted;
    private final Timer queueWait;

    WorkerMetrics(MeterRegistry registry, Collection<String> types, IntSupplier queueDepth, int queueCapacity,
                  IntSupplier busy, int workers) {
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

package dev.weft.worker;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * Configures a {@link WorkerService}; every setter validates its argument. {@link #build()}
 * copies the settings into a {@link WorkerConfig}, so a builder changed later does not change a
 * service it built.
 */
public final class WorkerServiceBuilder {

    private static final Pattern TYPE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private int workers = 4;
    private int queueCapacity = 1000;
    private int storeCapacity = 10_000;
    private double rate;
    private int burst = 1;
    private Duration jobTimeout = Duration.ofSeconds(30);
    private int maxAttempts = 3;
    private Duration retention = Duration.ofHours(1);
    private Duration housekeepingInterval;
    private Duration abandonGrace = Duration.ofMillis(500);
    private Backoff backoff = Backoff.defaults();
    private Clock clock = Clock.systemUTC();
    private WorkerService.Sleeper sleeper = WorkerService.Sleeper.REAL;
    private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
    private MeterRegistry registry = new SimpleMeterRegistry();
    private JobStore store;
    private JobTracing tracing = JobTracing.OFF;
    private final Map<String, JobHandler> handlers = new LinkedHashMap<>();

    WorkerServiceBuilder() {
    }

    /** Worker threads ({@code worker.workers}), at least 1. */
    public WorkerServiceBuilder workers(int n) {
        this.workers = positive(n, "workers");
        return this;
    }

    /** Bound of the default in-memory queue ({@code worker.queue-capacity}). */
    public WorkerServiceBuilder queueCapacity(int n) {
        this.queueCapacity = positive(n, "queueCapacity");
        return this;
    }

    /**
     * The job store, e.g. a {@link PostgresJobStore}; by default a {@link MemoryJobStore} bounded
     * by {@link #queueCapacity} and {@link #storeCapacity}. The service opens it at start and
     * closes it, last, at stop.
     */
    public WorkerServiceBuilder store(JobStore store) {
        this.store = Objects.requireNonNull(store);
        return this;
    }

    /** A span per job attempt, linked to the submitting request's ({@link JobTracing}); off by default. */
    public WorkerServiceBuilder tracing(JobTracing tracing) {
        this.tracing = Objects.requireNonNull(tracing);
        return this;
    }

    /** Most job records kept ({@code worker.store-capacity}). */
    public WorkerServiceBuilder storeCapacity(int n) {
        this.storeCapacity = positive(n, "storeCapacity");
        return this;
    }

    /** Jobs started per second at most ({@code worker.rate}, {@code worker.burst}); rate 0 means no limit. */
    public WorkerServiceBuilder rateLimit(double rate, int burst) {
        if (!(rate >= 0) || Double.isInfinite(rate) || (rate > 0 && burst < 1)) {
            throw new IllegalArgumentException("need a finite rate >= 0 and burst >= 1, got " + rate + " and " + burst);
        }
        this.rate = rate;
        this.burst = burst;
        return this;
    }

    /** Deadline of each attempt ({@code worker.job-timeout}). */
    public WorkerServiceBuilder jobTimeout(Duration d) {
        this.jobTimeout = positive(d, "jobTimeout");
        return this;
    }

    /** Most attempts of a job whose failures are retryable ({@code worker.max-attempts}), at least 1. */
    public WorkerServiceBuilder maxAttempts(int n) {
        this.maxAttempts = positive(n, "maxAttempts");
        return this;
    }

    /** How long finished records are kept ({@code worker.retention}). */
    public WorkerServiceBuilder retention(Duration d) {
        this.retention = positive(d, "retention");
        return this;
    }

    /**
     * How often the housekeeping ticker runs; by default a quarter of the retention, 1 s to 1
     * min, or the store's {@link JobStore#reapInterval()} when that is shorter.
     */
    public WorkerServiceBuilder housekeepingInterval(Duration d) {
        this.housekeepingInterval = positive(d, "housekeepingInterval");
        return this;
    }

    /** How long a cancelled handler may take to stop before its job is abandoned. */
    public WorkerServiceBuilder abandonGrace(Duration d) {
        this.abandonGrace = positive(d, "abandonGrace");
        return this;
    }

    public WorkerServiceBuilder backoff(Backoff b) {
        this.backoff = Objects.requireNonNull(b);
        return this;
    }

    /** Source of timestamps and of the retention cut-off. */
    public WorkerServiceBuilder clock(Clock c) {
        this.clock = Objects.requireNonNull(c);
        return this;
    }

    /** What waits out backoffs. */
    public WorkerServiceBuilder sleeper(WorkerService.Sleeper s) {
        this.sleeper = Objects.requireNonNull(s);
        return this;
    }

    /** Source of backoff jitter, uniform in [0, 1). */
    public WorkerServiceBuilder random(DoubleSupplier r) {
        this.random = Objects.requireNonNull(r);
        return this;
    }

    public WorkerServiceBuilder registry(MeterRegistry r) {
        this.registry = Objects.requireNonNull(r);
        return this;
    }

    /** Registers the handler of one job type; a second handler for a type replaces the first. */
    public WorkerServiceBuilder handler(JobHandler h) {
        if (!TYPE_NAME.matcher(h.type()).matches()) {
            throw new IllegalArgumentException("job type must be 1-64 of A-Za-z0-9_.-: '" + h.type() + "'");
        }
        handlers.put(h.type(), h);
        return this;
    }

    public WorkerService build() {
        JobStore s = store != null ? store : new MemoryJobStore(queueCapacity, storeCapacity, clock);
        Duration quarter = retention.dividedBy(4);
        Duration byRetention = quarter.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
                : quarter.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : quarter;
        Duration housekeeping = housekeepingInterval != null ? housekeepingInterval
                : s.reapInterval().filter(r -> r.compareTo(byRetention) < 0).orElse(byRetention);
        WorkerConfig config = new WorkerConfig(workers, queueCapacity, storeCapacity, rate, burst, jobTimeout,
                maxAttempts, retention, housekeeping, abandonGrace, backoff, clock, sleeper, random);
        return new WorkerService(config, Map.copyOf(handlers), s, registry, tracing);
    }

    private static int positive(int n, String what) {
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be at least 1: " + n);
        }
        return n;
    }

    private static Duration positive(Duration d, String what) {
        if (!d.isPositive()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
        return d;
    }
}

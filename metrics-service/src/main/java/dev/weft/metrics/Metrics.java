package dev.weft.metrics;

import dev.weft.patterns.WeftThreads;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.java21.instrument.binder.jdk.VirtualThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.tracer.common.SpanContext;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The process's one meter registry, Prometheus-backed, with the JVM, process and virtual-thread
 * meters bound and the common tags every series carries ({@code application}, {@code instance}).
 * The launcher creates it and hands it to every service; {@link AdminServer} renders it.
 *
 * <p>Every series it renders passes {@code promtool check metrics}: the few of Micrometer's
 * standard meters that Prometheus's naming rules reject are replaced by a {@link MeterFilter}
 * (see {@link #PROMETHEUS_NAMING}), so that a meter another service registers with the same
 * problem is caught by the same test rather than shipped.
 *
 * <p>Besides Micrometer's binders it carries Weft's own: {@code weft_build_info} (value 1, the
 * build in its labels, see {@link BuildInfo}) and {@code weft_threads_live_threads} (the threads
 * Weft started through {@link WeftThreads} that have not finished).
 *
 * <p>The JVM's own meters are kept off the start-up path. Micrometer's JVM and process binders
 * read JMX MXBeans (loading {@code java.management}, a few hundred classes), and the two
 * virtual-thread meters ({@code jvm_threads_virtual_pinned_seconds} and {@code
 * jvm_threads_virtual_submit_failed_total}) read a JFR recording stream, whose start costs about
 * half a second of CPU (JFR's repository, its event classes, its own thread). On two vCPUs that
 * work slows a start about as much as it costs even on another thread, so the launcher calls
 * {@link #startJvmMeters()} once it is ready: one background thread binds the JMX meters, then
 * the virtual-thread meters. A scrape ({@link #scrape}) waits for the JMX meters, so it does not
 * show half of them; the virtual-thread meters appear once their JFR stream runs.
 *
 * <p>Closing it releases the binders that hold resources (the GC notification listener, the JFR
 * stream behind the virtual-thread meters).
 */
public final class Metrics implements AutoCloseable {

    /**
     * Fixes what Micrometer's standard binders name in a way {@code promtool check metrics}
     * rejects. A unit cannot be renamed without changing the value, so the two meters with an
     * abbreviated unit ({@code process_cpu_time_ns_total}, {@code jvm_compilation_time_ms_total})
     * are denied and re-registered in seconds by {@link #bindSecondsReplacements}. A gauge that
     * merely ends in {@code _count} ({@code system_cpu_count}; Prometheus reserves the suffix for
     * histograms and summaries) is renamed to {@code system_cpus}.
     *
     * <p>Deliberately narrow (exact names and units): a badly named meter that another service
     * adds is not silently dropped here but fails the promtool test, where it can be fixed.
     */
    static final MeterFilter PROMETHEUS_NAMING = new MeterFilter() {
        @Override
        public MeterFilterReply accept(Meter.Id id) {
            boolean abbreviated = (id.getName().equals("process.cpu.time") && "ns".equals(id.getBaseUnit()))
                    || (id.getName().equals("jvm.compilation.time") && BaseUnits.MILLISECONDS.equals(id.getBaseUnit()));
            return abbreviated ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
        }

        @Override
        public Meter.Id map(Meter.Id id) {
            return id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
        }
    };

    /**
     * Micrometer's defaults, except that exemplars go only where OpenMetrics 1.0 allows them:
     * histogram buckets and counters. Micrometer also puts them on a histogram's {@code _count},
     * which Prometheus before 2.43 (Debian 12's 2.42 among them) rejects, failing the whole scrape.
     */
    static final PrometheusConfig PROMETHEUS = new PrometheusConfig() {
        @Override
        public String get(String key) {
            return null;
        }

        @Override
        public Properties prometheusProperties() {
            Properties p = PrometheusConfig.super.prometheusProperties();
            p.setProperty("io.prometheus.exporter.exemplarsOnAllMetricTypes", "false");
            return p;
        }
    };

    /** Prometheus's base unit of time; Micrometer's BaseUnits has no constant for it. */
    private static final String SECONDS = "seconds";

    /** How long a scrape waits for the JMX meters while they are being bound. */
    static final Duration SCRAPE_WAITS_FOR_JVM_METERS = Duration.ofSeconds(5);

    private final PrometheusMeterRegistry registry;
    private final BuildInfo buildInfo;
    /** Guards {@link #binder}, {@link #gc}, {@link #virtualThreads} and {@link #closed}. */
    private final Object lock = new Object();
    /** The thread binding the JVM meters; null until {@link #startJvmMeters()}. */
    private Thread binder;
    /**
     * Counted down once the JMX meters are bound, or their binder gave up (closed first); a
     * scrape waits on it. Count 0 from the start: until {@link #startJvmMeters()}, nothing waits.
     */
    private volatile CountDownLatch jmxBound = new CountDownLatch(0);
    /** Bound by {@link #binder}; null until then, and after a close that came first. */
    private JvmGcMetrics gc;
    /** Bound by {@link #binder}; null until then, and when its JFR stream failed to start. */
    private VirtualThreadMetrics virtualThreads;
    private boolean closed;

    private Metrics(PrometheusMeterRegistry registry, BuildInfo buildInfo) {
        this.registry = registry;
        this.buildInfo = buildInfo;
    }

    /**
     * Creates the registry with Weft's own meters; the JVM's follow from {@link #startJvmMeters()}.
     *
     * @param application the {@code application} tag
     * @param instance    the {@code instance} tag (the pod name in Kubernetes)
     */
    public static Metrics create(String application, String instance) {
        return create(application, instance, null);
    }

    /**
     * Creates the registry with Weft's own meters; histograms carry exemplars when {@code
     * exemplars} is given. The JVM's meters follow from {@link #startJvmMeters()}.
     *
     * @param application the {@code application} tag
     * @param instance    the {@code instance} tag (the pod name in Kubernetes)
     * @param exemplars   the current span (trace and span id) when a duration is recorded, shown as
     *                    exemplars in the OpenMetrics output; null for none, at no cost
     */
    public static Metrics create(String application, String instance, SpanContext exemplars) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PROMETHEUS, new PrometheusRegistry(),
                Clock.SYSTEM, exemplars);
        // Filters apply only to meters registered after them: configure before binding anything.
        registry.config()
                .meterFilter(PROMETHEUS_NAMING)
                .commonTags(List.of(Tag.of("application", application), Tag.of("instance", instance)));
        BuildInfo buildInfo = BuildInfo.load();
        // An info metric: the value is always 1 and the labels carry the data, so that
        // "group_left(version) weft_build_info" can join the build onto any other series.
        Gauge.builder("weft.build.info", () -> 1)
                .description("The build of Weft running here: version, git revision and the JVM's java.version")
                .tag("version", buildInfo.version())
                .tag("revision", buildInfo.revision())
                .tag("java_version", buildInfo.javaVersion())
                .register(registry);
        Gauge.builder("weft.threads.live", WeftThreads::liveCount)
                .description("Virtual threads started by Weft (servers, workers, errgroups, health checks) that have not finished")
                .baseUnit(BaseUnits.THREADS)
                .register(registry);
        return new Metrics(registry, buildInfo);
    }

    /**
     * Registers, in seconds, what {@link #PROMETHEUS_NAMING} denied for its abbreviated unit:
     * {@code process_cpu_seconds_total} (the name Prometheus's own client libraries use) and
     * {@code jvm_compilation_time_seconds_total}.
     */
    private static void bindSecondsReplacements(MeterRegistry registry) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean hotspot && hotspot.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process.cpu", hotspot, b -> b.getProcessCpuTime() / 1e9)
                    .description("CPU time used by the JVM process, user and system")
                    .baseUnit(SECONDS)
                    .register(registry);
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit != null && jit.isCompilationTimeMonitoringSupported()) {
            FunctionCounter.builder("jvm.compilation.time", jit, b -> b.getTotalCompilationTime() / 1e3)
                    .description("Approximate time the JIT compilers have spent compiling")
                    .tag("compiler", jit.getName())
                    .baseUnit(SECONDS)
                    .register(registry);
        }
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** What {@code weft_build_info} reports. */
    public BuildInfo buildInfo() {
        return buildInfo;
    }

    /**
     * Starts binding the JVM's meters on a background thread and returns at once: first the JMX
     * ones (memory, threads, GC, class loading, compilation, CPU, uptime, file descriptors), then
     * the virtual-thread meters behind a JFR stream; see the class comment for why. Later calls,
     * and calls after {@link #close()}, do nothing.
     */
    public void startJvmMeters() {
        synchronized (lock) {
            if (binder == null && !closed) {
                jmxBound = new CountDownLatch(1);
                // A platform thread: JFR's start runs class initialisers, and a virtual thread
                // doing so pins its carrier and makes any thread waiting for those classes pin its own.
                binder = Thread.ofPlatform().daemon().name("weft-metrics-jvm").start(this::bindJvmMeters);
            }
        }
    }

    /**
     * Waits until the meters started by {@link #startJvmMeters()} are all bound (or their binding
     * failed); returns at once when it was never called.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void awaitJvmMeters() throws InterruptedException {
        Thread t;
        synchronized (lock) {
            t = binder;
        }
        if (t != null) {
            t.join();
        }
    }

    /**
     * Writes every series in {@code contentType}'s format (Prometheus text or OpenMetrics). While
     * the JMX meters are being bound, waits for them first, at most {@link
     * #SCRAPE_WAITS_FOR_JVM_METERS}: a scrape shows all of them (only one that waited that long
     * and gave up may show part of them).
     *
     * @throws InterruptedException if interrupted while waiting for the JMX meters
     * @throws IOException if writing to {@code out} fails
     */
    public void scrape(OutputStream out, String contentType) throws InterruptedException, IOException {
        jmxBound.await(SCRAPE_WAITS_FOR_JVM_METERS.toMillis(), TimeUnit.MILLISECONDS);
        registry.scrape(out, contentType);
    }

    private void bindJvmMeters() {
        System.Logger log = System.getLogger(Metrics.class.getName());
        long t0 = System.nanoTime();
        try {
            synchronized (lock) {
                if (closed) {
                    return;
                }
                // Filters apply only to meters registered after them: create() set them first.
                new JvmMemoryMetrics().bindTo(registry);
                new JvmThreadMetrics().bindTo(registry);
                new ClassLoaderMetrics().bindTo(registry);
                new JvmCompilationMetrics().bindTo(registry);
                new ProcessorMetrics().bindTo(registry);
                new UptimeMetrics().bindTo(registry);
                new FileDescriptorMetrics().bindTo(registry);
                bindSecondsReplacements(registry);
                gc = new JvmGcMetrics();
                gc.bindTo(registry);
            }
        } catch (RuntimeException e) { // an MXBean this runtime lacks: say so, and still bind the rest
            log.log(System.Logger.Level.WARNING, "JVM meters only partly bound: " + e);
        } finally {
            jmxBound.countDown();
        }
        long t1 = System.nanoTime();
        VirtualThreadMetrics meters;
        try {
            meters = new VirtualThreadMetrics();
        } catch (RuntimeException e) { // JFR missing from the runtime, or disabled
            log.log(System.Logger.Level.WARNING, "virtual-thread meters unavailable: " + e);
            return;
        }
        synchronized (lock) {
            if (closed) {
                meters.close();
                return;
            }
            meters.bindTo(registry);
            virtualThreads = meters;
        }
        log.log(System.Logger.Level.INFO, "JVM meters bound in " + (t1 - t0) / 1_000_000
                + " ms, virtual-thread meters in " + (System.nanoTime() - t1) / 1_000_000 + " ms (JFR stream started)");
    }

    /**
     * Releases the binders' resources. Waits for a binding of the JMX meters in progress (a few
     * milliseconds once their classes are loaded); when the virtual-thread meters are still being
     * bound, does not wait for them: the binder closes its stream itself when it sees the
     * registry closed.
     */
    @Override
    public void close() {
        VirtualThreadMetrics meters;
        JvmGcMetrics gcMeters;
        synchronized (lock) {
            closed = true;
            meters = virtualThreads;
            gcMeters = gc;
        }
        if (meters != null) {
            meters.close();
        }
        if (gcMeters != null) {
            gcMeters.close();
        }
        registry.close();
    }
}

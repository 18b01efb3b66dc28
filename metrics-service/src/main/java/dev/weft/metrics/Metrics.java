package dev.weft.metrics;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.java21.instrument.binder.jdk.VirtualThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.List;

/**
 * The process's one meter registry, Prometheus-backed, with the JVM, process and virtual-thread
 * meters bound and the common tags every series carries ({@code application}, {@code instance}).
 * The launcher creates it and hands it to every service; {@link AdminServer} renders it.
 *
 * <p>Closing it releases the binders that hold resources (the GC notification listener, the JFR
 * stream behind the virtual-thread meters).
 */
public final class Metrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;
    private final VirtualThreadMetrics virtualThreads;

    private Metrics(PrometheusMeterRegistry registry, JvmGcMetrics gc, VirtualThreadMetrics virtualThreads) {
        this.registry = registry;
        this.gc = gc;
        this.virtualThreads = virtualThreads;
    }

    /**
     * Creates the registry and binds the standard meters.
     *
     * @param application the {@code application} tag
     * @param instance    the {@code instance} tag (the pod name in Kubernetes)
     */
    public static Metrics create(String application, String instance) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(List.of(Tag.of("application", application), Tag.of("instance", instance)));
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmCompilationMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        VirtualThreadMetrics virtualThreads = new VirtualThreadMetrics();
        virtualThreads.bindTo(registry);
        return new Metrics(registry, gc, virtualThreads);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        virtualThreads.close();
        gc.close();
        registry.close();
    }
}

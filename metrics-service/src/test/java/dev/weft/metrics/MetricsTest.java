package dev.weft.metrics;

import dev.weft.patterns.testing.NoLeakedThreads;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVM's meters (JMX ones, and the virtual-thread meters behind a JFR stream) are bound off the
 * start-up path, on request; a scrape never shows half of the JMX ones; closing the registry while
 * they are still being bound leaves nothing running.
 */
@ExtendWith(NoLeakedThreads.class)
class MetricsTest {

    private static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String PINNED = "jvm_threads_virtual_pinned_seconds";
    private static final String SUBMIT_FAILED = "jvm_threads_virtual_submit_failed_total";
    /** One series of each JMX binder, in the order they are bound. */
    private static final List<String> JMX_SERIES = List.of("jvm_memory_used_bytes{", "jvm_threads_live_threads{",
            "jvm_classes_loaded_classes{", "process_cpu_usage{", "process_uptime_seconds{", "process_files_open_files{",
            "process_cpu_seconds_total{", "jvm_gc_memory_allocated_bytes_total{");

    @Test
    void jvmMetersAreBoundOnlyOnceStarted() throws Exception {
        try (Metrics metrics = Metrics.create("weft-test", "test-instance")) {
            String before = scrape(metrics);
            assertTrue(before.contains("weft_build_info{"), before);
            for (String series : JMX_SERIES) {
                assertFalse(before.contains(series), series + " bound at create(): back on the start-up path");
            }
            assertFalse(before.contains(PINNED), "bound at create(): back on the start-up path");
            metrics.startJvmMeters();
            metrics.startJvmMeters(); // a second call does nothing
            metrics.awaitJvmMeters();
            String after = scrape(metrics);
            for (String series : JMX_SERIES) {
                assertTrue(after.contains(series), series + " missing: " + after);
            }
            assertTrue(after.contains(PINNED), after);
            assertTrue(after.contains(SUBMIT_FAILED), after);
        }
    }

    /**
     * A scrape right after the start, while the binder still loads the JMX classes, waits for
     * every JMX meter; without that wait it shows none or some of them.
     */
    @RepeatedTest(3)
    void aScrapeWhileTheJmxMetersAreBeingBoundShowsThemAll() throws Exception {
        try (Metrics metrics = Metrics.create("weft-test", "test-instance")) {
            metrics.startJvmMeters();
            String scrape = scrape(metrics);
            List<String> missing = JMX_SERIES.stream().filter(series -> !scrape.contains(series)).toList();
            assertEquals(List.of(), missing, "a scrape during the binding showed only part of the JMX meters");
            metrics.awaitJvmMeters();
        }
    }

    /** Repeated: close races the binder, which may be anywhere in its JMX binding or JFR start. */
    @RepeatedTest(5)
    void closeWhileTheMetersAreBeingBoundLeavesNoThreadBehind() throws InterruptedException {
        Metrics metrics = Metrics.create("weft-test", "test-instance");
        metrics.startJvmMeters();
        metrics.close();
        metrics.awaitJvmMeters(); // the binder ends, having closed what it started
        metrics.startJvmMeters(); // after close: nothing starts
        metrics.awaitJvmMeters();
    }

    @Test
    void withoutStartNeitherAwaitNorScrapeWaits() throws Exception {
        try (Metrics metrics = Metrics.create("weft-test", "test-instance")) {
            metrics.awaitJvmMeters();
            assertFalse(scrape(metrics).contains("jvm_memory_used_bytes{"));
        }
    }

    private static String scrape(Metrics metrics) throws InterruptedException, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.scrape(out, TEXT);
        return out.toString(StandardCharsets.UTF_8);
    }
}

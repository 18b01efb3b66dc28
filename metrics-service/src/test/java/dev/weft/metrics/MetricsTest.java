package dev.weft.metrics;

import dev.weft.patterns.testing.NoLeakedThreads;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The virtual-thread meters behind a JFR stream are bound off the start-up path, on request, and
 * closing the registry while they are still being bound leaves nothing running.
 */
@ExtendWith(NoLeakedThreads.class)
class MetricsTest {

    private static final String PINNED = "jvm_threads_virtual_pinned_seconds";
    private static final String SUBMIT_FAILED = "jvm_threads_virtual_submit_failed_total";

    @Test
    void virtualThreadMetersAreBoundOnlyOnceStarted() throws InterruptedException {
        try (Metrics metrics = Metrics.create("weft-test", "test-instance")) {
            assertFalse(metrics.registry().scrape().contains(PINNED), "bound at create(): back on the start-up path");
            metrics.startVirtualThreadMeters();
            metrics.startVirtualThreadMeters(); // a second call does nothing
            metrics.awaitVirtualThreadMeters();
            String scrape = metrics.registry().scrape();
            assertTrue(scrape.contains(PINNED), scrape);
            assertTrue(scrape.contains(SUBMIT_FAILED), scrape);
        }
    }

    /** Repeated: close races the binder, which may be anywhere in its JFR start. */
    @RepeatedTest(5)
    void closeWhileTheMetersAreBeingBoundLeavesNoThreadBehind() throws InterruptedException {
        Metrics metrics = Metrics.create("weft-test", "test-instance");
        metrics.startVirtualThreadMeters();
        metrics.close();
        metrics.awaitVirtualThreadMeters(); // the binder ends, having closed the stream it started
        metrics.startVirtualThreadMeters(); // after close: nothing starts
        metrics.awaitVirtualThreadMeters();
    }

    @Test
    void awaitWithoutStartReturnsAtOnce() throws InterruptedException {
        try (Metrics metrics = Metrics.create("weft-test", "test-instance")) {
            metrics.awaitVirtualThreadMeters();
            assertFalse(metrics.registry().scrape().contains(PINNED));
        }
    }
}

package dev.weft.patterns;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.testing.NoLeakedThreads;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedThreads.class)
class WeftThreadsTest {

    private static final Pattern NAME = Pattern.compile("weft-(\\w+)-(\\d+)");

    @Test
    void startedThreadsAreNamedVirtualAndCountedUntilTheirTaskReturns() throws Exception {
        int baseline = WeftThreads.liveCount();
        CountDownLatch release = new CountDownLatch(1);
        Thread a = WeftThreads.start("alpha", () -> awaitQuietly(release));
        Thread b = WeftThreads.start("beta", () -> awaitQuietly(release));

        assertTrue(a.isVirtual());
        var ma = NAME.matcher(a.getName());
        var mb = NAME.matcher(b.getName());
        assertTrue(ma.matches() && mb.matches(), a.getName() + " " + b.getName());
        assertEquals("alpha", ma.group(1));
        assertTrue(Long.parseLong(mb.group(2)) > Long.parseLong(ma.group(2)), "one global sequence");
        assertTrue(WeftThreads.liveThreads().containsAll(List.of(a, b)));
        assertTrue(WeftThreads.liveCount() >= baseline + 2);

        release.countDown();
        a.join();
        b.join();
        assertFalse(WeftThreads.liveThreads().contains(a));
        assertFalse(WeftThreads.liveThreads().contains(b));
    }

    @Test
    void threadIsUncountedEvenWhenItsTaskThrows() throws InterruptedException {
        Thread t = WeftThreads.factory("thrower").newThread(() -> { throw new IllegalStateException("expected"); });
        t.setUncaughtExceptionHandler((thread, e) -> {});
        assertTrue(WeftThreads.liveThreads().contains(t), "counted from creation");
        t.start();
        t.join();
        assertFalse(WeftThreads.liveThreads().contains(t));
    }

    @Test
    void factoryThreadsWorkInExecutors() throws Exception {
        try (ExecutorService executor = Executors.newThreadPerTaskExecutor(WeftThreads.factory("exec"))) {
            String name = executor.submit(() -> Thread.currentThread().getName()).get(10, SECONDS);
            assertTrue(name.startsWith("weft-exec-"), name);
        }
    }

    @Test
    void leakCheckReportsThreadsStillAlive() {
        Set<Thread> before = Set.copyOf(WeftThreads.liveThreads());
        CountDownLatch release = new CountDownLatch(1);
        Thread stuck = WeftThreads.start("stuck", () -> awaitQuietly(release));
        List<Thread> leaked = NoLeakedThreads.awaitLeaks(before, Duration.ofMillis(50));
        release.countDown();
        assertEquals(List.of(stuck), leaked);
        assertEquals(List.of(), NoLeakedThreads.awaitLeaks(before, Duration.ofSeconds(5)));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.weft.patterns;

import static dev.weft.patterns.TestThreads.awaitLatch;
import static dev.weft.patterns.TestThreads.go;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.TestThreads.Handle;
import dev.weft.patterns.testing.NoLeakedThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedThreads.class)
class SingleFlightTest {

    @Test
    void concurrentCallersWithOneKeyShareOneExecution() throws Exception {
        SingleFlight<String, String> group = new SingleFlight<>();
        AtomicInteger executions = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<SingleFlight.Result<String>> results = new java.util.concurrent.CopyOnWriteArrayList<>();
        Handle first = go(() -> results.add(group.doCall("user:1", () -> {
            executions.incrementAndGet();
            started.countDown();
            awaitLatch(release);
            return "alice";
        })));
        awaitLatch(started);
        List<Handle> others = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            others.add(go(() -> results.add(group.doCall("user:1", () -> {
                executions.incrementAndGet();
                return "other";
            }))));
        }
        TestThreads.awaitTrue("duplicates waiting", () -> group.duplicates("user:1") == 5);
        release.countDown();
        first.join();
        for (Handle h : others) {
            h.join();
        }
        assertEquals(1, executions.get());
        assertEquals(6, results.size());
        for (SingleFlight.Result<String> r : results) {
            assertEquals("alice", r.value());
            assertTrue(r.shared());
        }
        // Not a cache: the next call runs again, unshared.
        SingleFlight.Result<String> again = group.doCall("user:1", () -> "bob");
        assertEquals(new SingleFlight.Result<>("bob", false), again);
    }

    @Test
    void aFailureIsSharedAsTheSameCause() throws Exception {
        SingleFlight<Integer, String> group = new SingleFlight<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        IllegalStateException boom = new IllegalStateException("db down");
        Handle first = go(() -> group.doCall(1, () -> {
            started.countDown();
            awaitLatch(release);
            throw boom;
        }));
        awaitLatch(started);
        Handle second = go(() -> group.doCall(1, () -> "never"));
        TestThreads.awaitTrue("second waiting", () -> group.duplicates(1) == 1);
        release.countDown();
        assertSame(boom, assertInstanceOf(ExecutionException.class, first.failure()).getCause());
        assertSame(boom, assertInstanceOf(ExecutionException.class, second.failure()).getCause());
    }

    @Test
    void differentKeysRunIndependently() throws Exception {
        SingleFlight<String, Integer> group = new SingleFlight<>();
        assertEquals(1, group.doCall("a", () -> 1).value());
        assertEquals(2, group.doCall("b", () -> 2).value());
        assertFalse(group.doCall("a", () -> 3).shared());
    }

    @Test
    void forgetMakesTheNextCallRunAgainWhileTheOldOneIsInFlight() throws Exception {
        SingleFlight<String, String> group = new SingleFlight<>();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Handle slow = go(() -> assertEquals("old", group.doCall("k", () -> {
            started.countDown();
            awaitLatch(release);
            return "old";
        }).value()));
        awaitLatch(started);
        group.forget("k");
        assertEquals("new", group.doCall("k", () -> "new").value(), "did not wait for the forgotten call");
        release.countDown();
        slow.join();
        assertThrows(NullPointerException.class, () -> group.doCall(null, () -> "x"));
    }
}

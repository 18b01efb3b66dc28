package dev.weft.patterns;

import static dev.weft.patterns.TestThreads.BRIEF;
import static dev.weft.patterns.TestThreads.awaitLatch;
import static dev.weft.patterns.TestThreads.go;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.TestThreads.Handle;
import dev.weft.patterns.testing.NoLeakedThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** WaitGroup, Once, OnceValue, and the guide's Mutex/RWMutex/atomic examples in Java. */
@ExtendWith(NoLeakedThreads.class)
class SyncTest {

    @Test
    void waitGroupGoRunsTasksOnWeftThreadsAndAwaitSeesTheirWork() throws Exception {
        WaitGroup wg = new WaitGroup();
        int[] results = new int[100];
        for (int i = 0; i < results.length; i++) {
            int item = i;
            Thread t = wg.go(() -> results[item] = item * 2);
            assertTrue(t.getName().startsWith("weft-waitgroup-"));
        }
        wg.await();
        for (int i = 0; i < results.length; i++) {
            assertEquals(i * 2, results[i], "await happens-after every task's writes");
        }
        assertEquals(0, wg.count());
    }

    @Test
    void waitGroupAddDoneAwait() throws Exception {
        WaitGroup wg = new WaitGroup();
        wg.await(); // zero: returns at once
        wg.add(2);
        Handle waiter = go(wg::await);
        assertFalse(waiter.finishesWithin(BRIEF));
        wg.done();
        assertFalse(wg.await(Duration.ofMillis(10)));
        wg.done();
        waiter.join();
        assertTrue(wg.await(Duration.ZERO));
    }

    @Test
    void waitGroupNegativeCounterThrows() {
        WaitGroup wg = new WaitGroup();
        IllegalStateException e = assertThrows(IllegalStateException.class, wg::done);
        assertTrue(e.getMessage().contains("negative WaitGroup counter"), e.getMessage());
        wg.add(1);
        assertThrows(IllegalStateException.class, () -> wg.add(-2));
        assertEquals(1, wg.count(), "unchanged after the failed add");
        wg.done();
    }

    @Test
    void waitGroupTaskThatThrowsStillCountsDone() throws Exception {
        WaitGroup wg = new WaitGroup();
        Thread.UncaughtExceptionHandler quiet = (t, e) -> {};
        Thread t = wg.go(() -> {
            Thread.currentThread().setUncaughtExceptionHandler(quiet);
            throw new IllegalStateException("boom");
        });
        assertTrue(wg.await(TestThreads.BOUND));
        t.join();
    }

    @Test
    void onceRunsExactlyOnceAndConcurrentCallersWaitForIt() throws Exception {
        Once once = new Once();
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> instance = new AtomicReference<>();
        Handle first = go(() -> once.run(() -> {
            runs.incrementAndGet();
            inside.countDown();
            awaitQuietly(release);
            instance.set("db");
        }));
        awaitLatch(inside);
        List<Handle> others = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            others.add(go(() -> {
                once.run(runs::incrementAndGet);
                assertEquals("db", instance.get(), "returns only after the first action finished");
            }));
        }
        assertFalse(others.get(0).finishesWithin(BRIEF), "concurrent callers block");
        release.countDown();
        first.join();
        for (Handle h : others) {
            h.join();
        }
        assertEquals(1, runs.get());
        assertTrue(once.isDone());
    }

    @Test
    void onceRethrowsTheSameFailureOnEveryCall() {
        Once once = new Once();
        IllegalStateException boom = new IllegalStateException("connect failed");
        assertSame(boom, assertThrows(IllegalStateException.class, () -> once.run(() -> { throw boom; })));
        AtomicInteger later = new AtomicInteger();
        assertSame(boom, assertThrows(IllegalStateException.class, () -> once.run(later::incrementAndGet)));
        assertEquals(0, later.get());
    }

    @Test
    void onceRejectsARecursiveCall() {
        Once once = new Once();
        assertThrows(IllegalStateException.class, () -> once.run(() -> once.run(() -> {})));
    }

    @Test
    void onceValueComputesOnceAndSharesTheValue() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        OnceValue<String> config = OnceValue.of(() -> "config-" + calls.incrementAndGet());
        assertFalse(config.isDone());
        List<Handle> callers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            callers.add(go(() -> assertEquals("config-1", config.get())));
        }
        for (Handle h : callers) {
            h.join();
        }
        assertEquals("config-1", config.get());
        assertEquals(1, calls.get());
        assertNull(OnceValue.of(() -> null).get());
    }

    @Test
    void onceValueRethrowsTheSameFailureOnEveryCall() {
        AtomicInteger calls = new AtomicInteger();
        RuntimeException boom = new RuntimeException("no config");
        OnceValue<String> config = OnceValue.of(() -> {
            calls.incrementAndGet();
            throw boom;
        });
        for (int i = 0; i < 3; i++) {
            assertSame(boom, assertThrows(RuntimeException.class, config::get));
        }
        assertEquals(1, calls.get());
        assertTrue(config.isDone());
    }

    /** The guide's data-race fix: a shared counter is an atomic (sync/atomic → j.u.c.atomic). */
    @Test
    void sharedCounterUsesAnAtomic() throws Exception {
        AtomicLong counter = new AtomicLong();
        WaitGroup wg = new WaitGroup();
        for (int i = 0; i < 1000; i++) {
            wg.go(counter::incrementAndGet);
        }
        wg.await();
        assertEquals(1000, counter.get());
    }

    /** The guide's SafeCounter and Cache: sync.Mutex → ReentrantLock, RWMutex → ReentrantReadWriteLock. */
    @Test
    void mutexAndRwMutexMapToJavaUtilConcurrentLocks() throws Exception {
        ReentrantLock mu = new ReentrantLock();
        int[] count = {0};
        ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
        java.util.Map<String, Integer> cache = new java.util.HashMap<>();
        WaitGroup wg = new WaitGroup();
        for (int i = 0; i < 100; i++) {
            int v = i;
            wg.go(() -> {
                mu.lock();
                try {
                    count[0]++;
                } finally {
                    mu.unlock();
                }
                rw.writeLock().lock();
                try {
                    cache.put("k" + v, v);
                } finally {
                    rw.writeLock().unlock();
                }
                rw.readLock().lock();
                try {
                    assertEquals(v, cache.get("k" + v));
                } finally {
                    rw.readLock().unlock();
                }
            });
        }
        wg.await();
        assertEquals(100, count[0]);
        assertEquals(100, cache.size());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            awaitLatch(latch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

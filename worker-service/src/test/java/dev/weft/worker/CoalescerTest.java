package dev.weft.worker;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CoalescerTest {

    @Test
    void aLoneCallRunsAloneAtOnce() {
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        Coalescer<Integer, String> c = new Coalescer<>(10, in -> {
            batches.add(List.copyOf(in));
            return in.stream().map(i -> "#" + i).toList();
        });
        assertEquals("#1", c.call(1));
        assertEquals("#2", c.call(2));
        assertEquals(List.of(List.of(1), List.of(2)), batches);
    }

    @Test
    void callsThatArriveWhileABatchRunsGoTogetherInTheNextOneEachGettingItsOwnOutput() throws Exception {
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        List<List<Integer>> batches = new CopyOnWriteArrayList<>();
        Coalescer<Integer, Integer> c = new Coalescer<>(10, in -> {
            batches.add(List.copyOf(in));
            if (in.contains(0)) {
                firstRunning.countDown();
                await(releaseFirst);
            }
            return in.stream().map(i -> i * 10).toList();
        });
        BlockingQueue<Integer> outputs = new LinkedBlockingQueue<>();
        List<Thread> threads = new ArrayList<>();
        threads.add(Thread.ofVirtual().start(() -> outputs.add(c.call(0))));
        assertTrue(firstRunning.await(10, TimeUnit.SECONDS));
        for (int i = 1; i <= 3; i++) {
            int input = i;
            threads.add(Thread.ofVirtual().start(() -> outputs.add(c.call(input))));
        }
        // The three wait for the running batch; every one of them is queued before it ends.
        awaitQueued(c, 3);
        releaseFirst.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(0), batches.get(0));
        assertEquals(2, batches.size(), "the three waiting calls ran as one batch: " + batches);
        assertEquals(3, batches.get(1).size());
        List<Integer> got = new ArrayList<>(outputs);
        got.sort(null);
        assertEquals(List.of(0, 10, 20, 30), got);
    }

    @Test
    void aBatchTakesAtMostMaxInputsAndTheRestRunInTheNextOne() throws Exception {
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        List<Integer> sizes = new CopyOnWriteArrayList<>();
        Coalescer<Integer, Integer> c = new Coalescer<>(2, in -> {
            sizes.add(in.size());
            if (in.contains(0)) {
                firstRunning.countDown();
                await(releaseFirst);
            }
            return in;
        });
        List<Thread> threads = new ArrayList<>();
        threads.add(Thread.ofVirtual().start(() -> c.call(0)));
        assertTrue(firstRunning.await(10, TimeUnit.SECONDS));
        for (int i = 1; i <= 5; i++) {
            int input = i;
            threads.add(Thread.ofVirtual().start(() -> assertEquals(input, c.call(input))));
        }
        awaitQueued(c, 5);
        releaseFirst.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(1, 2, 2, 1), sizes);
    }

    @Test
    void aFailedBatchFailsEveryCallItTookAndTheNextBatchRunsAnyway() {
        Coalescer<Integer, Integer> c = new Coalescer<>(10, in -> {
            if (in.contains(13)) {
                throw new StoreUnavailableException("down", null);
            }
            return in;
        });
        assertThrows(StoreUnavailableException.class, () -> c.call(13));
        assertEquals(7, c.call(7));
    }

    /** Waits, with a deadline, until {@code n} calls are queued behind the running batch. */
    private static void awaitQueued(Coalescer<?, ?> c, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (c.queued() < n) {
            assertTrue(System.nanoTime() < deadline, "only " + c.queued() + " of " + n + " calls queued");
            Thread.sleep(1);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}

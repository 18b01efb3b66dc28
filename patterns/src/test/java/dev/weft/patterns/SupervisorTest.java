package dev.weft.patterns;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.testing.NoLeakedThreads;
import java.time.Duration;
import java.util.Collections;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedThreads.class)
class SupervisorTest {

    /** Every wait on the supervisor is bounded by this; it is a hang detector, not a speed claim. */
    private static final long BOUND_SECONDS = 20;

    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    /** A service whose life is driven by the test through latches. */
    private class Fake implements Service {
        final String name;
        final CountDownLatch terminated = new CountDownLatch(1);
        final CountDownLatch stopCalled = new CountDownLatch(1);
        volatile Exception startFailure;
        volatile Exception terminationFailure;
        volatile boolean stopResult = true;
        volatile boolean ignoreBudget;
        /** When set, stop() ignores the budget and interrupts alike until the test releases it. */
        volatile CountDownLatch deaf;
        volatile long stopCalledAtNanos;

        Fake(String name) {
            this.name = name;
        }

        @Override public String name() { return name; }

        @Override
        public void start() throws Exception {
            events.add("start " + name);
            if (startFailure != null) {
                throw startFailure;
            }
        }

        @Override
        public void awaitTermination() throws Exception {
            terminated.await();
            if (terminationFailure != null) {
                throw terminationFailure;
            }
        }

        @Override
        public boolean stop(Context budget) throws Exception {
            stopCalledAtNanos = System.nanoTime();
            events.add("stop " + name);
            stopCalled.countDown();
            try {
                if (ignoreBudget) {
                    new CountDownLatch(1).await(); // only the supervisor's interrupt ends this
                }
                CountDownLatch release = deaf;
                while (release != null && release.getCount() > 0) {
                    try {
                        release.await();
                    } catch (InterruptedException ignoredOnPurpose) {
                        // a service that ignores interruption too
                    }
                }
                return stopResult;
            } finally {
                terminated.countDown();
            }
        }

        /** The service fails by itself while running. */
        void crash(Exception failure) {
            terminationFailure = failure;
            terminated.countDown();
        }
    }

    private static Future<Supervisor.Outcome> runAsync(Supervisor supervisor, Context root) {
        CompletableFuture<Supervisor.Outcome> outcome = new CompletableFuture<>();
        WeftThreads.start("test", () -> {
            try {
                outcome.complete(supervisor.run(root));
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        return outcome;
    }

    private Supervisor.Builder builder(CountDownLatch started, Fake... services) {
        Supervisor.Builder builder = Supervisor.builder()
                .onStarted(() -> { events.add("onStarted"); started.countDown(); })
                .onShutdown(() -> events.add("onShutdown"));
        for (Fake service : services) {
            builder.service(service);
        }
        return builder;
    }

    @Test
    void startsInOrderStopsInReverseAndRootCancellationStops() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Supervisor supervisor = builder(started, new Fake("metrics"), new Fake("worker"), new Fake("http")).build();
        CancelContext root = Context.withCancel(Context.background());
        Future<Supervisor.Outcome> outcome = runAsync(supervisor, root);
        assertTrue(started.await(BOUND_SECONDS, SECONDS));
        root.cancel(new SignalException("TERM"));

        assertEquals(Supervisor.Outcome.STOPPED, outcome.get(BOUND_SECONDS, SECONDS));
        assertEquals(0, Supervisor.Outcome.STOPPED.exitCode());
        assertEquals(List.of("start metrics", "start worker", "start http", "onStarted",
                "onShutdown", "stop http", "stop worker", "stop metrics"), events);
        assertTrue(supervisor.failure().isEmpty());
    }

    @Test
    void firstFailureStopsEveryService() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Fake a = new Fake("a");
        Fake b = new Fake("b");
        Fake c = new Fake("c");
        Supervisor supervisor = builder(started, a, b, c).build();
        Future<Supervisor.Outcome> outcome = runAsync(supervisor, Context.background());
        assertTrue(started.await(BOUND_SECONDS, SECONDS));
        Exception boom = new Exception("boom");
        b.crash(boom);

        assertEquals(Supervisor.Outcome.SERVICE_FAILED, outcome.get(BOUND_SECONDS, SECONDS));
        assertEquals(1, Supervisor.Outcome.SERVICE_FAILED.exitCode());
        assertSame(boom, supervisor.failure().orElseThrow());
        assertEquals(List.of("onShutdown", "stop c", "stop b", "stop a"),
                events.subList(events.indexOf("onShutdown"), events.size()));
    }

    @Test
    void serviceEndingOnItsOwnIsAFailure() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Fake a = new Fake("a");
        Supervisor supervisor = builder(started, a).build();
        Future<Supervisor.Outcome> outcome = runAsync(supervisor, Context.background());
        assertTrue(started.await(BOUND_SECONDS, SECONDS));
        a.terminated.countDown();

        assertEquals(Supervisor.Outcome.SERVICE_FAILED, outcome.get(BOUND_SECONDS, SECONDS));
        assertInstanceOf(IllegalStateException.class, supervisor.failure().orElseThrow());
    }

    @Test
    void startFailureStopsTheStartedOnesAndNeverStartsTheRest() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Fake a = new Fake("a");
        Fake b = new Fake("b");
        Fake c = new Fake("c");
        Exception cannotBind = new Exception("port in use");
        b.startFailure = cannotBind;
        Supervisor supervisor = builder(started, a, b, c).build();

        assertEquals(Supervisor.Outcome.SERVICE_FAILED,
                runAsync(supervisor, Context.background()).get(BOUND_SECONDS, SECONDS));
        assertSame(cannotBind, supervisor.failure().orElseThrow());
        assertEquals(List.of("start a", "start b", "onShutdown", "stop a"), events);
        assertEquals(1, started.getCount(), "onStarted never ran");
    }

    @Test
    void rootAlreadyDoneStartsNothing() throws Exception {
        CancelContext root = Context.withCancel(Context.background());
        root.cancel();
        Supervisor supervisor = builder(new CountDownLatch(1), new Fake("a")).build();
        assertEquals(Supervisor.Outcome.STOPPED, runAsync(supervisor, root).get(BOUND_SECONDS, SECONDS));
        assertEquals(List.of("onShutdown"), events);
    }

    @Test
    void stopOverrunningTheBudgetGivesBudgetExceededAndRunStillReturns() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Fake first = new Fake("first");
        Fake stubborn = new Fake("stubborn");
        stubborn.ignoreBudget = true;
        Supervisor supervisor = builder(started, first, stubborn)
                .shutdownTimeout(Duration.ofMillis(200))
                .build();
        CancelContext root = Context.withCancel(Context.background());
        Future<Supervisor.Outcome> outcome = runAsync(supervisor, root);
        assertTrue(started.await(BOUND_SECONDS, SECONDS));
        root.cancel();

        assertEquals(Supervisor.Outcome.BUDGET_EXCEEDED, outcome.get(BOUND_SECONDS, SECONDS));
        assertEquals(3, Supervisor.Outcome.BUDGET_EXCEEDED.exitCode());
        assertTrue(supervisor.failure().isEmpty(), "the interrupted stop is not a service failure");
        assertEquals(List.of("stop stubborn", "stop first"),
                events.subList(events.indexOf("stop stubborn"), events.size()),
                "the services after the overrun are still stopped");
    }

    @Test
    void runReturnsWithinTheBudgetPlusMaxOverrunEvenWhenAStopIgnoresEverything() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Fake first = new Fake("first");
        Fake deaf = new Fake("deaf");
        CountDownLatch release = new CountDownLatch(1);
        deaf.deaf = release;
        Duration budget = Duration.ofMillis(200);
        Supervisor supervisor = builder(started, first, deaf).shutdownTimeout(budget).build();
        CancelContext root = Context.withCancel(Context.background());
        Future<Supervisor.Outcome> outcome = runAsync(supervisor, root);
        assertTrue(started.await(BOUND_SECONDS, SECONDS));
        try {
            long begin = System.nanoTime();
            root.cancel();
            // The documented hard bound, plus scheduling slack: a liveness bound, not a speed claim.
            Duration bound = budget.plus(Supervisor.maxOverrun(2)).plusSeconds(2);
            assertEquals(Supervisor.Outcome.BUDGET_EXCEEDED, outcome.get(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
            assertTrue(System.nanoTime() - begin < bound.toNanos());
            assertTrue(events.contains("stop first"), "the service after the deaf one is still stopped");
        } finally {
            release.countDown(); // let the abandoned stop thread end, for the leak check
        }
    }

    @Test
    void stopReportingAbandonedWorkGivesBudgetExceeded() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Fake worker = new Fake("worker");
        worker.stopResult = false;
        Supervisor supervisor = builder(started, worker).build();
        CancelContext root = Context.withCancel(Context.background());
        Future<Supervisor.Outcome> outcome = runAsync(supervisor, root);
        assertTrue(started.await(BOUND_SECONDS, SECONDS));
        root.cancel();
        assertEquals(Supervisor.Outcome.BUDGET_EXCEEDED, outcome.get(BOUND_SECONDS, SECONDS));
    }

    @Test
    void failureWinsOverBudgetExceeded() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Fake a = new Fake("a");
        Fake b = new Fake("b");
        a.stopResult = false;
        Supervisor supervisor = builder(started, a, b).build();
        Future<Supervisor.Outcome> outcome = runAsync(supervisor, Context.background());
        assertTrue(started.await(BOUND_SECONDS, SECONDS));
        b.crash(new Exception("crash"));
        assertEquals(Supervisor.Outcome.SERVICE_FAILED, outcome.get(BOUND_SECONDS, SECONDS));
    }

    @Test
    void stopThatThrowsIsRecordedAndTheNextIsStillStopped() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Fake a = new Fake("a");
        IllegalStateException stopFailure = new IllegalStateException("stop failed");
        Fake b = new Fake("b") {
            @Override
            public boolean stop(Context budget) throws Exception {
                super.stop(budget);
                throw stopFailure;
            }
        };
        Supervisor supervisor = builder(started, a, b).build();
        CancelContext root = Context.withCancel(Context.background());
        Future<Supervisor.Outcome> outcome = runAsync(supervisor, root);
        assertTrue(started.await(BOUND_SECONDS, SECONDS));
        root.cancel();
        assertEquals(Supervisor.Outcome.SERVICE_FAILED, outcome.get(BOUND_SECONDS, SECONDS));
        assertSame(stopFailure, supervisor.failure().orElseThrow());
        assertTrue(events.contains("stop a"));
    }

    @Test
    void onShutdownRunsBeforeAnyStopAndDrainDelayIsWaited() throws Exception {
        Duration drain = Duration.ofMillis(150);
        CountDownLatch started = new CountDownLatch(1);
        AtomicLong shutdownHookAt = new AtomicLong();
        Fake a = new Fake("a");
        Supervisor supervisor = builder(started, a)
                .onShutdown(() -> shutdownHookAt.set(System.nanoTime()))
                .drainDelay(drain)
                .build();
        CancelContext root = Context.withCancel(Context.background());
        Future<Supervisor.Outcome> outcome = runAsync(supervisor, root);
        assertTrue(started.await(BOUND_SECONDS, SECONDS));
        root.cancel();
        assertEquals(Supervisor.Outcome.STOPPED, outcome.get(BOUND_SECONDS, SECONDS));
        assertEquals(List.of("start a", "onStarted", "onShutdown", "stop a"), events);
        // A lower bound on monotonic time: the stop cannot have begun before the drain delay ended.
        assertTrue(a.stopCalledAtNanos - shutdownHookAt.get() >= drain.toNanos(),
                "stop began " + (a.stopCalledAtNanos - shutdownHookAt.get()) + " ns after the hooks");
    }

    @Test
    void runIsSingleUse() throws Exception {
        CancelContext root = Context.withCancel(Context.background());
        root.cancel();
        Supervisor supervisor = Supervisor.builder().build();
        assertEquals(Supervisor.Outcome.STOPPED, supervisor.run(root));
        assertThrows(IllegalStateException.class, () -> supervisor.run(root));
    }

    @Test
    void interruptingRunCompletesTheShutdownThenThrows() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        Fake a = new Fake("a");
        Supervisor supervisor = builder(started, a).build();
        CompletableFuture<Supervisor.Outcome> outcome = new CompletableFuture<>();
        Thread runner = WeftThreads.start("test", () -> {
            try {
                outcome.complete(supervisor.run(Context.background()));
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        assertTrue(started.await(BOUND_SECONDS, SECONDS));
        runner.interrupt();
        ExecutionException thrown = assertThrows(ExecutionException.class,
                () -> outcome.get(BOUND_SECONDS, SECONDS));
        assertInstanceOf(InterruptedException.class, thrown.getCause());
        assertTrue(events.contains("stop a"));
        assertFalse(outcome.isCancelled());
    }

}

package dev.weft.patterns;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.testing.NoLeakedThreads;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedThreads.class)
class ContextTest {

    private static final Duration LONG = Duration.ofHours(1);

    /**
     * Registrations removed while the cancel runs the list: a callback whose remove() returned true
     * never runs, every other one runs exactly once; nothing lost, nothing run twice.
     */
    @Test
    void aCallbackRunsOnceUnlessItsRemovalWonAgainstTheCancel() throws Exception {
        int callbacks = 2_000;
        for (int round = 0; round < 20; round++) {
            CancelContext ctx = Context.withCancel(Context.background());
            AtomicIntegerArray runs = new AtomicIntegerArray(callbacks);
            Registration[] registrations = new Registration[callbacks];
            for (int i = 0; i < callbacks; i++) {
                int id = i;
                registrations[i] = Contexts.onDone(ctx, () -> runs.incrementAndGet(id));
            }
            boolean[] removed = new boolean[callbacks];
            CountDownLatch go = new CountDownLatch(1);
            Thread remover = Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = callbacks - 1; i >= 0; i -= 2) { // from the end, towards the cancel's walk
                    removed[i] = registrations[i].remove();
                }
            });
            go.countDown();
            ctx.cancel();
            remover.join(); // publishes removed[]
            int removedCount = 0;
            for (int i = 0; i < callbacks; i++) {
                assertEquals(removed[i] ? 0 : 1, runs.get(i), "callback " + i + " (removed: " + removed[i] + ")");
                removedCount += removed[i] ? 1 : 0;
            }
            assertEquals(0, ((CancelNode) ctx).registrationCount());
            assertTrue(removedCount <= callbacks / 2);
        }
    }

    /** Contexts.onDone's contract: every callback runs, in order, and cancel() rethrows the first failure. */
    @Test
    void aThrowingDoneCallbackStopsNoOtherAndItsFailureReachesTheCanceller() {
        CancelContext ctx = Context.withCancel(Context.background());
        List<Integer> ran = new ArrayList<>();
        IllegalStateException first = new IllegalStateException("first");
        IllegalStateException second = new IllegalStateException("second");
        Contexts.onDone(ctx, () -> ran.add(1));
        Contexts.onDone(ctx, () -> {
            ran.add(2);
            throw first;
        });
        Contexts.onDone(ctx, () -> ran.add(3));
        Contexts.onDone(ctx, () -> {
            ran.add(4);
            throw second;
        });
        Contexts.onDone(ctx, () -> ran.add(5));
        IllegalStateException thrown = assertThrows(IllegalStateException.class, ctx::cancel);
        assertSame(first, thrown);
        assertEquals(List.of(second), List.of(thrown.getSuppressed()));
        assertEquals(List.of(1, 2, 3, 4, 5), ran, "registration order, and none skipped");
        assertTrue(ctx.isDone());
    }

    @Test
    void backgroundIsNeverDone() throws InterruptedException {
        Context bg = Context.background();
        assertSame(bg, Context.background());
        assertFalse(bg.isDone());
        assertNull(bg.err());
        assertNull(bg.cause());
        assertEquals(Optional.empty(), bg.deadline());
        assertFalse(bg.await(Duration.ofMillis(20)));
        bg.throwIfDone();
    }

    @Test
    void cancellingParentCancelsAllDescendantsWithItsErrAndCause() {
        CancelContext parent = Context.withCancel(Context.background());
        Context.Key<String> key = Context.Key.named("k");
        CancelContext child = Context.withCancel(Context.withValue(parent, key, "v"));
        CancelContext grandchild = Context.withTimeout(child, LONG);
        Context valueBelow = Context.withValue(grandchild, key, "w");

        RuntimeException why = new RuntimeException("shutting down");
        parent.cancel(why);

        for (Context c : List.of(parent, child, grandchild, valueBelow)) {
            assertTrue(c.isDone(), c.toString());
            assertSame(parent.err(), c.err(), c.toString());
            assertSame(why, c.cause(), c.toString());
        }
        assertInstanceOf(ContextCanceledException.class, parent.err());
        assertSame(why, parent.err().getCause());
    }

    @Test
    void cancellingChildNeverAffectsParent() {
        CancelContext parent = Context.withCancel(Context.background());
        CancelContext child = Context.withCancel(parent);
        child.cancel(new IllegalStateException("child only"));
        assertTrue(child.isDone());
        assertFalse(parent.isDone());
        assertNull(parent.err());
        parent.cancel();
    }

    @Test
    void childDeadlineIsNeverLaterThanParents() {
        CancelContext parent = Context.withTimeout(Context.background(), LONG);
        Instant parentDeadline = parent.deadline().orElseThrow();

        CancelContext later = Context.withTimeout(parent, LONG.multipliedBy(2));
        assertEquals(parentDeadline, later.deadline().orElseThrow());

        Instant earlierDeadline = parentDeadline.minusSeconds(60);
        CancelContext earlier = Context.withDeadline(parent, earlierDeadline);
        assertEquals(earlierDeadline, earlier.deadline().orElseThrow());

        assertEquals(parentDeadline, Context.withCancel(parent).deadline().orElseThrow());
        parent.cancel();
    }

    @Test
    void deadlineGivesDeadlineExceededAsErrAndCause() throws InterruptedException {
        CancelContext ctx = Context.withTimeout(Context.background(), Duration.ofMillis(30));
        CancelContext child = Context.withCancel(ctx);
        assertTrue(ctx.await(Duration.ofSeconds(10)));
        assertInstanceOf(DeadlineExceededException.class, ctx.err());
        assertSame(ctx.err(), ctx.cause());
        assertNull(ctx.err().getCause());
        // The timer thread cancels the child just after the parent: wait, don't assume.
        assertTrue(child.await(Duration.ofSeconds(10)));
        assertSame(ctx.err(), child.err());
        // Cancelling afterwards changes nothing.
        ctx.cancel(new RuntimeException("too late"));
        assertInstanceOf(DeadlineExceededException.class, ctx.cause());
    }

    @Test
    void timeoutCauseIsTheCauseWhenTheDeadlinePassesAndErrStaysDeadlineExceeded() throws InterruptedException {
        IllegalStateException budget = new IllegalStateException("the upstream budget ran out");
        CancelContext ctx = Context.withTimeoutCause(Context.background(), Duration.ofMillis(20), budget);
        CancelContext child = Context.withCancel(ctx);
        assertTrue(child.await(Duration.ofSeconds(10)));
        assertInstanceOf(DeadlineExceededException.class, ctx.err());
        assertNull(ctx.err().getCause(), "err is the plain value; the cause is apart");
        assertSame(budget, ctx.cause());
        assertSame(budget, child.cause(), "descendants share the cause");
    }

    @Test
    void deadlineCauseDoesNotApplyToACancellationOrAPassedParentDeadline() {
        IllegalStateException why = new IllegalStateException("own deadline");
        CancelContext cancelledFirst = Context.withDeadlineCause(Context.background(), Instant.now().plus(LONG), why);
        cancelledFirst.cancel();
        assertInstanceOf(ContextCanceledException.class, cancelledFirst.cause());

        CancelContext passed = Context.withDeadlineCause(Context.background(), Instant.now().minusSeconds(1), why);
        assertTrue(passed.isDone(), "a passed deadline is done at once, with its cause");
        assertSame(why, passed.cause());

        CancelContext parent = Context.withDeadline(Context.background(), Instant.now().minusSeconds(1));
        CancelContext child = Context.withDeadlineCause(parent, Instant.now().plus(LONG), why);
        assertSame(parent.err(), child.cause(), "the parent ended it, with the parent's cause");
    }

    @Test
    void passedDeadlineReturnsContextAlreadyDone() {
        CancelContext ctx = Context.withDeadline(Context.background(), Instant.now().minusSeconds(1));
        assertTrue(ctx.isDone());
        assertInstanceOf(DeadlineExceededException.class, ctx.err());
        assertTrue(Context.withTimeout(Context.background(), Duration.ZERO).isDone());
    }

    @Test
    void childOfDoneParentIsBornDoneWithParentsErr() {
        CancelContext parent = Context.withCancel(Context.background());
        RuntimeException why = new RuntimeException("gone");
        parent.cancel(why);
        CancelContext child = Context.withDeadline(parent, Instant.now().minusSeconds(1));
        assertSame(parent.err(), child.err());
        assertSame(why, child.cause());
        assertEquals(0, ((CancelNode) parent).registrationCount());
    }

    @Test
    void cancelIsIdempotentAndFirstCauseWins() {
        CancelContext ctx = Context.withCancel(Context.background());
        RuntimeException first = new RuntimeException("first");
        ctx.cancel(first);
        ContextDoneException err = ctx.err();
        ctx.cancel(new RuntimeException("second"));
        ctx.cancel();
        assertSame(err, ctx.err());
        assertSame(first, ctx.cause());
        assertSame(first, err.getCause());
    }

    @Test
    void cancelWithoutCauseMakesCauseTheErr() {
        CancelContext ctx = Context.withCancel(Context.background());
        ctx.cancel();
        assertInstanceOf(ContextCanceledException.class, ctx.err());
        assertSame(ctx.err(), ctx.cause());
        assertNull(ctx.err().getCause());
        assertEquals(0, ctx.err().getStackTrace().length, "done exceptions are values, no trace");
        ContextDoneException thrown = assertThrows(ContextDoneException.class, ctx::throwIfDone);
        assertSame(ctx.err(), thrown);
    }

    @Test
    void cancelledChildrenDeregisterFromLongLivedParent() {
        CancelContext parent = Context.withCancel(Context.background());
        Context valueParent = Context.withValue(parent, Context.Key.named("k"), 1);
        CancelNode own = (CancelNode) parent;
        for (int i = 0; i < 10_000; i++) {
            CancelContext child = Context.withCancel(i % 2 == 0 ? parent : valueParent);
            CancelContext grandchild = Context.withTimeout(child, LONG);
            if (i % 3 == 0) {
                grandchild.cancel();
            }
            child.cancel();
        }
        assertEquals(0, own.registrationCount());

        CancelContext live = Context.withCancel(valueParent);
        assertEquals(1, own.registrationCount(), "children below a value context register with the parent");
        live.cancel();
        assertEquals(0, own.registrationCount());
        parent.cancel();
    }

    @Test
    void earlyCancelReleasesTheDeadlineTimer() {
        int before = WeftThreads.pendingTimerCount();
        List<CancelContext> contexts = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            contexts.add(Context.withTimeout(Context.background(), LONG));
        }
        assertTrue(WeftThreads.pendingTimerCount() >= 1_000);
        contexts.forEach(CancelContext::cancel);
        assertTrue(WeftThreads.pendingTimerCount() <= before,
                "timer queue still holds " + WeftThreads.pendingTimerCount() + " > " + before);
    }

    @Test
    void valuesWalkUpTheChainAndNearestWins() {
        Context.Key<String> user = Context.Key.named("user");
        Context.Key<Integer> attempt = Context.Key.named("attempt");
        Context.Key<String> missing = Context.Key.named("user"); // same name, different key
        Context outer = Context.withValue(Context.background(), user, "alice");
        CancelContext middle = Context.withCancel(Context.withValue(outer, attempt, 1));
        Context inner = Context.withValue(middle, user, "bob");

        assertEquals(Optional.of("bob"), inner.value(user));
        assertEquals(Optional.of(1), inner.value(attempt));
        assertEquals(Optional.of("alice"), middle.value(user));
        assertEquals(Optional.empty(), inner.value(missing));
        assertEquals("user", user.toString());
        assertThrows(NullPointerException.class, () -> Context.withValue(outer, user, null));
        middle.cancel();
    }

    @Test
    void withoutCancelKeepsValuesButIsNeverDone() throws InterruptedException {
        Context.Key<String> key = Context.Key.named("request-id");
        CancelContext parent = Context.withTimeout(Context.withValue(Context.background(), key, "r1"), LONG);
        Context detached = Context.withoutCancel(parent);
        CancelContext below = Context.withCancel(detached);
        parent.cancel();

        assertTrue(parent.isDone());
        assertFalse(detached.isDone());
        assertNull(detached.err());
        assertNull(detached.cause());
        assertEquals(Optional.empty(), detached.deadline());
        assertFalse(detached.await(Duration.ofMillis(20)));
        assertFalse(below.isDone());
        assertEquals(Optional.of("r1"), below.value(key));
        below.cancel();
    }

    @Test
    void afterFuncRunsExactlyOnceAfterDoneOnAWeftThread() throws InterruptedException {
        CancelContext ctx = Context.withCancel(Context.background());
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<String> threadName = new AtomicReference<>();
        AtomicReference<Boolean> sawDone = new AtomicReference<>();
        AtomicReference<Boolean> virtual = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);
        Context.AfterFunc handle = ctx.afterFunc(() -> {
            runs.incrementAndGet();
            threadName.set(Thread.currentThread().getName());
            sawDone.set(ctx.isDone());
            virtual.set(Thread.currentThread().isVirtual());
            ran.countDown();
        });
        assertEquals(0, runs.get());
        ctx.cancel();
        ctx.cancel();
        assertTrue(ran.await(10, SECONDS));
        assertFalse(handle.stop(), "already started");
        assertEquals(1, runs.get());
        assertTrue(threadName.get().startsWith("weft-afterfunc-"), threadName.get());
        assertTrue(sawDone.get());
        assertTrue(virtual.get());
    }

    @Test
    void afterFuncStoppedBeforeDoneNeverRuns() {
        CancelContext ctx = Context.withCancel(Context.background());
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger runs = new AtomicInteger();
        Context.AfterFunc handle = ctx.afterFunc(() -> {
            runs.incrementAndGet();
            awaitQuietly(release);
        });
        assertTrue(handle.stop());
        assertFalse(handle.stop(), "second stop");
        assertEquals(0, ((CancelNode) ctx).registrationCount());
        ctx.cancel();
        // Callbacks run inside cancel(): had f been started, its (blocked) thread would be live now.
        boolean afterFuncThreadAlive = WeftThreads.liveThreads().stream()
                .anyMatch(t -> t.getName().startsWith("weft-afterfunc-"));
        release.countDown();
        assertFalse(afterFuncThreadAlive);
        assertEquals(0, runs.get());
    }

    @Test
    void afterFuncOnDoneContextStartsAtOnce() throws InterruptedException {
        CancelContext ctx = Context.withCancel(Context.background());
        ctx.cancel();
        CountDownLatch ran = new CountDownLatch(1);
        Context.AfterFunc handle = ctx.afterFunc(ran::countDown);
        assertTrue(ran.await(10, SECONDS));
        assertFalse(handle.stop());
    }

    @Test
    void awaitWithTimeoutReturnsFalseOnTimeoutAndTrueOnceDone() throws InterruptedException {
        CancelContext ctx = Context.withCancel(Context.background());
        assertFalse(ctx.await(Duration.ofMillis(20)));
        assertFalse(ctx.await(Duration.ZERO));
        assertFalse(ctx.await(Duration.ofMillis(-5)));
        ctx.cancel();
        assertTrue(ctx.await(Duration.ZERO));
    }

    @Test
    void awaitIsInterruptible() throws InterruptedException {
        CancelContext ctx = Context.withCancel(Context.background());
        CountDownLatch interrupted = new CountDownLatch(1);
        Thread waiter = WeftThreads.start("test", () -> {
            try {
                ctx.await();
            } catch (InterruptedException expected) {
                interrupted.countDown();
            }
        });
        waiter.interrupt();
        assertTrue(interrupted.await(10, SECONDS));
        assertFalse(ctx.isDone());
        ctx.cancel();
    }

    /** Plain field: only the cancel/await happens-before edge makes the write visible. */
    private int published;

    @Test
    void cancellerWritesAreVisibleAfterAwait() throws InterruptedException {
        for (int round = 0; round < 200; round++) {
            CancelContext ctx = Context.withCancel(Context.background());
            int expected = round + 1;
            AtomicInteger seen = new AtomicInteger();
            CountDownLatch read = new CountDownLatch(1);
            WeftThreads.start("test", () -> {
                try {
                    ctx.await();
                    seen.set(published);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    read.countDown();
                }
            });
            published = expected;
            ctx.cancel();
            assertTrue(read.await(10, SECONDS));
            assertEquals(expected, seen.get());
        }
    }

    @Test
    void onDoneRunsSynchronouslyInTheCancellingThread() {
        CancelContext ctx = Context.withCancel(Context.background());
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicInteger removedRuns = new AtomicInteger();
        Contexts.onDone(ctx, () -> ranOn.set(Thread.currentThread()));
        Registration removed = Contexts.onDone(ctx, removedRuns::incrementAndGet);
        assertTrue(removed.remove());
        assertFalse(removed.remove());
        ctx.cancel();
        assertSame(Thread.currentThread(), ranOn.get());
        assertEquals(0, removedRuns.get());

        AtomicInteger immediate = new AtomicInteger();
        Registration late = Contexts.onDone(ctx, immediate::incrementAndGet);
        assertEquals(1, immediate.get(), "runs at once on a done context");
        assertFalse(late.remove());
    }

    @Test
    void callbackFailureDoesNotStopOtherCallbacks() {
        CancelContext ctx = Context.withCancel(Context.background());
        CancelContext child = Context.withCancel(ctx);
        Contexts.onDone(ctx, () -> { throw new IllegalStateException("boom"); });
        assertThrows(IllegalStateException.class, ctx::cancel);
        assertTrue(ctx.isDone());
        assertTrue(child.isDone());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

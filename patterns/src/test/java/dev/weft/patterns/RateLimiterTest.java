package dev.weft.patterns;

import static dev.weft.patterns.TestThreads.awaitTrue;
import static dev.weft.patterns.TestThreads.go;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.TestThreads.Handle;
import dev.weft.patterns.testing.NoLeakedThreads;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Token accounting runs on a fake clock, so nothing here depends on the machine's speed. */
@ExtendWith(NoLeakedThreads.class)
class RateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private RateLimiter limiter(double rate, int burst) {
        return new RateLimiter(rate, burst, now::get);
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void startsFullAndAllowsABurst() {
        RateLimiter limiter = limiter(10, 3);
        assertTrue(limiter.allow());
        assertTrue(limiter.allow());
        assertTrue(limiter.allow());
        assertFalse(limiter.allow(), "burst used up");
        assertFalse(limiter.allow(4), "more than the burst is never allowed");
    }

    @Test
    void refillsAtTheRateUpToTheBurst() {
        RateLimiter limiter = limiter(10, 2);
        assertTrue(limiter.allow(2));
        assertFalse(limiter.allow());
        advance(Duration.ofMillis(99));
        assertFalse(limiter.allow());
        advance(Duration.ofMillis(1));
        assertTrue(limiter.allow(), "one token per 100 ms");
        advance(Duration.ofHours(1));
        assertEquals(2.0, limiter.tokens(), 1e-9, "capped at the burst");
        assertTrue(limiter.allow(2));
        assertFalse(limiter.allow());
    }

    @Test
    void aWaitComputedFromTokensNeverEndsBeforeTheyExist() {
        RateLimiter limiter = limiter(3, 1);                 // a token every 333,333,333.3 ns
        assertTrue(limiter.allow());
        RateLimiter.Reservation r = limiter.reserve();
        assertEquals(Duration.ofNanos(333_333_334), r.delay(), "rounded up, not truncated");
        advance(r.delay());
        assertTrue(limiter.tokens() >= 0, "the reserved token exists once its delay has passed: " + limiter.tokens());
    }

    @Test
    void theFillTimeIsTheBurstAtTheRateRoundedUpAsWaitsAre() {
        assertEquals(Duration.ofMillis(500), limiter(10, 5).fillTime());
        assertEquals(Duration.ofNanos(333_333_334), limiter(3, 1).fillTime(), "rounded up, as a wait for that token is");
        assertEquals(Duration.ZERO, limiter(RateLimiter.INF, 5).fillTime());
        assertEquals(RateLimiter.INF_DURATION, limiter(0, 5).fillTime());
        RateLimiter changed = limiter(10, 5);
        changed.setBurst(20);
        changed.setRate(40);
        assertEquals(Duration.ofMillis(500), changed.fillTime(), "follows setRate and setBurst");
    }

    @Test
    void aReadingEarlierThanOneAlreadySeenCountsAsThatOne() {
        RateLimiter limiter = limiter(10, 10);
        assertTrue(limiter.allow(10));
        advance(Duration.ofMillis(100));
        assertTrue(limiter.allow(), "one token accrued by the later reading");
        now.addAndGet(-Duration.ofMillis(50).toNanos());     // a reading taken before that call's
        assertFalse(limiter.allow(), "no token for time that was already counted");
        advance(Duration.ofMillis(100));                     // 50 ms after the latest reading
        assertEquals(0.5, limiter.tokens(), 1e-9, "the 50 ms before the latest reading are not credited again");
        now.addAndGet(-Duration.ofMillis(100).toNanos());    // behind again: 50 ms before the latest reading
        RateLimiter.Reservation r = limiter.reserve();
        // Timed from the latest reading (+100 ms for the token), measured from this clock: 150 ms.
        assertEquals(Duration.ofMillis(150), r.delay());
    }

    @Test
    void infiniteRateAllowsEverythingAndZeroRateOnlyTheBurst() {
        RateLimiter inf = limiter(RateLimiter.INF, 0);
        for (int i = 0; i < 1000; i++) {
            assertTrue(inf.allow(100));
        }
        RateLimiter zero = limiter(0, 2);
        assertTrue(zero.allow(2));
        advance(Duration.ofDays(1));
        assertFalse(zero.allow());
        assertFalse(zero.reserve().ok(), "the tokens would never come");
        assertEquals(RateLimiter.INF, RateLimiter.every(Duration.ZERO));
        assertEquals(10.0, RateLimiter.every(Duration.ofMillis(100)), 1e-9);
    }

    @Test
    void reserveTakesFutureTokensAndSaysHowLongToWait() {
        RateLimiter limiter = limiter(10, 1);
        RateLimiter.Reservation first = limiter.reserve();
        assertTrue(first.ok());
        assertEquals(Duration.ZERO, first.delay());
        RateLimiter.Reservation second = limiter.reserve();
        assertTrue(second.ok());
        assertEquals(Duration.ofMillis(100), second.delay());
        RateLimiter.Reservation third = limiter.reserve();
        assertEquals(Duration.ofMillis(200), third.delay());
        advance(Duration.ofMillis(150));
        assertEquals(Duration.ofMillis(50), third.delay());

        RateLimiter.Reservation tooBig = limiter.reserve(2);
        assertFalse(tooBig.ok());
        assertEquals(RateLimiter.INF_DURATION, tooBig.delay());
    }

    @Test
    void cancelGivesTokensBackAsGoDoes() {
        RateLimiter limiter = limiter(1, 1);
        assertTrue(limiter.allow());
        RateLimiter.Reservation r = limiter.reserve();
        assertEquals(Duration.ofSeconds(1), r.delay());
        r.cancel();
        assertEquals(0.0, limiter.tokens(), 1e-9, "the reserved token is back");
        r.cancel(); // only the first cancel counts
        assertEquals(0.0, limiter.tokens(), 1e-9);
        advance(Duration.ofSeconds(1));
        assertTrue(limiter.allow(), "without the cancel this would need 2 s");

        // Tokens that a later reservation counted on are not given back.
        RateLimiter other = limiter(1, 1);
        assertTrue(other.allow());
        RateLimiter.Reservation a = other.reserve();   // acts at +1 s
        RateLimiter.Reservation b = other.reserve();   // acts at +2 s, relies on a's slot passing
        assertEquals(Duration.ofSeconds(2), b.delay());
        a.cancel();
        assertEquals(-2.0, other.tokens(), 1e-9, "a's token stays taken: b was scheduled after it");
    }

    @Test
    void cancelAfterTheTimeToActGivesNothingBack() {
        RateLimiter limiter = limiter(1, 2);
        assertTrue(limiter.allow(2));
        RateLimiter.Reservation r = limiter.reserve(); // acts at +1 s
        advance(Duration.ofMillis(1500));
        r.cancel();
        assertEquals(0.5, limiter.tokens(), 1e-9, "the token was used at +1 s; a restore would show 1.5");
    }

    @Test
    void setRateAndSetBurstKeepAccruedTokens() {
        RateLimiter limiter = limiter(1, 1);
        assertTrue(limiter.allow());
        advance(Duration.ofMillis(500));
        limiter.setRate(10);
        assertEquals(10, limiter.rate());
        assertEquals(0.5, limiter.tokens(), 1e-9, "half a token accrued at the old rate");
        advance(Duration.ofMillis(50));
        assertTrue(limiter.allow());
        limiter.setBurst(5);
        assertEquals(5, limiter.burst());
        advance(Duration.ofSeconds(1));
        assertTrue(limiter.allow(5));
        assertThrows(IllegalArgumentException.class, () -> limiter.setRate(-1));
        assertThrows(IllegalArgumentException.class, () -> limiter.setBurst(-1));
    }

    @Test
    void awaitFailsAtOnceWithoutTakingTokensWhenTheWaitWouldPassTheDeadline() throws Exception {
        RateLimiter limiter = limiter(1, 1);
        assertTrue(limiter.allow()); // next token in 1 s of limiter time
        CancelContext ctx = Context.withTimeout(Context.background(), Duration.ofMillis(500));
        try {
            RateLimiter.WaitRefusedException e =
                    assertThrows(RateLimiter.WaitRefusedException.class, () -> limiter.await(ctx));
            assertTrue(e.getMessage().contains("would exceed context deadline"), e.getMessage());
            assertEquals(0.0, limiter.tokens(), 1e-9, "nothing taken");
        } finally {
            ctx.cancel();
        }
    }

    @Test
    void awaitFailsAtOnceWhenNExceedsTheBurstOrTheContextIsDone() {
        RateLimiter limiter = limiter(1, 2);
        RateLimiter.WaitRefusedException e = assertThrows(RateLimiter.WaitRefusedException.class,
                () -> limiter.await(Context.background(), 3));
        assertTrue(e.getMessage().contains("exceeds limiter's burst 2"), e.getMessage());
        CancelContext done = Context.withCancel(Context.background());
        done.cancel();
        assertSame(done.err(), assertThrows(ContextDoneException.class, () -> limiter.await(done)));
        assertEquals(2.0, limiter.tokens(), 1e-9, "nothing taken");
    }

    @Test
    void awaitWaitsForTheTokenAndReturns() throws Exception {
        RateLimiter limiter = limiter(20, 1); // one token per 50 ms
        assertTrue(limiter.allow());
        limiter.await(Context.background()); // real wait of the 50 ms computed on the fake clock
        assertEquals(-1.0, limiter.tokens(), 1e-9, "the awaited token was taken (fake time did not move)");
    }

    @Test
    void awaitCancelledWhileWaitingGivesTheTokenBack() throws Exception {
        RateLimiter limiter = limiter(1.0 / 3600, 1); // one token per hour
        assertTrue(limiter.allow());
        CancelContext ctx = Context.withCancel(Context.background());
        Handle waiter = go(() -> limiter.await(ctx));
        awaitTrue("reserved", () -> limiter.tokens() < -0.5);
        ctx.cancel();
        assertSame(ctx.err(), waiter.failure());
        assertEquals(0.0, limiter.tokens(), 1e-9, "the reservation was cancelled");
    }

    @Test
    void realClockSmoke() throws Exception {
        RateLimiter limiter = new RateLimiter(1000, 1);
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            limiter.await(Context.background());
        }
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(3), "4 waits of 1 ms at least");
    }
}

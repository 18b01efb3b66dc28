package dev.weft.patterns;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Go's {@code golang.org/x/time/rate.Limiter}: a token bucket that refills at {@code rate} tokens
 * per second up to {@code burst} tokens, and starts full.
 *
 * <pre>{@code
 * RateLimiter limiter = new RateLimiter(100, 10);   // 100 events/s, bursts of up to 10
 * if (limiter.allow()) handle(request); else reject(request);
 * limiter.await(ctx);                              // or wait for a token, honouring ctx
 * }</pre>
 *
 * <p>Three ways to take tokens, as in Go: {@link #allow(int)} takes them only if available now;
 * {@link #reserve(int)} takes them now or in the future and says how long to wait ({@link
 * Reservation#delay()}), and {@link Reservation#cancel()} gives back what can still be given back;
 * {@link #await(Context, int)} reserves and waits, failing fast (taking nothing) if the wait would
 * pass the context's deadline.
 *
 * <p>Nothing runs in the background: the bucket is computed from the clock on every call, so an
 * idle limiter costs nothing. {@code rate} may be {@link #INF} (every request is allowed, burst is
 * ignored) or 0 (only the initial burst is ever available).
 *
 * <p><b>Tokens and time</b> convert one way only: {@code tokens = nanos * rate / 1e9} exactly (a
 * {@code double}), and the time {@code n} tokens take is that product solved for nanos, rounded
 * <em>up</em> to a whole nanosecond, so a wait computed from it never ends before its tokens
 * exist.
 *
 * <p><b>Clock readings.</b> Each call reads the clock before it takes the limiter's lock, so
 * concurrent calls can reach the bucket in a different order from their readings. A reading
 * earlier than the latest one the limiter has already seen counts as that latest one: time never
 * runs backwards for the bucket, so no interval is credited twice (Go's limiter moves its clock
 * back, and then credits the same interval again) and none is lost. Such a call's reservation is
 * timed from the latest reading; its {@link Reservation#delay()} is still measured from the
 * current clock, so it is never shorter than the tokens need.
 *
 * <p>All methods are thread-safe and, except {@link #await}, never block beyond a short internal
 * lock. <b>Memory visibility:</b> calls are linearised by that lock; actions before a call
 * happen-before any later call that observes its effect.
 */
public final class RateLimiter {

    /** An infinite rate: Go's {@code rate.Inf}. */
    public static final double INF = Double.POSITIVE_INFINITY;

    /** What {@link Reservation#delay()} returns for a reservation that is not ok: Go's InfDuration. */
    public static final Duration INF_DURATION = Duration.ofNanos(Long.MAX_VALUE);

    private static final long INF_NANOS = Long.MAX_VALUE;

    /**
     * {@link #await} could not be satisfied: the wait would pass the context's deadline, or more
     * tokens were asked for than the burst allows. Nothing was taken.
     */
    public static final class WaitRefusedException extends IllegalStateException {
        WaitRefusedException(String message) {
            super(message);
        }
    }

    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();

    // All guarded by lock. Times are clock nanos.
    /** Tokens per second; may be INF or 0. */
    private double rate;
    private int burst;
    /** Tokens in the bucket as of {@link #last}; negative while reservations are outstanding. */
    private double tokens;
    /** When {@link #tokens} was last brought up to date. */
    private long last;
    /** The latest time-to-act of any reservation (past or future): Go's lastEvent. */
    private long lastEvent;

    /**
     * Creates a limiter: Go's {@code rate.NewLimiter(rate, burst)}, except that the bucket starts
     * full explicitly.
     *
     * @param ratePerSecond tokens added per second; {@link #INF} or a non-negative number
     * @param burst the bucket size; non-negative
     * @throws IllegalArgumentException if either is negative or the rate is NaN
     */
    public RateLimiter(double ratePerSecond, int burst) {
        this(ratePerSecond, burst, System::nanoTime);
    }

    /**
     * Creates a limiter reading time from {@code clock} (nanoseconds, like {@link
     * System#nanoTime()}), for deterministic tests. {@link #await} still waits in real time, for the
     * delay computed from this clock.
     */
    RateLimiter(double ratePerSecond, int burst, LongSupplier clock) {
        checkRate(ratePerSecond);
        checkBurst(burst);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.rate = ratePerSecond;
        this.burst = burst;
        this.tokens = burst;
        this.last = clock.getAsLong();
        this.lastEvent = last;
    }

    /**
     * The rate that allows one event per {@code interval}: Go's {@code rate.Every}.
     *
     * @param interval the minimum time between events; zero or negative means {@link #INF}
     * @return events per second
     */
    public static double every(Duration interval) {
        if (interval.isZero() || interval.isNegative()) {
            return INF;
        }
        return 1e9 / Contexts.saturatedNanos(interval);
    }

    // ---------------------------------------------------------------- allow and reserve

    /**
     * {@code allow(1)}.
     *
     * @return true if a token was taken
     */
    public boolean allow() {
        return allow(1);
    }

    /**
     * Takes {@code n} tokens if they are available now: Go's {@code AllowN}. Never blocks.
     *
     * @param n the number of tokens
     * @return true if they were taken; false (taking nothing) otherwise
     */
    public boolean allow(int n) {
        return reserve(clock.getAsLong(), n, 0).ok;
    }

    /**
     * {@code reserve(1)}.
     *
     * @return the reservation
     */
    public Reservation reserve() {
        return reserve(1);
    }

    /**
     * Takes {@code n} tokens now or in the future: Go's {@code ReserveN}. The reservation says how
     * long to wait before acting; call {@link Reservation#cancel()} if you will not act. It is not
     * ok (and takes nothing) if {@code n} exceeds the burst, or the tokens would never come (rate
     * 0). Never blocks.
     *
     * @param n the number of tokens
     * @return the reservation
     */
    public Reservation reserve(int n) {
        return reserve(clock.getAsLong(), n, INF_NANOS);
    }

    private Reservation reserve(long now, int n, long maxWaitNanos) {
        if (n < 0) {
            throw new IllegalArgumentException("negative n: " + n);
        }
        lock.lock();
        try {
            if (rate == INF) {
                return new Reservation(true, n, now, rate);
            }
            now = Math.max(now, last);
            double available = advance(now) - n;
            long wait = available < 0 ? nanosFor(rate, -available) : 0;
            boolean ok = n <= burst && wait != INF_NANOS && wait <= maxWaitNanos;
            if (!ok) {
                return new Reservation(false, 0, now, rate);
            }
            long timeToAct = now + wait;
            last = now;
            tokens = available;
            lastEvent = timeToAct;
            return new Reservation(true, n, timeToAct, rate);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Under the lock: the tokens as of {@code now}, capped at burst. Go's advance; time never goes
     * backwards here (a reading before {@link #last} counts as {@link #last}).
     */
    private double advance(long now) {
        long elapsed = Math.max(0, now - last);
        double t = tokens + tokensFor(rate, elapsed);
        return Math.min(t, burst);
    }

    /** The one duration-to-tokens conversion: exact, as a double; none at rate 0. */
    private static double tokensFor(double rate, long nanos) {
        return rate <= 0 ? 0 : nanos / 1e9 * rate;
    }

    /**
     * The one tokens-to-duration conversion, the inverse of {@link #tokensFor}: rounded up to a
     * whole nanosecond, so the tokens exist when it has passed; {@link #INF_NANOS} at rate 0 or
     * beyond the range of a long.
     */
    private static long nanosFor(double rate, double tokens) {
        if (rate <= 0) {
            return INF_NANOS;
        }
        double nanos = Math.ceil(tokens / rate * 1e9);
        return nanos >= INF_NANOS ? INF_NANOS : (long) nanos;
    }

    // ---------------------------------------------------------------- await

    /**
     * {@code await(ctx, 1)}.
     *
     * @param ctx the context
     * @throws InterruptedException if interrupted while waiting (the reservation is cancelled)
     */
    public void await(Context ctx) throws InterruptedException {
        await(ctx, 1);
    }

    /**
     * Waits until {@code n} tokens can be taken, and takes them: Go's {@code WaitN}. Fails at once,
     * taking nothing, if {@code n} exceeds the burst (unless the rate is infinite), if {@code ctx}
     * is already done, or if the wait would end after {@code ctx}'s deadline. If {@code ctx} is
     * done or the thread is interrupted while waiting, the reservation is cancelled (its tokens go
     * back as far as Go gives them back) and the method throws.
     *
     * @param ctx the context
     * @param n the number of tokens
     * @throws WaitRefusedException if {@code n} exceeds the burst or the wait would pass the deadline
     * @throws ContextDoneException {@code ctx.err()}, if it is done on entry or while waiting
     * @throws InterruptedException if interrupted before or while waiting
     */
    public void await(Context ctx, int n) throws InterruptedException {
        Objects.requireNonNull(ctx, "ctx");
        int currentBurst;
        double currentRate;
        lock.lock();
        try {
            currentBurst = burst;
            currentRate = rate;
        } finally {
            lock.unlock();
        }
        if (n > currentBurst && currentRate != INF) {
            throw new WaitRefusedException("rate: Wait(n=" + n + ") exceeds limiter's burst " + currentBurst);
        }
        ctx.throwIfDone();
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long now = clock.getAsLong();
        long waitLimit = INF_NANOS;
        Optional<Instant> deadline = ctx.deadline();
        if (deadline.isPresent()) {
            waitLimit = Contexts.saturatedNanos(Duration.between(Instant.now(), deadline.get()));
        }
        Reservation r = reserve(now, n, waitLimit);
        if (!r.ok) {
            throw new WaitRefusedException("rate: Wait(n=" + n + ") would exceed context deadline");
        }
        long delay = r.delayFrom(now);
        if (delay == 0) {
            return;
        }
        Thread self = Thread.currentThread();
        Registration registration = Contexts.onDone(ctx, () -> LockSupport.unpark(self));
        try {
            long end = System.nanoTime() + delay;
            while (true) {
                if (ctx.isDone()) {
                    r.cancel();
                    throw ctx.err();
                }
                if (Thread.interrupted()) {
                    r.cancel();
                    throw new InterruptedException();
                }
                long remaining = end - System.nanoTime();
                if (remaining <= 0) {
                    return;
                }
                LockSupport.parkNanos(this, remaining);
            }
        } finally {
            registration.remove();
        }
    }

    // ---------------------------------------------------------------- settings

    /**
     * Changes the rate, keeping the tokens accrued so far: Go's {@code SetLimit}. Outstanding
     * reservations keep their time to act.
     *
     * @param ratePerSecond the new rate; {@link #INF} or non-negative
     */
    public void setRate(double ratePerSecond) {
        checkRate(ratePerSecond);
        long now = clock.getAsLong();
        lock.lock();
        try {
            settle(now);
            rate = ratePerSecond;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Changes the burst, keeping the tokens accrued so far (capped at the new burst): Go's {@code
     * SetBurst}.
     *
     * @param burst the new burst; non-negative
     */
    public void setBurst(int burst) {
        checkBurst(burst);
        long now = clock.getAsLong();
        lock.lock();
        try {
            settle(now);
            this.burst = burst;
        } finally {
            lock.unlock();
        }
    }

    private void settle(long now) {
        if (rate != INF) {
            tokens = advance(now);
        }
        last = Math.max(now, last);
    }

    /**
     * The rate in tokens per second.
     *
     * @return the rate; possibly {@link #INF}
     */
    public double rate() {
        lock.lock();
        try {
            return rate;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The bucket size.
     *
     * @return the burst
     */
    public int burst() {
        lock.lock();
        try {
            return burst;
        } finally {
            lock.unlock();
        }
    }

    /**
     * How long the bucket takes to fill from empty to its burst at the current rate (no Go
     * counterpart): a token taken longer ago than this no longer counts against the bucket. Rounded
     * up as every wait is; {@link Duration#ZERO} at rate {@link #INF}, {@link #INF_DURATION} at rate
     * 0. Never blocks beyond the limiter's short internal lock.
     *
     * @return the time to refill the whole burst
     */
    public Duration fillTime() {
        lock.lock();
        try {
            return Duration.ofNanos(nanosFor(rate, burst));
        } finally {
            lock.unlock();
        }
    }

    /**
     * The tokens available now: Go's {@code Tokens}. Negative while reservations wait for tokens.
     *
     * @return the number of tokens, possibly fractional
     */
    public double tokens() {
        long now = clock.getAsLong();
        lock.lock();
        try {
            return rate == INF ? burst : advance(now);
        } finally {
            lock.unlock();
        }
    }

    private static void checkRate(double rate) {
        if (Double.isNaN(rate) || rate < 0) {
            throw new IllegalArgumentException("rate must be >= 0 or INF: " + rate);
        }
    }

    private static void checkBurst(int burst) {
        if (burst < 0) {
            throw new IllegalArgumentException("negative burst: " + burst);
        }
    }

    @Override
    public String toString() {
        return "RateLimiter[rate=" + rate() + "/s, burst=" + burst() + "]";
    }

    /**
     * Tokens taken by {@link #reserve(int)}, available at a time to act: Go's {@code Reservation}.
     * Thread-safe.
     */
    public final class Reservation {
        private final boolean ok;
        private final int reserved;
        private final long timeToAct;
        /** The rate when reserved: how the tokens behind this one are accounted on cancel. */
        private final double rateAtReserve;

        /** Set by the first cancel, which is the only one that gives anything back; guarded by the limiter's lock. */
        private boolean cancelled;

        private Reservation(boolean ok, int reserved, long timeToAct, double rateAtReserve) {
            this.ok = ok;
            this.reserved = reserved;
            this.timeToAct = timeToAct;
            this.rateAtReserve = rateAtReserve;
        }

        /**
         * Whether the tokens were reserved. If not, nothing was taken and the caller must not act.
         *
         * @return true if ok
         */
        public boolean ok() {
            return ok;
        }

        /**
         * How long from now to wait before acting: Go's {@code Delay}. Never blocks.
         *
         * @return zero if the caller may act now; {@link #INF_DURATION} if not ok
         */
        public Duration delay() {
            long nanos = delayFrom(clock.getAsLong());
            return nanos == INF_NANOS ? INF_DURATION : Duration.ofNanos(nanos);
        }

        long delayFrom(long now) {
            if (!ok) {
                return INF_NANOS;
            }
            return Math.max(0, timeToAct - now);
        }

        /**
         * Gives the tokens back, as far as possible, because the caller will not act: Go's {@code
         * Cancel}. Does nothing if not ok, already acted on (time to act passed), or the rate is
         * infinite. Tokens that reservations made after this one have already counted on are not
         * given back. Only the first call has an effect.
         * Never blocks beyond the limiter's lock.
         */
        public void cancel() {
            cancelAt(clock.getAsLong());
        }

        private void cancelAt(long now) {
            if (!ok) {
                return;
            }
            lock.lock();
            try {
                if (cancelled) {
                    return;
                }
                cancelled = true;
                if (rate == INF || reserved == 0 || timeToAct < now) {
                    return;
                }
                // Tokens reserved after this one (between our time to act and the latest) stay taken.
                double restore = reserved - tokensFor(rateAtReserve, lastEvent - timeToAct);
                if (restore <= 0) {
                    return;
                }
                double t = advance(now) + restore;
                tokens = Math.min(t, burst);
                last = Math.max(now, last);
                if (timeToAct == lastEvent) {
                    long previous = timeToAct - nanosFor(rateAtReserve, reserved);
                    if (previous >= now) {
                        lastEvent = previous;
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public String toString() {
            return ok ? "Reservation[" + reserved + " tokens, delay " + delay() + "]" : "Reservation[not ok]";
        }
    }
}

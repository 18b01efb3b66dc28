package dev.weft.patterns;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Go's {@code golang.org/x/sync/singleflight.Group}: duplicate suppression. Concurrent calls with
 * the same key share one execution of the function and its outcome.
 *
 * <pre>{@code
 * SingleFlight<String, User> users = new SingleFlight<>();
 * SingleFlight.Result<User> r = users.doCall(id, () -> repository.load(id));
 * User user = r.value();   // r.shared(): whether other callers got this same result
 * }</pre>
 *
 * <p>The first caller for a key runs the function in its own thread; callers that arrive while it
 * runs block until it finishes and get the same value, or an {@link ExecutionException} whose
 * cause is the same failure instance. Once it finishes, the key is forgotten, so the next call
 * runs the function again (singleflight deduplicates concurrent calls; it is not a cache).
 *
 * <p><b>Memory visibility:</b> everything the function did happens-before every sharing call
 * returns or throws.
 *
 * @param <K> the key type (with proper {@code equals}/{@code hashCode})
 * @param <V> the value type
 */
public final class SingleFlight<K, V> {

    /**
     * The outcome of {@link #doCall}: Go's {@code (v, err, shared)} minus the error, which is
     * thrown instead.
     *
     * @param value what the function returned (may be null)
     * @param shared whether the result was given to more than one caller
     * @param <V> the value type
     */
    public record Result<V>(V value, boolean shared) {}

    /** One execution in flight. Its fields are written before {@link #finished} counts down. */
    private static final class Call<V> {
        final CountDownLatch finished = new CountDownLatch(1);
        V value;
        Throwable failure;

        /** Callers beyond the first; guarded by the group's lock. */
        int duplicates;
    }

    private final ReentrantLock lock = new ReentrantLock();

    /** Calls in flight by key; guarded by {@link #lock}. A forgotten call is no longer here. */
    private final Map<K, Call<V>> calls = new HashMap<>();

    /** Creates an empty group. */
    public SingleFlight() {}

    /**
     * Runs {@code fn} for {@code key}, unless a call for {@code key} is already in flight, in which
     * case it waits for that one and shares its outcome: Go's {@code Do}.
     *
     * @param key the key
     * @param fn the function; runs in the calling thread when this call is the first
     * @return the value and whether it was shared
     * @throws ExecutionException if the shared execution failed; its cause is the failure (the same
     *     instance for every caller that shared it)
     * @throws InterruptedException if interrupted while waiting for another caller's execution (the
     *     execution itself goes on)
     */
    public Result<V> doCall(K key, Callable<? extends V> fn) throws ExecutionException, InterruptedException {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fn, "fn");
        Call<V> call;
        boolean owner;
        lock.lock();
        try {
            call = calls.get(key);
            owner = call == null;
            if (owner) {
                call = new Call<>();
                calls.put(key, call);
            } else {
                call.duplicates++;
            }
        } finally {
            lock.unlock();
        }
        if (owner) {
            return execute(key, call, fn);
        }
        call.finished.await();
        return outcome(call, true);
    }

    private Result<V> execute(K key, Call<V> call, Callable<? extends V> fn) throws ExecutionException {
        try {
            call.value = fn.call();
        } catch (Throwable t) {
            call.failure = t;
        }
        boolean shared;
        lock.lock();
        try {
            if (calls.get(key) == call) {
                calls.remove(key);
            }
            shared = call.duplicates > 0;
        } finally {
            lock.unlock();
        }
        call.finished.countDown();
        return outcome(call, shared);
    }

    private static <V> Result<V> outcome(Call<V> call, boolean shared) throws ExecutionException {
        if (call.failure != null) {
            throw new ExecutionException(call.failure);
        }
        return new Result<>(call.value, shared);
    }

    /**
     * Forgets {@code key}: the next {@link #doCall} for it runs the function again instead of
     * waiting for the execution in flight (which still completes for the callers already waiting
     * on it). Go's {@code Forget}. Never blocks beyond a short internal lock.
     *
     * @param key the key
     */
    public void forget(K key) {
        lock.lock();
        try {
            calls.remove(key);
        } finally {
            lock.unlock();
        }
    }
}

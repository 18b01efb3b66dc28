package dev.weft.worker;

import dev.weft.patterns.Channel;
import dev.weft.patterns.ChannelClosedException;
import dev.weft.patterns.Context;
import dev.weft.patterns.Received;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The memory store's queue of accepted jobs waiting for a worker: a buffered {@link Channel},
 * FIFO, lost when the process ends. Thread-safe.
 */
final class InMemoryJobQueue {

    private final Channel<Job> jobs;
    /** Makes close() idempotent: closing a channel twice throws, like Go. */
    private final AtomicBoolean closed = new AtomicBoolean();

    InMemoryJobQueue(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.jobs = Channel.buffered(capacity);
    }

    /** Adds a job if there is room; never blocks. False if full or closed. */
    boolean offer(Job job) {
        try {
            return jobs.trySend(job);
        } catch (ChannelClosedException e) {
            return false;
        }
    }

    /** The oldest job, waiting for one; empty once closed and drained. */
    Optional<Job> take(Context ctx) throws InterruptedException {
        Received<Job> r = jobs.receiveOrClosed(ctx);
        return r.closed() ? Optional.empty() : Optional.of(r.value());
    }

    /** No more offers; take hands out what is left, then reports the end. Idempotent. */
    void close() {
        if (closed.compareAndSet(false, true)) {
            jobs.close();
        }
    }

    /** Removes and returns every job still waiting. Never blocks. */
    List<Job> drain() {
        List<Job> left = new ArrayList<>();
        for (Received<Job> r = jobs.tryReceive(); r.ok(); r = jobs.tryReceive()) {
            left.add(r.value());
        }
        return left;
    }

    int size() {
        return jobs.len();
    }

    int capacity() {
        return jobs.cap();
    }
}

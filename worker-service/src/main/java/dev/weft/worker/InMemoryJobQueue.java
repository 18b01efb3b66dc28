package dev.weft.worker;

import dev.weft.patterns.Channel;
import dev.weft.patterns.ChannelClosedException;
import dev.weft.patterns.Context;
import dev.weft.patterns.Received;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/** The default {@link JobQueue}: a buffered {@link Channel}, FIFO, lost when the process ends. */
public final class InMemoryJobQueue implements JobQueue {

    private final Channel<Job> jobs;
    /** Makes close() idempotent: closing a channel twice throws, like Go. */
    private final AtomicBoolean closed = new AtomicBoolean();

    public InMemoryJobQueue(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        this.jobs = Channel.buffered(capacity);
    }

    @Override
    public boolean offer(Job job) {
        try {
            return jobs.trySend(job);
        } catch (ChannelClosedException e) {
            return false;
        }
    }

    @Override
    public Optional<Job> take(Context ctx) throws InterruptedException {
        Received<Job> r = jobs.receiveOrClosed(ctx);
        return r.closed() ? Optional.empty() : Optional.of(r.value());
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            jobs.close();
        }
    }

    @Override
    public List<Job> drain() {
        List<Job> left = new ArrayList<>();
        for (Received<Job> r = jobs.tryReceive(); r.ok(); r = jobs.tryReceive()) {
            left.add(r.value());
        }
        return left;
    }

    @Override
    public int size() {
        return jobs.len();
    }

    @Override
    public int capacity() {
        return jobs.cap();
    }
}

package dev.weft.worker;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory store's records, bounded ({@code worker.store-capacity}). To make room it evicts finished
 * records, the earliest finished first, and never an unfinished one: a store full of unfinished
 * jobs refuses new ones. Finished records also expire after the retention period ({@link
 * #expire}). Thread-safe; every method holds one lock briefly and never blocks otherwise.
 */
final class MemoryRecords {

    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    /** Every record held. Guarded by lock; size never above capacity. */
    private final Map<UUID, Job> jobs = new HashMap<>();
    /**
     * The finished subset of {@link #jobs}, in the order they were marked finished: the eviction
     * and expiry order. Guarded by lock; invariant: finished ⊆ jobs.keySet().
     */
    private final LinkedHashSet<UUID> finished = new LinkedHashSet<>();

    MemoryRecords(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("store capacity must be at least 1: " + capacity);
        }
        this.capacity = capacity;
    }

    /** Adds {@code job}, evicting the earliest finished record if full. False if full of unfinished jobs. */
    boolean add(Job job) {
        lock.lock();
        try {
            if (jobs.size() >= capacity) {
                var oldest = finished.iterator();
                if (!oldest.hasNext()) {
                    return false;
                }
                jobs.remove(oldest.next());
                oldest.remove();
            }
            jobs.put(job.id(), job);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Takes back a job that was added but then not accepted (the queue was full). */
    void remove(Job job) {
        lock.lock();
        try {
            jobs.remove(job.id(), job);
            finished.remove(job.id());
        } finally {
            lock.unlock();
        }
    }

    /** Records that {@code job} reached a terminal state, which makes it evictable. */
    void finished(Job job) {
        lock.lock();
        try {
            if (jobs.get(job.id()) == job) {
                finished.add(job.id());
            }
        } finally {
            lock.unlock();
        }
    }

    Optional<Job> get(UUID id) {
        lock.lock();
        try {
            return Optional.ofNullable(jobs.get(id));
        } finally {
            lock.unlock();
        }
    }

    /** Removes finished records that finished before {@code cutoff}; returns how many. */
    int expire(Instant cutoff) {
        lock.lock();
        try {
            int removed = 0;
            var it = finished.iterator();
            while (it.hasNext()) {
                UUID id = it.next();
                Instant at = jobs.get(id).finishedAt();
                // Finish order is (nearly) finish-time order, so the first young record ends the scan.
                if (!at.isBefore(cutoff)) {
                    break;
                }
                it.remove();
                jobs.remove(id);
                removed++;
            }
            return removed;
        } finally {
            lock.unlock();
        }
    }

    /** The records not yet in a terminal state (a snapshot). */
    List<Job> unfinished() {
        lock.lock();
        try {
            List<Job> out = new ArrayList<>();
            for (Job j : jobs.values()) {
                if (!finished.contains(j.id())) {
                    out.add(j);
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Records by state, every state present. */
    Map<JobState, Long> countByState() {
        Map<JobState, Long> by = MemoryJobStore.zeroes();
        lock.lock();
        try {
            for (Job j : jobs.values()) {
                by.merge(j.state(), 1L, Long::sum);
            }
        } finally {
            lock.unlock();
        }
        return by;
    }

    int size() {
        lock.lock();
        try {
            return jobs.size();
        } finally {
            lock.unlock();
        }
    }
}

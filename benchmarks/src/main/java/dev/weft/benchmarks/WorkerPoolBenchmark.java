package dev.weft.benchmarks;

import dev.weft.patterns.Channel;
import dev.weft.patterns.Context;
import dev.weft.patterns.WorkerPool;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * An 8-worker {@link WorkerPool} processing 1,000,000 trivial jobs, per job: a producer feeds the
 * job channel, the workers square each job, and the caller drains the results channel until it
 * closes. Side by side: the same pool built from the JDK's {@link ArrayBlockingQueue}s (job queue
 * 1024, results queue of the same capacity as Weft's) and 8 virtual threads, ended by poison
 * pills. Each at the default results capacity (8 = workers) and at 64.
 * Go's twin: {@code BenchmarkWorkerPool8} in {@code benchmarks/go}. Every thread of both pools,
 * the consumer too, is virtual, as every goroutine of Go's is: a consumer on a platform thread
 * would pay an OS-level park and unpark each time the results run dry.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class WorkerPoolBenchmark {

    static final int JOBS = 1_000_000;
    static final int WORKERS = 8;
    /** Poison pills, compared by identity (no job or result is this very object). */
    private static final Integer STOP = Integer.MIN_VALUE;
    private static final Long DONE = Long.MIN_VALUE;

    @Benchmark
    @OperationsPerInvocation(JOBS)
    public long workerPool8() throws Exception {
        return weft(WORKERS);
    }

    @Benchmark
    @OperationsPerInvocation(JOBS)
    public long workerPool8Results64() throws Exception {
        return weft(64);
    }

    @Benchmark
    @OperationsPerInvocation(JOBS)
    public long jdkArrayBlockingQueuePool8() throws Exception {
        return jdk(WORKERS);
    }

    @Benchmark
    @OperationsPerInvocation(JOBS)
    public long jdkArrayBlockingQueuePool8Results64() throws Exception {
        return jdk(64);
    }

    private static long weft(int resultsCapacity) throws InterruptedException {
        long[] sum = new long[1];
        Vt.runAll(() -> {
            Channel<Integer> jobs = Channel.buffered(1024);
            Thread producer = Vt.start(() -> {
                for (int i = 0; i < JOBS; i++) {
                    jobs.send(i);
                }
                jobs.close();
            });
            WorkerPool<Integer, Long> pool =
                    WorkerPool.start(Context.background(), jobs, WORKERS, resultsCapacity, null, j -> (long) j * j);
            for (WorkerPool.Result<Integer, Long> r : pool.results()) {
                sum[0] += r.value();
            }
            producer.join();
        });
        return sum[0];
    }

    private static long jdk(int resultsCapacity) throws InterruptedException {
        long[] sum = new long[1];
        Vt.runAll(() -> {
            BlockingQueue<Integer> jobs = new ArrayBlockingQueue<>(1024);
            BlockingQueue<Long> results = new ArrayBlockingQueue<>(resultsCapacity);
            Thread producer = Vt.start(() -> {
                for (int i = 0; i < JOBS; i++) {
                    jobs.put(i);
                }
                for (int w = 0; w < WORKERS; w++) {
                    jobs.put(STOP);
                }
            });
            for (int w = 0; w < WORKERS; w++) {
                Vt.start(() -> {
                    for (Integer j = jobs.take(); j != STOP; j = jobs.take()) {
                        results.put((long) j * j);
                    }
                    results.put(DONE);
                });
            }
            for (int finished = 0; finished < WORKERS; ) {
                Long r = results.take();
                if (r == DONE) {
                    finished++;
                } else {
                    sum[0] += r;
                }
            }
            producer.join();
        });
        return sum[0];
    }
}

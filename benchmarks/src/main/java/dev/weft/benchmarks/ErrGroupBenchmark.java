package dev.weft.benchmarks;

import dev.weft.patterns.ErrGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * Fan-out of 10,000 trivial tasks and a wait for all of them, per task: {@link ErrGroup} with no
 * limit and with limit 64, against the JDK's {@code newVirtualThreadPerTaskExecutor} +
 * {@code invokeAll}. Go's twins: {@code BenchmarkErrGroupNoLimit} and {@code
 * BenchmarkErrGroupLimit64} in {@code benchmarks/go}. Target (issue #14): ErrGroup ≤ 1.1× the
 * executor, with and without a limit.
 *
 * <p>Each side's fan-out runs on a virtual thread, as Go's runs on the benchmark goroutine and as
 * a service's runs inside a request: a submitting platform thread would make every wait for a
 * slot an OS-level park and unpark, which neither Go nor a Weft service pays.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ErrGroupBenchmark {

    static final int TASKS = 10_000;

    private final LongAdder sink = new LongAdder();

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public long errGroupNoLimit() throws Exception {
        Vt.runAll(() -> fanOut(-1));
        return sink.sum();
    }

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public long errGroupLimit64() throws Exception {
        Vt.runAll(() -> fanOut(64));
        return sink.sum();
    }

    private void fanOut(int limit) throws Exception {
        ErrGroup group = new ErrGroup();
        group.setLimit(limit);
        for (int i = 0; i < TASKS; i++) {
            group.go(sink::increment);
        }
        group.await();
    }

    @Benchmark
    @OperationsPerInvocation(TASKS)
    public long jdkExecutorInvokeAll() throws Exception {
        Vt.runAll(() -> {
            List<Callable<Void>> tasks = new ArrayList<>(TASKS);
            for (int i = 0; i < TASKS; i++) {
                tasks.add(() -> {
                    sink.increment();
                    return null;
                });
            }
            try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
                for (Future<Void> f : executor.invokeAll(tasks)) {
                    f.get();
                }
            }
        });
        return sink.sum();
    }
}

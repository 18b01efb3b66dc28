package dev.weft.benchmarks;

import dev.weft.patterns.Channel;
import dev.weft.patterns.Select;
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
 * A select over two always-ready channels (each holds a value that the handler puts back), on one
 * virtual thread: the cost of choosing and completing a case. Go's twin: {@code BenchmarkSelect} in
 * {@code benchmarks/go}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class SelectBenchmark {

    static final int OPS = 100_000;

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void weft() throws InterruptedException {
        Vt.runAll(() -> {
            Channel<Integer> a = Channel.buffered(1);
            Channel<Integer> b = Channel.buffered(1);
            a.send(0);
            b.send(1);
            Select<Boolean> select = Select.<Boolean>select().onReceive(a, a::trySend).onReceive(b, b::trySend);
            for (int i = 0; i < OPS; i++) {
                select.run();
            }
        });
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void jox() throws InterruptedException {
        Vt.runAll(() -> {
            com.softwaremill.jox.Channel<Integer> a = com.softwaremill.jox.Channel.newBufferedChannel(1);
            com.softwaremill.jox.Channel<Integer> b = com.softwaremill.jox.Channel.newBufferedChannel(1);
            a.send(0);
            b.send(1);
            for (int i = 0; i < OPS; i++) {
                int v = com.softwaremill.jox.Select.select(a.receiveClause(), b.receiveClause());
                (v == 0 ? a : b).send(v);
            }
        });
    }
}

package dev.weft.benchmarks;

import dev.weft.patterns.Context;
import dev.weft.worker.ChecksumHandler;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The {@code checksum} job's work on 64 MiB (default 64 KiB chunks, so 1,024 chunks): {@link
 * ChecksumHandler#checksum} with 1-, 2- and 4-way fan-out (the handler's parallelism), against the
 * same chunked root computed by a plain loop on one thread (no pipeline). Called from the JMH
 * thread; the pipeline stages are virtual threads. Payload parsing (base64 of 64 MiB) is left out:
 * it is the same for every fan-out.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ChecksumBenchmark {

    static final int BYTES = 64 * 1024 * 1024;
    static final int CHUNK = 65_536;

    @Param({"1", "2", "4"})
    public int parallelism;

    private byte[] data;
    private byte[] expectedRoot;

    @Setup
    public void setUp() throws Exception {
        data = new byte[BYTES];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < BYTES; i += 8) {
            long v = random.nextLong();
            for (int b = 0; b < 8; b++) {
                data[i + b] = (byte) (v >>> (8 * b));
            }
        }
        expectedRoot = plainLoop();
        byte[] root = checksum();
        if (!Arrays.equals(root, expectedRoot)) {
            throw new IllegalStateException("pipeline and plain loop disagree");
        }
    }

    @Benchmark
    public byte[] checksum() throws InterruptedException {
        return ChecksumHandler.checksum(Context.background(), data, CHUNK, parallelism).root();
    }

    /** The same root, sequentially; independent of {@link #parallelism} (one figure suffices). */
    @Benchmark
    public byte[] plainLoop() throws Exception {
        MessageDigest root = MessageDigest.getInstance("SHA-256");
        MessageDigest chunk = MessageDigest.getInstance("SHA-256");
        for (int from = 0; from < data.length; from += CHUNK) {
            chunk.update(data, from, Math.min(CHUNK, data.length - from));
            root.update(chunk.digest());
        }
        return root.digest();
    }
}

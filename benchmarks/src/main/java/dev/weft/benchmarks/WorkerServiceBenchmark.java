package dev.weft.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.patterns.Context;
import dev.weft.worker.JobHandler;
import dev.weft.worker.WorkerService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Jobs per second for 100,000 trivial jobs: through the worker-service's {@link WorkerService}
 * (4 workers, the {@code worker.workers} default; queue and store capacity 100,000 so that nothing
 * is refused), submitted with {@link WorkerService#submit} and timed until every job is terminal;
 * against a plain {@code newVirtualThreadPerTaskExecutor} running the same handler call per task.
 * A fresh service per invocation (started before, stopped after, neither timed).
 *
 * <p>The service logs one INFO line per finished job; that is switched off here (JUL root at
 * WARNING), so the figure is the machinery's cost, not the console's.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class WorkerServiceBenchmark {

    static final int JOBS = 100_000;
    static final int WORKERS = 4;

    static {
        Logger.getLogger("").setLevel(Level.WARNING);
    }

    /** The trivial job: counts itself and returns no result. */
    static final class NoopHandler implements JobHandler {
        final LongAdder runs = new LongAdder();

        @Override
        public String type() {
            return "noop";
        }

        @Override
        public void validate(JsonNode payload) {
        }

        @Override
        public JsonNode run(Context ctx, JsonNode payload) {
            runs.increment();
            return null;
        }
    }

    private final NoopHandler handler = new NoopHandler();
    private final ObjectNode payload = JsonNodeFactory.instance.objectNode().put("n", 1);

    /** A fresh, started service per invocation; stopped (and checked) after it. */
    @State(Scope.Thread)
    public static class Service {
        final NoopHandler handler = new NoopHandler();
        WorkerService service;

        @Setup(org.openjdk.jmh.annotations.Level.Invocation)
        public void start() {
            service = WorkerService.builder()
                    .workers(WORKERS)
                    .queueCapacity(JOBS)
                    .storeCapacity(JOBS)
                    .handler(handler)
                    .build();
            service.start();
        }

        @TearDown(org.openjdk.jmh.annotations.Level.Invocation)
        public void stop() throws InterruptedException {
            service.stop(Context.background());
            WorkerService.Counts c = service.counts();
            if (c.succeeded() != JOBS) {
                throw new IllegalStateException("not every job succeeded: " + c);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(JOBS)
    public long workerService(Service s) {
        WorkerService service = s.service;
        for (int i = 0; i < JOBS; i++) {
            if (!(service.submit("noop", payload) instanceof WorkerService.Accepted)) {
                throw new IllegalStateException("job " + i + " refused: " + service.submit("noop", payload));
            }
        }
        while (true) {
            WorkerService.Counts c = service.counts();
            long terminal = c.succeeded() + c.failed() + c.cancelled() + c.abandoned();
            if (terminal == JOBS) {
                return c.succeeded();
            }
            LockSupport.parkNanos(100_000);
        }
    }

    @Benchmark
    @OperationsPerInvocation(JOBS)
    public long virtualThreadExecutor() {
        Context ctx = Context.background();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < JOBS; i++) {
                executor.submit(() -> handler.run(ctx, payload));
            }
        }
        return handler.runs.sum();
    }
}

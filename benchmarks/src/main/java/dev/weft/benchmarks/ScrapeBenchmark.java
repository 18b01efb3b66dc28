package dev.weft.benchmarks;

import dev.weft.metrics.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of rendering {@code /metrics}: the registry of {@link Metrics#create} (JVM, process and
 * virtual-thread meters, build info), scraped the way the admin server does it (into a 64 KiB
 * {@link ByteArrayOutputStream}), in Prometheus text 0.0.4 and in OpenMetrics 1.0.0. {@code
 * httpSeries=0} is the registry at rest; {@code httpSeries=20} adds 20 series of the public API's
 * request timer ({@code http_server_requests_seconds}, percentile histogram, as the request filter
 * registers them), roughly a server that has seen traffic on a handful of routes and statuses.
 * Sampled, so the result has percentiles. Target: median ≤ 5 ms.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ScrapeBenchmark {

    static final String TEXT_004 = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    @Param({"0", "20"})
    public int httpSeries;

    private Metrics metrics;
    private PrometheusMeterRegistry registry;

    @Setup
    public void setUp() throws InterruptedException {
        metrics = Metrics.create("weft", "bench");
        metrics.startJvmMeters();
        metrics.awaitJvmMeters();
        registry = metrics.registry();
        String[] uris = {"/api/v1/hello", "/api/v1/aggregate", "/api/v1/jobs", "/api/v1/jobs/{id}", "/api/v1/demo/upstream/{name}"};
        String[] statuses = {"200", "202", "400", "404"};
        for (int i = 0; i < httpSeries; i++) {
            String status = statuses[(i / uris.length) % statuses.length];
            Timer.builder("http.server.requests")
                    .tag("method", "GET")
                    .tag("uri", uris[i % uris.length])
                    .tag("status", status)
                    .tag("outcome", status.startsWith("2") ? "SUCCESS" : "CLIENT_ERROR")
                    .publishPercentileHistogram()
                    .register(registry)
                    .record(Duration.ofMillis(1 + i));
        }
        System.out.println("httpSeries=" + httpSeries + ", scrape sizes (bytes): text 0.0.4 " + registry.scrape(TEXT_004).length()
                + ", OpenMetrics " + registry.scrape(OPENMETRICS).length());
    }

    @TearDown
    public void tearDown() {
        metrics.close();
    }

    @Benchmark
    public int text004() throws IOException {
        return scrape(TEXT_004);
    }

    @Benchmark
    public int openMetrics() throws IOException {
        return scrape(OPENMETRICS);
    }

    private int scrape(String contentType) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
        registry.scrape(body, contentType);
        return body.size();
    }
}

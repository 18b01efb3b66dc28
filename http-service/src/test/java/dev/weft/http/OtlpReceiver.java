package dev.weft.http;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

/**
 * A real OTLP/HTTP trace receiver for tests: a JDK HttpServer on port 0 that accepts {@code POST
 * /v1/traces} in protobuf, decodes it with the official {@code opentelemetry-proto} classes and
 * keeps every span. {@link #await} blocks until the spans received satisfy a condition. Public, in
 * this module's test-jar, for the other modules' tracing tests.
 */
public final class OtlpReceiver implements AutoCloseable {

    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpServer server;
    private final List<Span> spans = new ArrayList<>();
    private final List<String> serviceNames = new ArrayList<>();

    public OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        server.setExecutor(executor);
        server.createContext("/v1/traces", ex -> {
            try (ex; InputStream in = ex.getRequestBody()) {
                if (!"POST".equals(ex.getRequestMethod())
                        || !"application/x-protobuf".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
                    ex.sendResponseHeaders(400, -1);
                    return;
                }
                received(ExportTraceServiceRequest.parseFrom(in));
                byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                ex.sendResponseHeaders(200, ok.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(ok);
                }
            }
        });
        server.start();
    }

    /** The endpoint to give the OTLP/HTTP exporter. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    /**
     * The real SDK exporting to this receiver, as the launcher's does (OTLP/HTTP protobuf, W3C
     * propagation), with {@code service.name} {@code serviceName} and a short batch delay: tests
     * wait for the spans they expect, and spans end after the answer is sent.
     */
    public OpenTelemetrySdk sdk(String serviceName) {
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), serviceName))))
                .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(endpoint()).build())
                        .setScheduleDelay(Duration.ofMillis(20)).build())
                .build();
        return OpenTelemetrySdk.builder().setTracerProvider(provider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    }

    private synchronized void received(ExportTraceServiceRequest request) {
        for (ResourceSpans rs : request.getResourceSpansList()) {
            rs.getResource().getAttributesList().stream()
                    .filter(a -> a.getKey().equals("service.name"))
                    .forEach(a -> serviceNames.add(a.getValue().getStringValue()));
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                spans.addAll(ss.getSpansList());
            }
        }
        notifyAll();
    }

    /** Every {@code service.name} resource attribute received. */
    public synchronized List<String> serviceNames() {
        return List.copyOf(serviceNames);
    }

    /**
     * Waits until the spans received so far satisfy {@code done}, and returns them; fails after
     * {@code timeout} with what did arrive.
     */
    public synchronized List<Span> await(Predicate<List<Span>> done, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!done.test(spans)) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("spans received: " + spans.stream().map(Span::getName).toList());
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return List.copyOf(spans);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

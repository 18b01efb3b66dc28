package dev.weft.metrics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.http.support.HeadRequests;
import dev.weft.patterns.Context;
import dev.weft.patterns.Service;
import com.sun.management.HotSpotDiagnosticMXBean;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;

/**
 * The admin server (port 8081 by default): {@code /metrics} for Prometheus,
 * {@code /health/live|ready|started} for Kubernetes, {@code /debug/threads} for people, and the
 * operator endpoints of {@link Operations}: {@code /info}, {@code /config}, {@code /loggers} and
 * {@code /drain}/{@code /undrain}, whose state-changing POSTs are off unless a key turns them on. A
 * separate listener from the public API, so that it can be kept off the public Service and
 * stopped last: the drain itself stays observable and scrapeable until the very end. A thread
 * dump shows the process's internals, which is one more reason this port must not be public.
 */
public final class AdminServer implements Service {

    /** Largest request body accepted, in bytes. */
    static final long MAX_BODY = 16 * 1024;

    private final String host;
    private final int configuredPort;
    private final Metrics metrics;
    private final Health health;
    private final Operations operations;
    private final ExpositionFormats formats = ExpositionFormats.init();
    /** Counted down once stop() has stopped the listener; awaitTermination() waits on it. */
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Written by start(), read by stop() and port(); start() happens-before both by contract. */
    private volatile WebServer server;

    /**
     * @param host     the address to bind ({@code admin.host})
     * @param port     the port ({@code admin.port}); 0 picks a free one, see {@link #port()}
     * @param metrics  the meters {@code /metrics} renders
     * @param health   the probes {@code /health/*} answers
     */
    public AdminServer(String host, int port, Metrics metrics, Health health) {
        this(host, port, metrics, health, Operations.none());
    }

    /**
     * @param operations what {@code /loggers} and {@code /config} show, and whether POSTs are on
     */
    public AdminServer(String host, int port, Metrics metrics, Health health, Operations operations) {
        this.host = host;
        this.configuredPort = port;
        this.metrics = metrics;
        this.health = health;
        this.operations = operations;
    }

    @Override
    public String name() {
        return "admin";
    }

    @Override
    public void start() {
        server = WebServer.builder()
                .host(host)
                .port(configuredPort)
                // The supervisor owns the shutdown order; Helidon's own hook would race it.
                .shutdownHook(false)
                // The only bodies are the operator POSTs' few bytes of JSON: refuse large ones (413).
                .maxPayloadSize(MAX_BODY)
                .routing(this::routing)
                .build()
                .start();
    }

    /** The port actually bound; valid after {@link #start()}. */
    public int port() {
        return server.port();
    }

    @Override
    public void awaitTermination() throws InterruptedException {
        stopped.await();
    }

    @Override
    public boolean stop(Context budget) {
        try {
            WebServer s = server;
            if (s != null) {
                s.stop();
            }
        } finally {
            stopped.countDown();
        }
        return true;
    }

    /**
     * Every GET route also answers HEAD, without a body ({@link HeadRequests}); every route
     * answers any other method with 405 and {@code Allow}, so a wrong method never looks like a
     * missing endpoint.
     */
    private void routing(HttpRouting.Builder routing) {
        LoggersEndpoint loggers = new LoggersEndpoint(operations.logLevels(), operations.writesEnabled());
        DrainEndpoint drain = new DrainEndpoint(health, operations.writesEnabled());
        HttpRules rules = HeadRequests.servedOn(routing)
                .get("/metrics", this::metrics)
                .get("/health/live", (req, res) -> probe(Probe.LIVE, res))
                .get("/health/ready", (req, res) -> probe(Probe.READY, res))
                .get("/health/started", (req, res) -> probe(Probe.STARTED, res))
                .get("/debug/threads", this::threads)
                .get("/info", new InfoEndpoint()::handle)
                .get("/config", new ConfigEndpoint(operations.config())::handle)
                .get("/loggers", loggers::list)
                .get("/loggers/{name}", loggers::show)
                .post("/loggers/{name}", loggers::set)
                .post("/drain", drain::drain)
                .post("/undrain", drain::undrain);
        for (String path : new String[] {"/metrics", "/health/live", "/health/ready", "/health/started",
                "/debug/threads", "/info", "/config", "/loggers"}) {
            Problems.allowOnly(rules, path, "GET, HEAD");
        }
        Problems.allowOnly(rules, "/loggers/{name}", "GET, HEAD, POST");
        Problems.allowOnly(rules, "/drain", "POST");
        Problems.allowOnly(rules, "/undrain", "POST");
    }

    /**
     * Renders the registry in the format the scraper asks for: OpenMetrics when its Accept header
     * names {@code application/openmetrics-text} (as Prometheus's own does), else the classic
     * text format 0.0.4.
     */
    private void metrics(ServerRequest req, ServerResponse res) throws IOException, InterruptedException {
        String accept = req.headers().first(HeaderNames.ACCEPT).orElse("");
        ExpositionFormatWriter writer = formats.findWriter(accept);
        ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
        metrics.scrape(body, writer.getContentType());
        res.header(HeaderNames.CONTENT_TYPE, writer.getContentType());
        res.send(body.toByteArray());
    }

    /**
     * A dump of every thread, virtual ones included (which {@code jstack} and
     * {@code ThreadMXBean} leave out): JSON when the Accept header prefers
     * {@code application/json}, else plain text. The JDK only dumps to a file that does not yet
     * exist, so each dump goes to a fresh private temporary directory, removed afterwards.
     */
    private void threads(ServerRequest req, ServerResponse res) {
        boolean json = req.headers().bestAccepted(MediaTypes.TEXT_PLAIN, MediaTypes.APPLICATION_JSON)
                .map(MediaTypes.APPLICATION_JSON::equals)
                .orElse(false);
        byte[] dump;
        try {
            dump = ThreadDump.take(json ? HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON
                    : HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
        } catch (IOException | RuntimeException e) {
            System.getLogger(AdminServer.class.getName()).log(System.Logger.Level.WARNING, "thread dump failed: " + e);
            Problems.send(res, Status.INTERNAL_SERVER_ERROR_500, "thread-dump-failed", "Thread dump failed",
                    "the JVM could not write a thread dump; see the server log");
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, json ? "application/json" : "text/plain; charset=UTF-8");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(dump);
    }

    private void probe(Probe probe, ServerResponse res) throws Exception {
        Health.Report report = health.evaluate(probe);
        ObjectNode body = Problems.JSON.createObjectNode();
        body.put("status", report.status().name());
        ArrayNode checks = body.putArray("checks");
        for (Health.CheckResult c : report.checks()) {
            ObjectNode node = checks.addObject();
            node.put("name", c.name());
            node.put("status", c.status().name());
            node.put("durationMillis", c.durationMillis());
            if (c.detail() != null) {
                node.put("detail", c.detail());
            }
        }
        Problems.json(res, report.isUp() ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503, body);
    }
}

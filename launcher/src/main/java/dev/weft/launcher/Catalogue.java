package dev.weft.launcher;

import dev.weft.http.Aggregation;
import dev.weft.http.ApiServer;
import dev.weft.http.Upstream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static dev.weft.launcher.Parsers.bool;
import static dev.weft.launcher.Parsers.bytes;
import static dev.weft.launcher.Parsers.duration;
import static dev.weft.launcher.Parsers.fraction;
import static dev.weft.launcher.Parsers.hosts;
import static dev.weft.launcher.Parsers.httpUrl;
import static dev.weft.launcher.Parsers.integer;
import static dev.weft.launcher.Parsers.oneOf;
import static dev.weft.launcher.Parsers.rate;
import static dev.weft.launcher.Parsers.text;

/**
 * Every configuration key, one entry each: key, default, {@code --help} line and parser. This is
 * the one place a key is declared; {@code application.yaml} and the README key table are checked
 * against it ({@code SettingsTest}), and {@link #KEYS} lists the entries in declaration order,
 * the order of {@code --help} and of the README.
 *
 * <p>To add a key: one {@code add(...)} line here, its default in {@code application.yaml}, its
 * row in the README; then read it with {@code settings.get(Catalogue.YOUR_KEY)} where it is wired.
 */
final class Catalogue {

    /** Filled by {@link #add} as the fields below initialise, in textual order; declared first for that reason. */
    private static final List<Setting<?>> ENTRIES = new ArrayList<>();

    private static final String SERVICES = "admin, worker or http";

    static final Setting<String> SERVER_HOST = add("server.host", "0.0.0.0",
            "address the public API listens on", text());
    static final Setting<Integer> SERVER_PORT = add("server.port", "8080",
            "port of the public API (0 picks a free port)", integer(0, 65535));
    static final Setting<String> ADMIN_HOST = add("admin.host", "0.0.0.0",
            "address the admin server (/metrics, /health/*) listens on", text());
    static final Setting<Integer> ADMIN_PORT = add("admin.port", "8081",
            "port of the admin server (0 picks a free port)", integer(0, 65535));
    static final Setting<Duration> HEALTH_TIMEOUT = add("admin.health.timeout", "1s",
            "how long each health check may take before it counts as DOWN", duration(false));
    static final Setting<Boolean> ADMIN_WRITE_ENDPOINTS = add("admin.write-endpoints.enabled", "false",
            "true turns on the admin POSTs (/loggers/{name}, /drain, /undrain); the admin port has no authentication", bool());
    static final Setting<Integer> WORKERS = add("worker.workers", "4",
            "number of background worker threads", integer(1, 10_000));
    static final Setting<Integer> QUEUE_CAPACITY = add("worker.queue-capacity", "1000",
            "bound of the background job queue; when full, POST /api/v1/jobs answers 429", integer(1, 10_000_000));
    static final Setting<Integer> STORE_CAPACITY = add("worker.store-capacity", "10000",
            "most job records kept; the earliest finished are dropped first", integer(1, 100_000_000));
    static final Setting<Double> WORKER_RATE = add("worker.rate", "0",
            "jobs started per second at most (decimals allowed); 0 turns the limit off", rate());
    static final Setting<Integer> WORKER_BURST = add("worker.burst", "10",
            "jobs that may start in a burst above the rate (when the rate is on)", integer(1, 1_000_000));
    static final Setting<Duration> JOB_TIMEOUT = add("worker.job-timeout", "30s",
            "deadline of each attempt of a job", duration(false));
    static final Setting<Integer> MAX_ATTEMPTS = add("worker.max-attempts", "3",
            "most attempts of a job whose handler marks its failure retryable", integer(1, 100));
    static final Setting<Duration> RETENTION = add("worker.retention", "1h",
            "how long finished job records are kept", duration(false));
    static final Setting<List<String>> FETCH_ALLOWED_HOSTS = add("worker.fetch.allowed-hosts", "127.0.0.1,localhost",
            "comma-separated hosts the fetch job may call (any port)", hosts());
    static final Setting<Integer> FETCH_MAX_URLS = add("worker.fetch.max-urls", "10",
            "most URLs in one fetch job", integer(1, 1000));
    static final Setting<Integer> FETCH_CONCURRENCY = add("worker.fetch.concurrency", "4",
            "most fetches in flight per fetch job", integer(1, 1000));
    static final Setting<Duration> SHUTDOWN_TIMEOUT = add("shutdown.timeout", "30s",
            "the whole graceful-shutdown budget", duration(false));
    static final Setting<Duration> DRAIN_DELAY = add("shutdown.drain-delay", "0s",
            "wait after readiness turns false, before the HTTP server stops accepting", duration(true));
    static final Setting<String> LOG_FORMAT = add("log.format", "text",
            "text (one readable line per event) or json (JSON lines, the container default)",
            oneOf(t -> t.toLowerCase(Locale.ROOT), "text or json", "text", "json"));
    static final Setting<String> LOG_LEVEL = add("log.level", "INFO",
            "root log level: ERROR, WARN, INFO, DEBUG or TRACE",
            oneOf(t -> t.toUpperCase(Locale.ROOT), "one of ERROR, WARN, INFO, DEBUG, TRACE", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"));
    static final Setting<String> APPLICATION = add("metrics.application", "weft",
            "the application tag on every metric", text());
    static final Setting<String> INSTANCE = add("metrics.instance", "",
            "the instance tag on every metric; empty means $HOSTNAME, else 'local'", Catalogue::instanceOrHost);
    static final Setting<String> FAIL_START = add("fault.fail-start", "",
            "test-only: name of a service (admin, worker, http) made to fail at start-up", Catalogue::serviceOrNone);
    static final Setting<String> FAIL_RUNNING = add("fault.fail-running", "",
            "test-only: name of a service (admin, worker, http) made to fail while running", Catalogue::serviceOrNone);
    static final Setting<Duration> FAIL_AFTER = add("fault.fail-after", "1s",
            "test-only: how long after its start fault.fail-running fails", duration(false));
    static final Setting<Boolean> FAULT_JOB_HANDLERS = add("fault.job-handlers", "false",
            "test-only: true adds job types fault-throw, fault-hang, fault-allocate and fault-record", bool());
    static final Setting<Long> MAX_PAYLOAD_SIZE = add("http.max-payload-size", "1048576",
            "largest request body in bytes; larger ones get 413", bytes());
    static final Setting<Integer> MAX_CONCURRENT_REQUESTS = add("http.max-concurrent-requests", "1000",
            "most requests the public API handles at once; more get 503 + Retry-After", integer(1, 1_000_000));
    static final Setting<Double> RATE_LIMIT_RPS = add("http.rate-limit.rps", "0",
            "global request rate limit per second (decimals allowed); 0 turns it off; over it: 429 + Retry-After", rate());
    static final Setting<Integer> RATE_LIMIT_BURST = add("http.rate-limit.burst", "50",
            "requests allowed in a burst above the rate (when the rate limit is on)", integer(1, 1_000_000));
    static final Setting<Duration> AGGREGATE_TIMEOUT = add("http.aggregate.timeout", "2s",
            "deadline of GET /api/v1/aggregate without an X-Request-Timeout header", duration(false));
    static final Setting<Duration> AGGREGATE_MAX_TIMEOUT = add("http.aggregate.max-timeout", "10s",
            "longest deadline X-Request-Timeout may ask for (longer is clamped)", duration(false));
    static final Setting<Integer> AGGREGATE_CONCURRENCY = add("http.aggregate.concurrency", "8",
            "most upstream calls in flight per aggregate request", integer(1, 10_000));
    static final Setting<List<Upstream>> AGGREGATE_UPSTREAMS = add("http.aggregate.upstreams", Aggregation.DEFAULT_UPSTREAMS,
            "name=url,name=url,... called by /api/v1/aggregate; {self} is this server's host:port", Upstream::parseList);

    static final Setting<Boolean> DEMO_ENABLED = add("http.demo.enabled", "true",
            "true mounts the demo upstream route /api/v1/demo/upstream/{name}; false in production", bool());
    static final Setting<Boolean> HTTP2_ENABLED = add("http.http2.enabled", "true",
            "true serves HTTP/2 cleartext (h2c, prior knowledge or upgrade) beside HTTP/1.1", bool());
    static final Setting<Boolean> COMPRESSION_ENABLED = add("http.compression.enabled", "false",
            "true gzips responses for clients whose Accept-Encoding allows it", bool());
    static final Setting<String> WORKER_STORE = add("worker.store", "memory",
            "where jobs are kept: memory (this process, lost with it) or postgres (shared by every replica)",
            oneOf(t -> t.toLowerCase(Locale.ROOT), "memory or postgres", "memory", "postgres"));
    static final Setting<String> POSTGRES_URL = add("worker.postgres.url", "",
            "with worker.store=postgres: JDBC URL, jdbc:postgresql://host:5432/db", text());
    static final Setting<String> POSTGRES_LISTEN_URL = add("worker.postgres.listen-url", "",
            "with worker.store=postgres behind a transaction-mode pooler: JDBC URL straight to PostgreSQL for the LISTEN connection; empty uses worker.postgres.url",
            text());
    static final Setting<String> POSTGRES_USER = add("worker.postgres.user", "",
            "with worker.store=postgres: the role; empty takes it from the URL", text());
    static final Setting<String> POSTGRES_PASSWORD = add("worker.postgres.password", "",
            "with worker.store=postgres: the role's password (prefer worker.postgres.password-file)", text());
    static final Setting<String> POSTGRES_PASSWORD_FILE = add("worker.postgres.password-file", "",
            "with worker.store=postgres: a file holding the password, e.g. a mounted Secret", text());
    static final Setting<Integer> POSTGRES_POOL_SIZE = add("worker.postgres.pool-size", "10",
            "with worker.store=postgres: most database connections per replica", integer(1, 1000));
    static final Setting<Duration> WORKER_LEASE = add("worker.lease", "30s",
            "with worker.store=postgres: how long a claimed job is held without a heartbeat before another replica may take it",
            atLeast(Duration.ofSeconds(1)));
    static final Setting<Boolean> TRACING_ENABLED = add("tracing.enabled", "false",
            "true exports OpenTelemetry spans over OTLP/HTTP; service.name is metrics.application", bool());
    static final Setting<java.net.URI> TRACING_ENDPOINT = add("tracing.otlp.endpoint", "http://localhost:4318/v1/traces",
            "with tracing.enabled: the OTLP/HTTP (protobuf) traces URL of a collector", httpUrl("http://localhost:4318/v1/traces"));
    static final Setting<Double> TRACING_SAMPLE_RATIO = add("tracing.sample-ratio", "1.0",
            "with tracing.enabled: the share of new traces kept, 0..1 (a client's sampled traceparent is followed)", fraction());

    /** Every entry above, in declaration order. */
    static final List<Setting<?>> KEYS = List.copyOf(ENTRIES);

    private Catalogue() {
    }

    private static <T> Setting<T> add(String key, String defaultValue, String description, Setting.Parser<T> parser) {
        Setting<T> s = new Setting<>(key, defaultValue, description, parser);
        ENTRIES.add(s);
        return s;
    }

    /**
     * The rules that tie two keys together, checked once every key has parsed.
     *
     * @throws ConfigException naming the key that breaks a rule
     */
    static void checkTogether(Settings s) throws ConfigException {
        Duration budget = s.get(SHUTDOWN_TIMEOUT);
        if (s.get(DRAIN_DELAY).compareTo(budget) >= 0) {
            throw new ConfigException(DRAIN_DELAY.key(), "must be shorter than " + SHUTDOWN_TIMEOUT.key() + " ("
                    + Durations.format(budget) + "), got " + Durations.format(s.get(DRAIN_DELAY)));
        }
        Duration timeout = s.get(AGGREGATE_TIMEOUT);
        if (s.get(AGGREGATE_MAX_TIMEOUT).compareTo(timeout) < 0) {
            throw new ConfigException(AGGREGATE_MAX_TIMEOUT.key(), "must be at least " + AGGREGATE_TIMEOUT.key() + " ("
                    + Durations.format(timeout) + "), got " + Durations.format(s.get(AGGREGATE_MAX_TIMEOUT)));
        }
        // With the demo route off, an upstream still pointing at it would fail every aggregate
        // with 502 at run time: refuse it at start instead.
        if (!s.get(DEMO_ENABLED)) {
            for (Upstream u : s.get(AGGREGATE_UPSTREAMS)) {
                if (u.url().startsWith("http://" + Upstream.SELF + ApiServer.DEMO_UPSTREAM_PATH)) {
                    throw new ConfigException(AGGREGATE_UPSTREAMS.key(), "upstream " + u.name()
                            + " calls the demo route, which " + DEMO_ENABLED.key() + "=false turns off; "
                            + "set real upstreams, or empty for none");
                }
            }
        }
    }

    private static Setting.Parser<Duration> atLeast(Duration min) {
        Setting.Parser<Duration> positive = duration(false);
        return text -> {
            Duration d = positive.parse(text);
            if (d.compareTo(min) < 0) {
                throw new IllegalArgumentException("expected at least " + Durations.format(min) + ", got " + Durations.format(d));
            }
            return d;
        };
    }

    private static String instanceOrHost(String text) {
        if (!text.isBlank()) {
            return text;
        }
        String host = System.getenv("HOSTNAME");
        return host == null || host.isBlank() ? "local" : host;
    }

    private static String serviceOrNone(String text) {
        if (!text.isEmpty() && !List.of("admin", "worker", "http").contains(text)) {
            throw new IllegalArgumentException("expected " + SERVICES + ", got '" + text + "'");
        }
        return text;
    }
}

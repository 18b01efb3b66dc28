package dev.weft.launcher;

import dev.weft.http.Aggregation;
import dev.weft.http.Upstream;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.MissingValueException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The launcher's configuration, read once at start-up and validated in full: every value is
 * typed and range-checked here, so that a bad one fails fast with one line naming its key
 * (exit code 2) instead of surfacing later as a confusing failure.
 *
 * <p>Sources, highest priority first: {@code --key=value} arguments, {@code -Dkey=value} system
 * properties, environment variables ({@code SERVER_PORT} for {@code server.port}), the file
 * given with {@code --config=FILE} (a mounted ConfigMap, say), then {@code application.yaml}
 * on the classpath, which holds the default of every key.
 */
record Settings(
        String serverHost,
        int serverPort,
        String adminHost,
        int adminPort,
        Duration healthTimeout,
        int workers,
        int queueCapacity,
        int storeCapacity,
        double workerRate,
        int workerBurst,
        Duration jobTimeout,
        int maxAttempts,
        Duration retention,
        List<String> fetchAllowedHosts,
        int fetchMaxUrls,
        int fetchConcurrency,
        Duration shutdownTimeout,
        Duration drainDelay,
        String logFormat,
        String logLevel,
        String application,
        String instance,
        Faults faults,
        long maxPayloadSize,
        int maxConcurrentRequests,
        double rateLimitRps,
        int rateLimitBurst,
        Aggregation aggregation,
        HttpSettings http) {

    /** Every key, in the order {@code --help} lists them. */
    static final List<Setting> KEYS = List.of(
            new Setting("server.host", "address the public API listens on"),
            new Setting("server.port", "port of the public API (0 picks a free port)"),
            new Setting("admin.host", "address the admin server (/metrics, /health/*) listens on"),
            new Setting("admin.port", "port of the admin server (0 picks a free port)"),
            new Setting("admin.health.timeout", "how long each health check may take before it counts as DOWN"),
            new Setting("worker.workers", "number of background worker threads"),
            new Setting("worker.queue-capacity", "bound of the background job queue; when full, POST /api/v1/jobs answers 429"),
            new Setting("worker.store-capacity", "most job records kept; the earliest finished are dropped first"),
            new Setting("worker.rate", "jobs started per second at most (decimals allowed); 0 turns the limit off"),
            new Setting("worker.burst", "jobs that may start in a burst above the rate (when the rate is on)"),
            new Setting("worker.job-timeout", "deadline of each attempt of a job"),
            new Setting("worker.max-attempts", "most attempts of a job whose handler marks its failure retryable"),
            new Setting("worker.retention", "how long finished job records are kept"),
            new Setting("worker.fetch.allowed-hosts", "comma-separated hosts the fetch job may call (any port)"),
            new Setting("worker.fetch.max-urls", "most URLs in one fetch job"),
            new Setting("worker.fetch.concurrency", "most fetches in flight per fetch job"),
            new Setting("shutdown.timeout", "the whole graceful-shutdown budget"),
            new Setting("shutdown.drain-delay", "wait after readiness turns false, before the HTTP server stops accepting"),
            new Setting("log.format", "text (one readable line per event) or json (JSON lines, the container default)"),
            new Setting("log.level", "root log level: ERROR, WARN, INFO, DEBUG or TRACE"),
            new Setting("metrics.application", "the application tag on every metric"),
            new Setting("metrics.instance", "the instance tag on every metric; empty means $HOSTNAME, else 'local'"),
            new Setting("fault.fail-start", "test-only: name of a service (admin, worker, http) made to fail at start-up"),
            new Setting("fault.fail-running", "test-only: name of a service (admin, worker, http) made to fail while running"),
            new Setting("fault.fail-after", "test-only: how long after its start fault.fail-running fails"),
            new Setting("fault.job-handlers", "test-only: true adds job types fault-throw, fault-hang and fault-allocate"),
            new Setting("http.max-payload-size", "largest request body in bytes; larger ones get 413"),
            new Setting("http.max-concurrent-requests", "most requests the public API handles at once; more get 503 + Retry-After"),
            new Setting("http.rate-limit.rps", "global request rate limit per second (decimals allowed); 0 turns it off; over it: 429 + Retry-After"),
            new Setting("http.rate-limit.burst", "requests allowed in a burst above the rate (when the rate limit is on)"),
            new Setting("http.aggregate.timeout", "deadline of GET /api/v1/aggregate without an X-Request-Timeout header"),
            new Setting("http.aggregate.max-timeout", "longest deadline X-Request-Timeout may ask for (longer is clamped)"),
            new Setting("http.aggregate.concurrency", "most upstream calls in flight per aggregate request"),
            new Setting("http.aggregate.upstreams", "name=url,name=url,... called by /api/v1/aggregate; {self} is this server's host:port"),
            new Setting("http.demo.enabled", "true mounts the demo upstream route /api/v1/demo/upstream/{name}; false in production"),
            new Setting("http.http2.enabled", "true serves HTTP/2 cleartext (h2c, prior knowledge or upgrade) beside HTTP/1.1"),
            new Setting("http.compression.enabled", "true gzips responses for clients whose Accept-Encoding allows it"));

    /** The classpath resource that holds every key's default. */
    static final String DEFAULTS = "application.yaml";

    private static final Set<String> LOG_LEVELS = Set.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE");

    /**
     * Loads and validates the settings.
     *
     * @param overrides {@code key=value} pairs from the command line
     * @param configFile an extra YAML file, or null
     * @throws ConfigException naming the first bad key
     */
    static Settings load(Map<String, String> overrides, Path configFile) throws ConfigException {
        return from(buildConfig(overrides, configFile, System.getenv()));
    }

    static Config buildConfig(Map<String, String> overrides, Path configFile, Map<String, String> env) throws ConfigException {
        Map<String, String> fromEnv = new HashMap<>();
        for (Setting s : KEYS) {
            String v = env.get(s.environmentVariable());
            if (v != null) {
                fromEnv.put(s.key(), v);
            }
        }
        var builder = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.create(overrides))
                .addSource(ConfigSources.systemProperties())
                .addSource(ConfigSources.create(fromEnv));
        if (configFile != null) {
            if (!Files.isReadable(configFile)) {
                throw new ConfigException("invalid configuration: --config: cannot read " + configFile);
            }
            builder.addSource(ConfigSources.file(configFile));
        }
        return builder
                .addSource(ConfigSources.classpath(DEFAULTS))
                .build();
    }

    /** The defaults alone, as shipped in {@code application.yaml}. */
    static Config defaults() {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .addSource(ConfigSources.classpath(DEFAULTS))
                .build();
    }

    static Settings from(Config c) throws ConfigException {
        String instance = string(c, "metrics.instance");
        if (instance.isBlank()) {
            String host = System.getenv("HOSTNAME");
            instance = host == null || host.isBlank() ? "local" : host;
        }
        String logFormat = string(c, "log.format").toLowerCase(Locale.ROOT);
        if (!logFormat.equals("text") && !logFormat.equals("json")) {
            throw new ConfigException("log.format", "expected text or json, got '" + logFormat + "'");
        }
        String logLevel = string(c, "log.level").toUpperCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(logLevel)) {
            throw new ConfigException("log.level", "expected one of ERROR, WARN, INFO, DEBUG, TRACE, got '" + logLevel + "'");
        }
        Faults faults = new Faults(serviceName(c, "fault.fail-start"), serviceName(c, "fault.fail-running"),
                duration(c, "fault.fail-after", false), bool(c, "fault.job-handlers"));
        Duration shutdownTimeout = duration(c, "shutdown.timeout", false);
        Duration drainDelay = duration(c, "shutdown.drain-delay", true);
        if (drainDelay.compareTo(shutdownTimeout) >= 0) {
            throw new ConfigException("shutdown.drain-delay", "must be shorter than shutdown.timeout ("
                    + Durations.format(shutdownTimeout) + "), got " + Durations.format(drainDelay));
        }
        Duration aggregateTimeout = duration(c, "http.aggregate.timeout", false);
        Duration aggregateMaxTimeout = duration(c, "http.aggregate.max-timeout", false);
        if (aggregateMaxTimeout.compareTo(aggregateTimeout) < 0) {
            throw new ConfigException("http.aggregate.max-timeout", "must be at least http.aggregate.timeout ("
                    + Durations.format(aggregateTimeout) + "), got " + Durations.format(aggregateMaxTimeout));
        }
        int aggregateConcurrency = integer(c, "http.aggregate.concurrency", 1, 10_000);
        java.util.List<Upstream> upstreams;
        try {
            upstreams = Upstream.parseList(string(c, "http.aggregate.upstreams"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("http.aggregate.upstreams", e.getMessage());
        }
        double rps = rate(c, "http.rate-limit.rps");
        double workerRate = rate(c, "worker.rate");
        List<String> allowedHosts = java.util.Arrays.stream(string(c, "worker.fetch.allowed-hosts").split(","))
                .map(String::trim).filter(h -> !h.isEmpty()).toList();
        for (String h : allowedHosts) {
            if (!h.matches("[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\]")) {
                throw new ConfigException("worker.fetch.allowed-hosts", "expected host names or IP literals, got '" + h + "'");
            }
        }
        long maxPayload;
        String rawPayload = string(c, "http.max-payload-size");
        try {
            maxPayload = Long.parseLong(rawPayload);
        } catch (NumberFormatException e) {
            throw new ConfigException("http.max-payload-size", "expected an integer number of bytes, got '" + rawPayload + "'");
        }
        if (maxPayload < 1) {
            throw new ConfigException("http.max-payload-size", "expected a positive number of bytes, got " + maxPayload);
        }
        return new Settings(
                string(c, "server.host"),
                integer(c, "server.port", 0, 65535),
                string(c, "admin.host"),
                integer(c, "admin.port", 0, 65535),
                duration(c, "admin.health.timeout", false),
                integer(c, "worker.workers", 1, 10_000),
                integer(c, "worker.queue-capacity", 1, 10_000_000),
                integer(c, "worker.store-capacity", 1, 100_000_000),
                workerRate,
                integer(c, "worker.burst", 1, 1_000_000),
                duration(c, "worker.job-timeout", false),
                integer(c, "worker.max-attempts", 1, 100),
                duration(c, "worker.retention", false),
                allowedHosts,
                integer(c, "worker.fetch.max-urls", 1, 1000),
                integer(c, "worker.fetch.concurrency", 1, 1000),
                shutdownTimeout,
                drainDelay,
                logFormat,
                logLevel,
                string(c, "metrics.application"),
                instance,
                faults,
                maxPayload,
                integer(c, "http.max-concurrent-requests", 1, 1_000_000),
                rps,
                integer(c, "http.rate-limit.burst", 1, 1_000_000),
                new Aggregation(aggregateTimeout, aggregateMaxTimeout, aggregateConcurrency, upstreams),
                HttpSettings.from(c, upstreams));
    }

    private static double rate(Config c, String key) throws ConfigException {
        String raw = string(c, key);
        double rate;
        try {
            rate = Double.parseDouble(raw);
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "expected a number, got '" + raw + "'");
        }
        if (!(rate >= 0) || Double.isInfinite(rate)) {
            throw new ConfigException(key, "expected a finite number >= 0, got '" + raw + "'");
        }
        return rate;
    }

    /**
     * Test-only fault injection, off by default: a service that fails at start-up or while
     * running, and job handlers that misbehave. Drills and end-to-end tests turn them on.
     *
     * @param failStart   the service to fail at start-up, or empty
     * @param failRunning the service to fail while running, or empty
     * @param failAfter   how long after its start {@code failRunning} fails
     * @param jobHandlers whether the misbehaving job types are registered
     */
    record Faults(String failStart, String failRunning, Duration failAfter, boolean jobHandlers) { }

    private static String serviceName(Config c, String key) throws ConfigException {
        String name = string(c, key);
        if (!name.isEmpty() && !Set.of("admin", "worker", "http").contains(name)) {
            throw new ConfigException(key, "expected admin, worker or http, got '" + name + "'");
        }
        return name;
    }

    static boolean bool(Config c, String key) throws ConfigException {
        String raw = string(c, key).toLowerCase(Locale.ROOT);
        return switch (raw) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(key, "expected true or false, got '" + raw + "'");
        };
    }

    private static String string(Config c, String key) throws ConfigException {
        try {
            return c.get(key).asString().get().trim();
        } catch (MissingValueException e) {
            throw new ConfigException(key, "missing");
        }
    }

    private static int integer(Config c, String key, int min, int max) throws ConfigException {
        String raw = string(c, key);
        int value;
        try {
            value = Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw new ConfigException(key, "expected an integer, got '" + raw + "'");
        }
        if (value < min || value > max) {
            throw new ConfigException(key, "expected " + min + ".." + max + ", got " + value);
        }
        return value;
    }

    private static Duration duration(Config c, String key, boolean zeroAllowed) throws ConfigException {
        String raw = string(c, key);
        Duration d;
        try {
            d = Durations.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw new ConfigException(key, "expected a " + (zeroAllowed ? "non-negative" : "positive") + " duration, got '" + raw + "'");
        }
        return d;
    }
}

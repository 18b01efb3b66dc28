package dev.weft.launcher;

import dev.weft.http.ApiServer;
import dev.weft.metrics.AdminServer;
import dev.weft.metrics.ConfigEntry;
import dev.weft.metrics.Health;
import dev.weft.metrics.HealthCheck;
import dev.weft.metrics.Metrics;
import dev.weft.metrics.Operations;
import dev.weft.metrics.Probe;
import dev.weft.patterns.Service;
import dev.weft.patterns.Signals;
import dev.weft.patterns.Supervisor;
import dev.weft.patterns.WeftThreads;
import dev.weft.worker.ChecksumHandler;
import dev.weft.worker.FetchHandler;
import dev.weft.worker.WorkerService;
import io.helidon.config.Config;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

import static dev.weft.launcher.Catalogue.*;

/**
 * Weft's entry point: reads the configuration, builds the three services, and runs them under
 * one {@link Supervisor} until SIGTERM or SIGINT, then shuts down in order within the budget.
 *
 * <p>Exit codes: 0 stopped by a signal and drained within budget; 1 a service failed; 2 bad
 * configuration or usage; 3 the shutdown budget ran out and work was abandoned (also a second
 * signal during shutdown, which exits at once).
 */
public final class Main {

    static final int EXIT_USAGE = 2;
    /** How long Weft's threads may take to end after the supervisor returns. */
    private static final Duration LEFTOVER_GRACE = Duration.ofSeconds(2);
    static final int EXIT_ABANDONED = 3;

    private Main() {
    }

    public static void main(String[] args) {
        Logging.start();
        int code = run(args, System.out, System.err);
        // Logging is not stopped: its one handler writes every line through (LastingLogManager).
        System.exit(code);
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> overrides = new LinkedHashMap<>();
        Path configFile = null;
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                Help.print(out);
                return 0;
            }
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 3) {
                err.println("weft: unknown argument '" + arg + "' (expected --key=value, --config=FILE or --help)");
                return EXIT_USAGE;
            }
            String key = arg.substring(2, eq);
            String value = arg.substring(eq + 1);
            if (key.equals("config")) {
                configFile = Path.of(value);
            } else if (Settings.isKey(key)) {
                overrides.put(key, value);
            } else {
                err.println("weft: unknown configuration key '" + key + "' (see --help)");
                return EXIT_USAGE;
            }
        }
        Settings settings;
        List<ConfigEntry> effective;
        try {
            // Built once: Settings reads it, and /config describes it.
            Config merged = Settings.buildConfig(overrides, configFile, System.getenv());
            settings = Settings.from(merged);
            effective = EffectiveConfig.describe(merged, overrides, configFile, System.getenv(), System.getProperties());
        } catch (ConfigException e) {
            err.println("weft: " + e.getMessage());
            return EXIT_USAGE;
        }
        Logging.configure(settings.get(LOG_FORMAT), settings.get(LOG_LEVEL));
        try {
            return serve(settings, effective);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_ABANDONED;
        }
    }

    private static int serve(Settings settings, List<ConfigEntry> effective) throws InterruptedException {
        System.Logger log = System.getLogger(Main.class.getName());
        try (Metrics metrics = Metrics.create(settings.get(APPLICATION), settings.get(INSTANCE),
                TracingSdk.exemplars(settings.get(TRACING_ENABLED)));
             Signals.Notification signals = Signals.notifyContext(dev.weft.patterns.Context.background(), "TERM", "INT");
             // Closed after the servers have stopped: it flushes the last spans.
             TracingSdk tracing = TracingSdk.start(settings.get(TRACING_ENABLED), settings.get(TRACING_ENDPOINT),
                     settings.get(TRACING_SAMPLE_RATIO), settings.get(APPLICATION))) {
            signals.onRepeat(signal -> {
                log.log(System.Logger.Level.WARNING, "second signal " + signal + " during shutdown: exiting at once");
                Runtime.getRuntime().halt(EXIT_ABANDONED);
            });

            Health health = new Health(settings.get(HEALTH_TIMEOUT));
            AdminServer admin = new AdminServer(settings.get(ADMIN_HOST), settings.get(ADMIN_PORT), metrics, health,
                    new Operations(new JulLevels(), effective, settings.get(ADMIN_WRITE_ENDPOINTS)));
            var workers = WorkerService.builder()
                    .workers(settings.get(WORKERS))
                    .queueCapacity(settings.get(QUEUE_CAPACITY))
                    .storeCapacity(settings.get(STORE_CAPACITY))
                    .rateLimit(settings.get(WORKER_RATE), settings.get(WORKER_BURST))
                    .jobTimeout(settings.get(JOB_TIMEOUT))
                    .maxAttempts(settings.get(MAX_ATTEMPTS))
                    .retention(settings.get(RETENTION))
                    .registry(metrics.registry())
                    .tracing(tracing.jobs())
                    .handler(new ChecksumHandler())
                    .handler(new FetchHandler(java.util.Set.copyOf(settings.get(FETCH_ALLOWED_HOSTS)),
                            settings.get(FETCH_MAX_URLS), settings.get(FETCH_CONCURRENCY)));
            if (settings.get(FAULT_JOB_HANDLERS)) {
                FaultJobHandlers.all().forEach(workers::handler);
            }
            settings.workerStore().jobStore(settings.get(QUEUE_CAPACITY), settings.get(MAX_ATTEMPTS), settings.get(INSTANCE),
                    metrics.registry()).ifPresent(workers::store);
            WorkerService worker = workers.build();
            // A store that cannot serve (the database is down) turns submissions and reads into 503s.
            health.add(Probe.READY, "worker-store", ctx -> worker.checkStore());
            // A full queue turns jobs away: take this instance out of rotation until it drains.
            health.add(Probe.READY, "worker-queue",
                    HealthCheck.notSaturated("worker queue", worker::queueDepth, settings.get(QUEUE_CAPACITY)));
            ApiServer api = ApiServer.builder()
                    .host(settings.get(SERVER_HOST))
                    .port(settings.get(SERVER_PORT))
                    .maxDrain(settings.get(SHUTDOWN_TIMEOUT))
                    .registry(metrics.registry())
                    .maxPayloadSize(settings.get(MAX_PAYLOAD_SIZE))
                    .maxConcurrentRequests(settings.get(MAX_CONCURRENT_REQUESTS))
                    .rateLimit(settings.get(RATE_LIMIT_RPS), settings.get(RATE_LIMIT_BURST))
                    .aggregation(settings.aggregation())
                    .demoRoutes(settings.get(DEMO_ENABLED))
                    .http2(settings.get(HTTP2_ENABLED))
                    .compression(settings.get(COMPRESSION_ENABLED))
                    .tracing(tracing.tracing())
                    .mount("/api/v1", worker.routes("/api/v1"))
                    .build();

            Supervisor supervisor = Supervisor.builder()
                    // Start order; shutdown runs in reverse, so the admin server stops last.
                    .service(faulty(admin, settings))
                    .service(faulty(worker, settings))
                    .service(faulty(api, settings))
                    .shutdownTimeout(settings.get(SHUTDOWN_TIMEOUT))
                    .drainDelay(settings.get(DRAIN_DELAY))
                    .onStarted(() -> {
                        health.markStarted();
                        // Slow set-up that ready does not need, begun once ready: on 2 vCPUs it
                        // would slow the start even on other threads (docs/BENCHMARKS.md, section
                        // 8). Platform threads: a virtual thread running class initialisers would
                        // pin its carrier, and make request threads that need the same classes
                        // pin theirs while they wait.
                        metrics.startJvmMeters();
                        Thread.ofPlatform().daemon().name("weft-tls-warmup").start(Main::warmUpTls);
                        log.log(System.Logger.Level.INFO, "listening: api   http://" + display(settings.get(SERVER_HOST)) + ":" + api.port() + "/api/v1/hello");
                        log.log(System.Logger.Level.INFO, "listening: admin http://" + display(settings.get(ADMIN_HOST)) + ":" + admin.port() + "/health/ready");
                    })
                    .onShutdown(() -> {
                        health.markShuttingDown();
                        log.log(System.Logger.Level.INFO, "readiness off: /health/ready answers 503");
                    })
                    .build();
            Supervisor.Outcome outcome = supervisor.run(signals.context());
            reportLeftoverThreads(log);
            log.log(System.Logger.Level.INFO, "exit " + outcome.exitCode() + " (" + outcome + ")");
            return outcome.exitCode();
        }
    }

    /**
     * Logs how many threads Weft started are still alive once the supervisor has returned: the
     * contract is none. A short, bounded wait lets threads that are in their last instructions
     * end first. End-to-end tests read this line.
     */
    private static void reportLeftoverThreads(System.Logger log) throws InterruptedException {
        long deadline = System.nanoTime() + LEFTOVER_GRACE.toNanos();
        List<Thread> alive = WeftThreads.liveThreads();
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            alive.getFirst().join(Duration.ofMillis(50));
            alive = WeftThreads.liveThreads();
        }
        if (alive.isEmpty()) {
            log.log(System.Logger.Level.INFO, "weft threads alive after shutdown: 0");
        } else {
            log.log(System.Logger.Level.WARNING, "weft threads alive after shutdown: " + alive.size() + " "
                    + alive.stream().map(Thread::getName).toList());
        }
    }

    /**
     * Loads the JDK's default TLS context, which every {@link java.net.http.HttpClient} built
     * later (the aggregate's and the fetch job's, both built on first use) asks for: hundreds of
     * classes that would otherwise load inside the first such request, under its deadline. Run
     * once ready, it is done ~200 ms later; a request that needs it sooner waits for it, but does
     * not load it on a virtual thread.
     */
    private static void warmUpTls() {
        try {
            javax.net.ssl.SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            System.getLogger(Main.class.getName()).log(System.Logger.Level.WARNING, "no default TLS context: " + e);
        }
    }

    /** The service itself, or wrapped so that it fails when a {@code fault.*} key names it. */
    private static Service faulty(Service service, Settings settings) {
        return FaultyService.wrap(service, settings.faults());
    }

    private static String display(String host) {
        return host.equals("0.0.0.0") ? "localhost" : host;
    }
}

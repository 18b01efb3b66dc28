package dev.weft.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Channel;
import dev.weft.patterns.Context;
import dev.weft.patterns.ContextDoneException;
import dev.weft.patterns.WeftThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.flywaydb.core.Flyway;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The {@link JobStore} shared by every replica ({@code worker.store=postgres}): one table,
 * {@code weft_jobs}, migrated by Flyway at {@link #open()}.
 *
 * <ul>
 *   <li><b>Claiming.</b> The oldest runnable rows ({@code run_at <= now()}, no lease) are taken
 *       with {@code FOR UPDATE SKIP LOCKED} in one short statement that also sets the lease
 *       ({@code locked_until = now() + worker.lease}, the database clock, never the pod's) and
 *       counts the attempt: one statement for every claimer that asked while the previous one ran
 *       ({@link Coalescer}), so as many jobs as there are idle workers. A submission wakes this
 *       replica's claimers directly and {@code NOTIFY}s the others, at most once per {@link
 *       #NOTIFY_EVERY} (a {@code NOTIFY} serialises commits on a global lock); an idle replica
 *       {@code LISTEN}s, and polls every {@link Options#poll()} for what a notification missed
 *       (a retry's {@code run_at}, a dropped listener connection).</li>
 *   <li><b>Durability.</b> Submissions commit synchronously in batches (one statement for the
 *       submissions that arrived while the previous batch ran): a 202 survives a server crash.
 *       Claims, heartbeats and job ends (also batched) commit asynchronously ({@link
 *       #ASYNC_COMMIT}): a server crash may lose the last few hundred milliseconds of them, which
 *       leaves a job RUNNING under a lease nobody renews, so the reaper runs it again:
 *       at-least-once, as any lease expiry already makes it.</li>
 *   <li><b>Leases.</b> A heartbeat thread renews every lease this replica holds each third of
 *       the lease. A lease it could not renew for 80% of its length is given up: the attempt is
 *       cancelled ({@link Claim#lease()}), since the reaper of another replica may soon hand the
 *       job to someone else. The reaper ({@link #reap()}, on the housekeeping ticker of every
 *       replica) returns jobs with an expired lease to the queue, or fails them once they had
 *       {@code worker.max-attempts} attempts: the attempt limit holds across replicas.</li>
 *   <li><b>Backoff</b> of a retryable failure is the row's {@code run_at}; the worker is free meanwhile.</li>
 *   <li><b>Shutdown:</b> {@link #release} hands a running job back, its attempt not counted.</li>
 *   <li><b>Bound:</b> {@code worker.queue-capacity} bounds the QUEUED rows of the whole cluster,
 *       checked in the insert. The insert counts them while the queue may be half full or more,
 *       and at least every {@link #RECOUNT_EVERY} (the count is the insert's dearest part); below
 *       that, the replica's own upper bound stands in. Exact on one replica (one insert batch at
 *       a time, and the upper bound never undercounts); with R replicas it can be overshot by
 *       the batches in flight on the others (at most (R - 1) x {@link #MOST_AT_ONCE} jobs) and
 *       by what the others admit beyond half the capacity within one {@link #RECOUNT_EVERY}.</li>
 *   <li><b>Failure:</b> every method that reaches the database throws {@link
 *       StoreUnavailableException} when it cannot, and counts it in {@code
 *       weft_job_store_errors_total}; claiming backs off and resumes by itself.</li>
 * </ul>
 */
public final class PostgresJobStore implements JobStore {

    private static final System.Logger LOG = System.getLogger(PostgresJobStore.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHANNEL = "weft_jobs";
    private static final int BATCH = 500;
    /** Most submissions, claims or job ends that one statement takes at once. */
    private static final int MOST_AT_ONCE = 64;
    /** Most batches one housekeeping round deletes or reaps: the rest waits for the next round. */
    private static final int MAX_BATCHES = 20;
    /** Waits between tries while the database is unreachable: 100 ms doubling to 5 s. */
    private static final Backoff RECONNECT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
    /**
     * Least time between two notifications: NOTIFY serialises committing transactions on a global
     * lock, so one per burst of submissions, not one per job. An idle replica hears of a burst's
     * first job at once, of later ones within this (its own submissions wake its workers directly).
     */
    private static final Duration NOTIFY_EVERY = Duration.ofMillis(10);
    /**
     * Run on each pooled connection: every statement of this store is planned once, for a table of
     * any size, and goes through one of its indexes. Without it, a prepared statement's plan is
     * fixed at about its tenth run on a connection, for the table as it is then: while the table
     * is new (or drained by retention) that plan is a sequential scan, and it stays while the
     * table grows by thousands of rows, until the next ANALYZE (autovacuum looks once a minute).
     * Claims and job ends then took ~1 ms instead of ~0.15, in about half the benchmark's rounds;
     * planning each run instead (plan_cache_mode = force_custom_plan) cost 0.2 ms a statement,
     * more than running it. Seq scans are only priced out ({@code enable_seqscan = off}), not
     * forbidden: the one whole-table read ({@link #countByState} of a small table) turns them back on for itself.
     */
    private static final String PLANNER =
            "SELECT set_config('enable_seqscan', 'off', false), set_config('plan_cache_mode', 'force_generic_plan', false)";
    /** How long a read of the QUEUED count serves the gauge and readiness. */
    private static final Duration WAITING_TTL = Duration.ofSeconds(1);

    /**
     * How to reach the database and run the queue.
     *
     * @param url           JDBC URL ({@code worker.postgres.url})
     * @param user          role ({@code worker.postgres.user})
     * @param password      its password ({@code worker.postgres.password} or {@code -file}); may be empty
     * @param poolSize      most pooled connections ({@code worker.postgres.pool-size}); one more is the listener's
     * @param lease         how long a claim holds a job without a heartbeat ({@code worker.lease})
     * @param queueCapacity most QUEUED jobs in the cluster ({@code worker.queue-capacity})
     * @param maxAttempts   most attempts of a job, on all replicas ({@code worker.max-attempts})
     * @param instance      this replica's name in {@code locked_by}
     * @param poll          how often an idle replica looks for work without a notification
     * @param listenUrl     JDBC URL of the connection that LISTENs, which needs a session of its own
     *                      (straight to PostgreSQL when {@code url} goes through a transaction-mode
     *                      pooler); empty or null for {@code url}
     */
    public record Options(String url, String user, String password, int poolSize, Duration lease, int queueCapacity,
                          int maxAttempts, String instance, Duration poll, String listenUrl) {
        public Options {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(user, "user");
            password = password == null ? "" : password;
            listenUrl = listenUrl == null || listenUrl.isEmpty() ? url : listenUrl;
            if (poolSize < 1 || queueCapacity < 1 || maxAttempts < 1 || !lease.isPositive() || !poll.isPositive()) {
                throw new IllegalArgumentException("need poolSize, queueCapacity, maxAttempts >= 1 and positive lease and poll");
            }
        }

        /** Options whose LISTEN connection goes to {@code url} too. */
        public Options(String url, String user, String password, int poolSize, Duration lease, int queueCapacity,
                       int maxAttempts, String instance, Duration poll) {
            this(url, user, password, poolSize, lease, queueCapacity, maxAttempts, instance, poll, url);
        }

        /** The URL with any {@code password=} parameter masked: fit for logs and error lines. */
        public String safeUrl() {
            return masked(url);
        }

        /** {@code url} with any {@code password=} parameter masked. */
        public static String masked(String url) {
            return url.replaceAll("(?i)(password=)[^&]*", "$1***");
        }

        @Override
        public String toString() {
            return "Options[url=" + safeUrl() + (listenUrl.equals(url) ? "" : ", listenUrl=" + masked(listenUrl))
                    + ", user=" + user + ", poolSize=" + poolSize + ", lease=" + lease + "]";
        }
    }

    /** A claim this replica holds, with what the heartbeat needs. */
    private static final class Held {
        final Claim claim;
        final String token;
        final Instant startedAt;
        final CancelContext lease;
        /** System.nanoTime() of the last renewal the database confirmed. */
        volatile long renewedAt;

        Held(Claim claim, String token, Instant startedAt, CancelContext lease) {
            this.claim = claim;
            this.token = token;
            this.startedAt = startedAt;
            this.lease = lease;
            this.renewedAt = System.nanoTime();
        }
    }

    private final Options options;
    private final Counter errors;
    private final Map<UUID, Held> held = new ConcurrentHashMap<>();
    /**
     * Wakes one claiming thread: a notification arrived, a claim succeeded (there may be more),
     * or claims closed; each woken claimer passes it on. Never closed itself.
     */
    private final Channel<Boolean> wake = Channel.buffered(1);
    /** Done when the store closes: ends the listener and heartbeat threads. */
    private final CancelContext running = Context.withCancel(Context.background());
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean available = new AtomicBoolean(true);
    /** Submissions, batched: one insert transaction at a time on this replica. */
    private final Coalescer<NewJob, Admission> inserts = new Coalescer<>(MOST_AT_ONCE, this::insertBatch);
    /** Claims, batched: one claim statement at a time on this replica, for every claimer that waits. */
    private final Coalescer<Boolean, Optional<Claim>> claims = new Coalescer<>(MOST_AT_ONCE, this::claimBatch);
    /** Job ends, batched. */
    private final Coalescer<Ending, Boolean> finishes = new Coalescer<>(MOST_AT_ONCE, this::finishBatch);
    /**
     * Asks the notifier thread to tell other replicas that jobs were queued; coalesced: what
     * arrives while it notifies, or within {@link #NOTIFY_EVERY} after, goes in one notification.
     */
    private final Channel<Boolean> notifyOthers = Channel.buffered(1);
    /**
     * The payload of this store's own notifications, unique to this store instance, so that its
     * listener can skip them: the submitter already woke this replica's claimers, and a second,
     * later wake-up would start an empty claim that the next submission's claim then queues
     * behind. Other payloads, the empty one of a hand-back included, always wake.
     */
    private final String self = UUID.randomUUID().toString();
    /**
     * At most this many rows were QUEUED after this replica's last insert, as far as this replica
     * knows: the last count, plus what it queued since (its inserts and {@link #handedBack}).
     * Other replicas' submissions since {@link #countedAt} are not in it. Starts at the capacity,
     * so the first insert counts. Guarded by {@link #inserts}: only insert batches, which run one
     * at a time, read and write it and {@link #countedAt}, and the coalescer's lock orders them.
     */
    private long queuedAtMost;
    /** {@link System#nanoTime()} of the last insert that counted the QUEUED rows; see {@link #queuedAtMost}. */
    private long countedAt;
    /** Jobs this replica handed back to the queue ({@link #release}) since the last insert: added to {@link #queuedAtMost}. */
    private final AtomicInteger handedBack = new AtomicInteger();
    private volatile boolean claimsClosed;
    private volatile HikariDataSource pool;
    private volatile int waiting;
    private volatile long waitingReadAt;

    public PostgresJobStore(Options options, MeterRegistry registry) {
        this.options = options;
        this.queuedAtMost = options.queueCapacity();
        this.errors = WorkerMetrics.storeErrors(registry);
    }

    /** Connects, migrates (safe when replicas start together), and starts listening and heartbeating. */
    @Override
    public void open() {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(options.url());
        // Empty means "as the URL says": pgjdbc also reads user and password from the URL.
        if (!options.user().isEmpty()) {
            hc.setUsername(options.user());
            hc.setPassword(options.password());
        }
        hc.setMaximumPoolSize(options.poolSize());
        hc.setMinimumIdle(Math.min(2, options.poolSize()));
        hc.setPoolName("weft-jobs");
        // Fail a request within seconds when the database is gone, instead of queueing on the pool.
        hc.setConnectionTimeout(3_000);
        hc.setValidationTimeout(1_000);
        hc.setInitializationFailTimeout(-1);
        hc.addDataSourceProperty("connectTimeout", "5");
        hc.addDataSourceProperty("socketTimeout", "30");
        hc.addDataSourceProperty("tcpKeepAlive", "true");
        hc.setConnectionInitSql(PLANNER);
        HikariDataSource created = new HikariDataSource(hc);
        try {
            Flyway.configure(PostgresJobStore.class.getClassLoader())
                    .dataSource(created)
                    .locations("classpath:dev/weft/worker/db/migration")
                    .table("weft_schema_history")
                    // A database that is slow to answer at start is tried three times (about 10 s) before start fails.
                    .connectRetries(2)
                    .connectRetriesInterval(1)
                    .load()
                    .migrate();
        } catch (RuntimeException e) {
            created.close();
            throw new IllegalStateException("cannot open the postgres job store at " + options.safeUrl() + ": "
                    + rootMessage(e), e);
        }
        // Published once migrated: a readiness probe or a scrape before then finds the store not
        // open yet, instead of a table that does not exist yet, counted and logged as an outage.
        pool = created;
        threads.add(WeftThreads.start("worker-store-listener", this::listen));
        threads.add(WeftThreads.start("worker-store-heartbeat", this::heartbeat));
        threads.add(WeftThreads.start("worker-store-notifier", this::notifier));
        LOG.log(Level.INFO, "postgres job store open: " + options);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    // ---- admission and reads ----

    /**
     * One statement, so one round trip and one durable commit, for a batch of submissions: only
     * as many rows as there is {@code room} for go in ({@code %s}: the room, as a query). A row
     * whose {@code Idempotency-Key} exists is skipped. Rows go in in array order, and a batch is
     * sorted by key, so two replicas inserting the same keys lock them in the same order and
     * cannot deadlock. Each row returned also carries the room the statement saw.
     */
    private static final String INSERT = """
            WITH room AS (%s)
            INSERT INTO weft_jobs (id, type, payload, state, idempotency_key, fingerprint, trace_context)
            SELECT v.id, v.type, v.payload::json, 'QUEUED', v.key, v.fingerprint, v.trace_context::json
            FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
                 WITH ORDINALITY AS v(id, type, payload, key, fingerprint, trace_context, n), room
            WHERE v.n <= room.n
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING id, submitted_at, (SELECT n FROM room)""";
    /**
     * The insert that counts the QUEUED rows, up to the bound (no more is needed): parameters
     * capacity, capacity. The count walks the queued index, dead entries included, which until
     * the next vacuum holds one for every job queued since: at 1,000 jobs a second, tens of
     * thousands. It cost 0.55 of the insert's 0.7 ms in the 4 / 4 benchmark, hence {@link
     * #INSERT_TRUSTED} whenever this replica may skip it.
     */
    private static final String INSERT_COUNTED = INSERT.formatted(
            "SELECT ? - count(*) AS n FROM (SELECT 1 FROM weft_jobs WHERE state = 'QUEUED' LIMIT ?) q");
    /** The insert without the count, when {@link #queuedAtMost} shows there is room: parameter the batch size. */
    private static final String INSERT_TRUSTED = INSERT.formatted("SELECT ?::bigint AS n");
    /** Longest time an insert trusts {@link #queuedAtMost} instead of counting. */
    private static final Duration RECOUNT_EVERY = Duration.ofMillis(100);

    /**
     * Stores the job in a batch with the submissions that arrived while the previous batch ran
     * ({@link Coalescer}), committed durably (a 202 means the job survives a server crash), then
     * wakes a worker here and, through {@link #notifyOthers}, the other replicas. One batch at a
     * time, so on one replica the bound is exact; across replicas, each other replica's batch in
     * flight (at most {@link #MOST_AT_ONCE} jobs) is not yet counted.
     */
    @Override
    public Admission add(NewJob n) {
        return inserts.call(n);
    }

    private List<Admission> insertBatch(List<NewJob> batch) {
        List<NewJob> byKey = new ArrayList<>(batch);
        byKey.sort(Comparator.comparing((NewJob n) -> n.idempotency() == null ? "" : n.idempotency().key()));
        Map<UUID, Admission> out = sql(c -> {
            Map<UUID, Instant> added = insert(c, byKey);
            Map<UUID, Admission> done = new HashMap<>();
            for (NewJob n : byKey) {
                Instant at = added.get(n.id());
                done.put(n.id(), at != null
                        ? new Added(new Job.Snapshot(n.id(), n.type(), JobState.QUEUED, 0, at, null, null, null, null))
                        : seen(c, n));
            }
            return done;
        });
        if (out.values().stream().anyMatch(Added.class::isInstance)) {
            wake.trySend(Boolean.TRUE);
            notifyOthers.trySend(Boolean.TRUE);
        }
        return batch.stream().map(n -> out.get(n.id())).toList();
    }

    /**
     * Inserts what there is room for; returns the submission time of each job stored. Counts the
     * QUEUED rows in the same statement unless this replica's own upper bound, {@link
     * #queuedAtMost}, shows that the batch fits in the first half of the capacity and was
     * counted within {@link #RECOUNT_EVERY}. On one replica the bound is exact either way (the
     * upper bound never undercounts). Across replicas, skipping the count can let the queue pass
     * the bound only when the others admit more than half the capacity within those 100 ms.
     */
    private Map<UUID, Instant> insert(Connection c, List<NewJob> jobs) throws SQLException {
        int capacity = options.queueCapacity();
        long now = System.nanoTime();
        queuedAtMost += handedBack.getAndSet(0);
        boolean count = queuedAtMost + jobs.size() > capacity / 2 || now - countedAt >= RECOUNT_EVERY.toNanos();
        Map<UUID, Instant> added = new HashMap<>();
        long room = -1;
        try (PreparedStatement ps = c.prepareStatement(count ? INSERT_COUNTED : INSERT_TRUSTED)) {
            int i = 1;
            if (count) {
                ps.setInt(i++, capacity);
                ps.setInt(i++, capacity);
            } else {
                ps.setInt(i++, jobs.size());
            }
            column(c, ps, i++, "uuid", jobs, NewJob::id);
            column(c, ps, i++, "text", jobs, NewJob::type);
            column(c, ps, i++, "text", jobs, j -> j.payload().toString());
            column(c, ps, i++, "text", jobs, j -> j.idempotency() == null ? null : j.idempotency().key());
            column(c, ps, i++, "text", jobs, j -> j.idempotency() == null ? null : j.idempotency().fingerprint());
            column(c, ps, i, "text", jobs, j -> j.traceContext() == null ? null : JSON.valueToTree(j.traceContext()).toString());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    added.put(rs.getObject(1, UUID.class), instant(rs, 2));
                    room = rs.getLong(3);
                }
            }
        }
        if (!count) {
            queuedAtMost += added.size();
        } else if (added.isEmpty()) {
            // Full, or every job a duplicate: either way, count again next time.
            queuedAtMost = capacity;
        } else {
            queuedAtMost = capacity - room + added.size();
            countedAt = now;
        }
        return added;
    }

    /**
     * Binds parameter {@code index} to one column of a batch, {@code value} of each row in order,
     * as an SQL array of {@code sqlType}: the shape the batched statements {@code unnest}.
     */
    private static <T> void column(Connection c, PreparedStatement ps, int index, String sqlType, List<T> rows,
                                   Function<T, Object> value) throws SQLException {
        Object[] values = new Object[rows.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = value.apply(rows.get(i));
        }
        ps.setArray(index, c.createArrayOf(sqlType, values));
    }

    /** A job not stored: the original if its key was seen (same body or not), else the queue is full. */
    private Admission seen(Connection c, NewJob n) throws SQLException {
        Idempotency idem = n.idempotency();
        if (idem != null) {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, fingerprint FROM weft_jobs WHERE idempotency_key = ?")) {
                ps.setString(1, idem.key());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        UUID original = rs.getObject(1, UUID.class);
                        if (!idem.fingerprint().equals(rs.getString(2))) {
                            return new KeyReused(original);
                        }
                        Optional<Job.Snapshot> job = read(c, original);
                        if (job.isPresent()) {
                            return new Duplicate(job.get());
                        }
                    }
                }
            }
        }
        return new Full("the job queue is full (" + options.queueCapacity() + " waiting across the cluster); retry later");
    }

    @Override
    public Optional<Job.Snapshot> get(UUID id) {
        return sql(c -> read(c, id));
    }

    private static Optional<Job.Snapshot> read(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT type, state, attempts, submitted_at, started_at, finished_at, result, error
                FROM weft_jobs WHERE id = ?""")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Job.Snapshot(id, rs.getString(1), JobState.valueOf(rs.getString(2)), rs.getInt(3),
                        instant(rs, 4), instant(rs, 5), instant(rs, 6), json(rs.getString(7)), rs.getString(8)));
            }
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static JsonNode json(String text) throws SQLException {
        if (text == null) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SQLException("stored JSON does not parse", e);
        }
    }

    /** A stored {@code trace_context} (a JSON object of header strings) as a map; null stays null. */
    private static Map<String, String> headers(String text) throws SQLException {
        JsonNode node = json(text);
        if (node == null) {
            return null;
        }
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        node.properties().forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
        return Map.copyOf(headers);
    }

    // ---- claiming ----

    /**
     * Commits the statement it is part of asynchronously ({@code synchronous_commit = off} for its
     * transaction only): no wait for the WAL flush. For claims, heartbeats and completions, whose
     * loss in a server crash (the last few hundred milliseconds of them) only lets a lease expire,
     * so that the job runs again: at-least-once. Submissions never use it.
     */
    private static final String ASYNC_COMMIT = "async AS (SELECT set_config('synchronous_commit', 'off', true))";

    /**
     * Takes up to {@code ?} runnable jobs, oldest first, under one lease token. The ids go through
     * an array so that even the generic plan of the prepared statement (which cannot know the
     * limit is small) looks each row up by its key instead of scanning the table.
     */
    private static final String CLAIM = """
            WITH %s
            UPDATE weft_jobs j SET state = 'RUNNING', attempts = j.attempts + 1, started_at = coalesce(j.started_at, now()),
                   locked_by = ?, locked_until = now() + make_interval(secs => ?)
            FROM async
            WHERE j.id = ANY (ARRAY(SELECT id FROM weft_jobs
                       WHERE state IN ('QUEUED', 'RUNNING') AND locked_until IS NULL AND run_at <= now()
                       ORDER BY run_at, submitted_at LIMIT ? FOR UPDATE SKIP LOCKED))
            RETURNING j.id, j.type, j.payload, j.submitted_at, j.started_at, j.attempts, j.trace_context""".formatted(ASYNC_COMMIT);

    @Override
    public Optional<Claim> claim(Context ctx) throws InterruptedException {
        int failures = 0;
        while (!claimsClosed) {
            Duration wait = options.poll();
            try {
                Optional<Claim> c = claims.call(Boolean.TRUE);
                if (c.isPresent()) {
                    // Pass the wake-up on: there may be more, and another claimer may be asleep.
                    wake.trySend(Boolean.TRUE);
                    return c;
                }
                failures = 0;
            } catch (StoreUnavailableException e) {
                failures++;
                wait = RECONNECT.base(failures);
                if (failures == 1) {
                    LOG.log(Level.WARNING, "claiming jobs failed; backing off and retrying: " + e.getMessage());
                }
            }
            CancelContext nap = Context.withTimeout(ctx, wait);
            try {
                wake.receive(nap);
            } catch (ContextDoneException timedOut) {
                ctx.throwIfDone();
            } finally {
                nap.cancel();
            }
        }
        // Wake the next claimer too, so that every one of them sees the close at once.
        wake.trySend(Boolean.TRUE);
        return Optional.empty();
    }

    /**
     * One statement claims a job for each claimer that asked while the previous claim ran
     * ({@link Coalescer}): as many as there are idle workers, in one round trip.
     */
    private List<Optional<Claim>> claimBatch(List<Boolean> claimers) {
        String token = options.instance() + "/" + UUID.randomUUID();
        List<Optional<Claim>> out = new ArrayList<>(claimers.size());
        sql(c -> {
            try (PreparedStatement ps = c.prepareStatement(CLAIM)) {
                ps.setString(1, token);
                ps.setDouble(2, seconds(options.lease()));
                ps.setInt(3, claimers.size());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        CancelContext lease = Context.withCancel(running);
                        Claim claim = new Claim(rs.getObject(1, UUID.class), rs.getString(2), json(rs.getString(3)),
                                instant(rs, 4), rs.getInt(6), lease, headers(rs.getString(7)));
                        held.put(claim.id(), new Held(claim, token, instant(rs, 5), lease));
                        out.add(Optional.of(claim));
                    }
                }
            }
            return null;
        });
        while (out.size() < claimers.size()) {
            out.add(Optional.empty());
        }
        return out;
    }

    @Override
    public Start start(Claim c) {
        Held h = held.get(c.id());
        return h == null ? null : new Start(c.attempt(), h.startedAt);
    }

    @Override
    public int beginAttempt(Claim c) {
        Held h = held.get(c.id());
        return sql(conn -> {
            try (PreparedStatement ps = conn.prepareStatement(
                    "UPDATE weft_jobs SET attempts = attempts + 1 WHERE id = ? AND locked_by = ? RETURNING attempts")) {
                ps.setObject(1, c.id());
                ps.setString(2, h == null ? "" : h.token);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : c.attempt() + 1;
                }
            }
        });
    }

    // ---- ending a claim ----

    /** A job's end, for {@link #finishBatch}. */
    private record Ending(Held held, JobState state, JsonNode result, String error) { }

    /** Ends the jobs of a batch whose claims still hold them; returns the ids it ended. */
    private static final String FINISH = """
            WITH %s
            UPDATE weft_jobs j SET state = v.state, result = v.result::json, error = v.error, finished_at = now(),
                   locked_by = NULL, locked_until = NULL
            FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[]) AS v(id, token, state, result, error), async
            WHERE j.id = v.id AND j.locked_by = v.token AND j.state = 'RUNNING'
            RETURNING j.id""".formatted(ASYNC_COMMIT);

    /**
     * Ends the job in a batch with the other workers' ends that arrived while the previous batch
     * ran ({@link Coalescer}), in one statement committed asynchronously (see {@link #ASYNC_COMMIT}).
     */
    @Override
    public boolean finish(Claim c, JobState state, JsonNode result, String error) {
        return endClaim(c, h -> finishes.call(new Ending(h, state, result, error)));
    }

    private List<Boolean> finishBatch(List<Ending> batch) {
        Set<UUID> ended = new HashSet<>();
        sql(c -> {
            try (PreparedStatement ps = c.prepareStatement(FINISH)) {
                column(c, ps, 1, "uuid", batch, e -> e.held().claim.id());
                column(c, ps, 2, "text", batch, e -> e.held().token);
                column(c, ps, 3, "text", batch, e -> e.state().name());
                column(c, ps, 4, "text", batch, e -> e.result() == null ? null : e.result().toString());
                column(c, ps, 5, "text", batch, e -> e.error() == null ? null : e.error().replace('\0', '\uFFFD'));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ended.add(rs.getObject(1, UUID.class));
                    }
                }
            }
            return null;
        });
        return batch.stream().map(e -> ended.contains(e.held().claim.id())).toList();
    }

    @Override
    public boolean retryLater(Claim c, Duration delay, String error) {
        endClaim(c, update("""
                UPDATE weft_jobs SET run_at = now() + make_interval(secs => ?), error = ?,
                       locked_by = NULL, locked_until = NULL
                WHERE id = ? AND locked_by = ? AND state = 'RUNNING'""", ps -> {
            ps.setDouble(1, seconds(delay));
            ps.setString(2, error.replace('\0', '\uFFFD'));
            return 3;
        }));
        return true;
    }

    @Override
    public boolean release(Claim c) {
        // The SET expressions all see the row as it was: attempts is the count before this update.
        endClaim(c, update("""
                WITH r AS (
                    UPDATE weft_jobs SET attempts = attempts - 1, run_at = now(), locked_by = NULL, locked_until = NULL,
                           state = CASE WHEN attempts <= 1 THEN 'QUEUED' ELSE 'RUNNING' END,
                           started_at = CASE WHEN attempts <= 1 THEN NULL ELSE started_at END
                    WHERE id = ? AND locked_by = ? AND state = 'RUNNING' RETURNING id)
                SELECT count(*), pg_notify('%s', '') FROM r""".formatted(CHANNEL), ps -> 1));
        // After the update: an insert that counts from here on sees it, and one that already did
        // adds it. Counted whether or not the job is QUEUED again (it is when this was its first attempt).
        handedBack.incrementAndGet();
        return true;
    }

    @FunctionalInterface
    private interface Binder {
        /** Binds the statement's leading parameters; returns the index of the {@code id} parameter. */
        int bind(PreparedStatement ps) throws SQLException;
    }

    /** One try at ending a claim; true if the claim still held the job. */
    @FunctionalInterface
    private interface Ender {
        boolean end(Held h);
    }

    /**
     * An update that ends one claim: its {@code id} and {@code locked_by} parameters come last;
     * it returns either an update count or one row whose first column is 1 if it ended the claim.
     */
    private Ender update(String update, Binder binder) {
        return h -> sql(conn -> {
            try (PreparedStatement ps = conn.prepareStatement(update)) {
                int i = binder.bind(ps);
                ps.setObject(i, h.claim.id());
                ps.setString(i + 1, h.token);
                if (ps.execute()) {
                    try (ResultSet rs = ps.getResultSet()) {
                        return rs.next() && rs.getLong(1) == 1;
                    }
                }
                return ps.getUpdateCount() == 1;
            }
        });
    }

    /**
     * Ends this replica's claim with {@code ender}, retrying while the database is unreachable
     * and the lease is still ours: once the lease is lost, the reaper's replica owns the job.
     */
    private boolean endClaim(Claim c, Ender ender) {
        Held h = held.get(c.id());
        if (h == null) {
            return false;
        }
        try {
            for (int failures = 1; ; failures++) {
                try {
                    return ender.end(h);
                } catch (StoreUnavailableException e) {
                    if (h.lease.await(RECONNECT.base(failures))) {
                        LOG.log(Level.WARNING, "job " + c.id() + ": could not record its end before its lease was lost ("
                                + e.getMessage() + "); the reaper will run it again");
                        return false;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            held.remove(c.id(), h);
            h.lease.cancel();
        }
    }

    @Override
    public void closeClaims() {
        claimsClosed = true;
        wake.trySend(Boolean.TRUE);
    }

    @Override
    public List<Claim> leftBehind() {
        return held.values().stream().map(h -> h.claim).toList();
    }

    // ---- counts and housekeeping ----

    @Override
    public int waiting() {
        long now = System.nanoTime();
        // During an outage the gauge and readiness keep the last count rather than wait on the pool.
        if (available.get() && now - waitingReadAt >= WAITING_TTL.toNanos()) {
            waitingReadAt = now;
            try {
                waiting = sql(c -> {
                    try (Statement s = c.createStatement();
                         ResultSet rs = s.executeQuery("SELECT count(*) FROM weft_jobs WHERE state = 'QUEUED'")) {
                        rs.next();
                        return (int) Math.min(Integer.MAX_VALUE, rs.getLong(1));
                    }
                });
            } catch (StoreUnavailableException e) {
                // Keep the last count: the worker-store check reports the outage.
            }
        }
        return waiting;
    }

    @Override
    public int capacity() {
        return options.queueCapacity();
    }

    /**
     * Below this many rows (PostgreSQL's own estimate of the table's size) {@link #countByState}
     * counts every state exactly; at or above, every state but SUCCEEDED. Finished records pile up
     * for {@code worker.retention} (an hour at a few thousand jobs a second is millions of rows),
     * and a whole-table count on every scrape then costs a sequential scan of them each time:
     * ~300 ms for 2 million rows here, and a scrape that waits for it.
     */
    static final long EXACT_STATE_COUNTS_BELOW = 100_000;

    /**
     * The table's size as the planner estimates it: the row density the last VACUUM or ANALYZE
     * saw, times the table's pages now. Negative until one of them has measured the table with
     * rows in it: the count is then exact.
     */
    static final String ESTIMATED_ROWS = """
            SELECT CASE WHEN c.reltuples < 0 OR c.relpages = 0 THEN -1
                        ELSE c.reltuples / c.relpages * (pg_relation_size(c.oid) / current_setting('block_size')::int) END
            FROM pg_class c WHERE c.oid = 'weft_jobs'::regclass""";

    /**
     * Every state but SUCCEEDED, exactly, each through a partial index that holds only its rows
     * (QUEUED; RUNNING with a lease and without; {@code weft_jobs_unsuccessful}, V3).
     */
    static final String UNSUCCEEDED_COUNTS = """
            SELECT 'QUEUED', count(*) FROM weft_jobs WHERE state = 'QUEUED'
            UNION ALL
            SELECT 'RUNNING', (SELECT count(*) FROM weft_jobs WHERE state = 'RUNNING' AND locked_until IS NOT NULL)
                            + (SELECT count(*) FROM weft_jobs WHERE state = 'RUNNING' AND locked_until IS NULL)
            UNION ALL
            SELECT state, count(*) FROM weft_jobs WHERE state IN ('FAILED', 'CANCELLED', 'ABANDONED') GROUP BY state""";

    /**
     * {@inheritDoc}
     *
     * <p>Exact while the table holds fewer than {@link #EXACT_STATE_COUNTS_BELOW} rows. At or above
     * that, every state but SUCCEEDED stays exact, read through partial indexes that hold only
     * those rows, and SUCCEEDED is the table's estimated size less them: no statement reads the
     * succeeded rows. The estimate follows the table's pages at once and its row density from the
     * last VACUUM or ANALYZE, which autovacuum runs after 2% of the rows changed ({@code V1__jobs.sql}).
     */
    @Override
    public Map<JobState, Long> countByState() {
        if (!available.get()) {
            throw new StoreUnavailableException("postgres job store unavailable", null);
        }
        return sql(c -> {
            Map<JobState, Long> by = MemoryJobStore.zeroes();
            c.setAutoCommit(false); // for SET LOCAL; the pool restores auto-commit on return
            try (Statement s = c.createStatement()) {
                double rows;
                try (ResultSet rs = s.executeQuery(ESTIMATED_ROWS)) {
                    rs.next();
                    rows = rs.getDouble(1);
                }
                if (rows < EXACT_STATE_COUNTS_BELOW) {
                    // Every row, so a sequential scan is the right plan, which PLANNER prices out:
                    // let it back in for this transaction only.
                    s.execute("SET LOCAL enable_seqscan = on");
                    readCounts(s, "SELECT state, count(*) FROM weft_jobs GROUP BY state", by);
                    return by;
                }
                long unsucceeded = readCounts(s, UNSUCCEEDED_COUNTS, by);
                by.put(JobState.SUCCEEDED, Math.max(0, Math.round(rows) - unsucceeded));
            } finally {
                c.rollback();
            }
            return by;
        });
    }

    /** Puts each (state, count) row of {@code query} into {@code by}; returns the counts' sum. */
    private static long readCounts(Statement s, String query, Map<JobState, Long> by) throws SQLException {
        long sum = 0;
        try (ResultSet rs = s.executeQuery(query)) {
            while (rs.next()) {
                by.put(JobState.valueOf(rs.getString(1)), rs.getLong(2));
                sum += rs.getLong(2);
            }
        }
        return sum;
    }

    @Override
    public int expire(Duration retention) {
        return batches("""
                DELETE FROM weft_jobs WHERE id IN (
                    SELECT id FROM weft_jobs WHERE finished_at < now() - make_interval(secs => ?)
                    ORDER BY finished_at LIMIT ? FOR UPDATE SKIP LOCKED)""", seconds(retention));
    }

    @Override
    public int reap() {
        int n = batches("""
                WITH expired AS (
                    SELECT id FROM weft_jobs WHERE state = 'RUNNING' AND locked_until < now() - make_interval(secs => ?)
                    ORDER BY locked_until LIMIT ? FOR UPDATE SKIP LOCKED)
                UPDATE weft_jobs j SET
                    state = CASE WHEN j.attempts >= %1$d THEN 'FAILED' ELSE 'RUNNING' END,
                    finished_at = CASE WHEN j.attempts >= %1$d THEN now() END,
                    error = CASE WHEN j.attempts >= %1$d
                        THEN 'lease expired during attempt ' || j.attempts || ' (its replica stopped heartbeating); no attempts left'
                        ELSE j.error END,
                    locked_by = NULL, locked_until = NULL, run_at = now()
                FROM expired WHERE j.id = expired.id""".formatted(options.maxAttempts()), 0);
        if (n > 0) {
            notifyWorkers();
        }
        return n;
    }

    /** Runs {@code sql} (parameters: a number of seconds, then the batch size) until a batch is short. */
    private int batches(String sql, double seconds) {
        int total = 0;
        for (int i = 0; i < MAX_BATCHES; i++) {
            int n = sql(c -> {
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setDouble(1, seconds);
                    ps.setInt(2, BATCH);
                    return ps.executeUpdate();
                }
            });
            total += n;
            if (n < BATCH) {
                break;
            }
        }
        return total;
    }

    /**
     * NOTIFY, committed asynchronously: a lost notification costs a poll interval, nothing more.
     * Its payload is {@link #self}.
     */
    private void notifyWorkers() {
        sql(c -> {
            try (PreparedStatement ps = c.prepareStatement("WITH %s SELECT pg_notify('%s', ?) FROM async".formatted(ASYNC_COMMIT, CHANNEL))) {
                ps.setString(1, self);
                ps.execute();
            }
            return null;
        });
    }

    /** Half the lease: a dead replica's job is back in the queue within 1.5 leases of its last heartbeat. */
    @Override
    public Optional<Duration> reapInterval() {
        return Optional.of(options.lease().dividedBy(2));
    }

    @Override
    public void check() {
        sql(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT 1");
            }
            return null;
        });
    }

    // ---- the listener and the heartbeat ----

    /** LISTENs on a connection of its own (outside the pool) and wakes the claiming thread. */
    private void listen() {
        int failures = 0;
        while (!running.isDone()) {
            Properties p = new Properties();
            if (!options.user().isEmpty()) {
                p.setProperty("user", options.user());
                p.setProperty("password", options.password());
            }
            p.setProperty("connectTimeout", "5");
            try (Connection c = DriverManager.getConnection(options.listenUrl(), p)) {
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                failures = 0;
                // Jobs may have been queued while no one listened.
                wake.trySend(Boolean.TRUE);
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!running.isDone()) {
                    PGNotification[] got = pg.getNotifications(250);
                    if (got != null && Arrays.stream(got).anyMatch(n -> !self.equals(n.getParameter()))) {
                        wake.trySend(Boolean.TRUE);
                    }
                }
            } catch (SQLException e) {
                failures++;
                if (failures == 1) {
                    LOG.log(Level.WARNING, "job notifications lost (" + e.getMessage() + "); polling until the listener reconnects");
                }
                try {
                    if (running.await(RECONNECT.base(failures))) {
                        return;
                    }
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Sends what {@link #notifyOthers} asks for, at most one NOTIFY per {@link #NOTIFY_EVERY}. */
    private void notifier() {
        try {
            while (true) {
                notifyOthers.receive(running);
                try {
                    notifyWorkers();
                } catch (StoreUnavailableException e) {
                    // Other replicas poll; the next submission notifies again.
                }
                if (running.await(NOTIFY_EVERY)) {
                    return;
                }
            }
        } catch (ContextDoneException | InterruptedException e) {
            // The store closed.
        }
    }

    /** Renews every lease held each third of the lease; gives up on leases it could not renew in time. */
    private void heartbeat() {
        Duration every = options.lease().dividedBy(3);
        long giveUpAfter = options.lease().toNanos() / 5 * 4;
        try {
            while (!running.await(every)) {
                List<Held> now = List.copyOf(held.values());
                if (now.isEmpty()) {
                    continue;
                }
                try {
                    renew(now);
                } catch (StoreUnavailableException e) {
                    LOG.log(Level.WARNING, "heartbeat failed for " + now.size() + " job lease(s): " + e.getMessage());
                }
                long t = System.nanoTime();
                for (Held h : now) {
                    if (t - h.renewedAt > giveUpAfter && !h.lease.isDone()) {
                        h.lease.cancel(new IllegalStateException("lease of job " + h.claim.id() + " could not be renewed"));
                    }
                }
            }
        } catch (InterruptedException e) {
            // Only close() ends this thread.
        }
    }

    private void renew(List<Held> leases) {
        // A claim's token is shared by the jobs claimed in the same statement.
        Map<UUID, Held> byId = new HashMap<>();
        Set<String> tokens = new HashSet<>();
        for (Held h : leases) {
            byId.put(h.claim.id(), h);
            tokens.add(h.token);
        }
        long before = System.nanoTime();
        sql(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    WITH %s
                    UPDATE weft_jobs SET locked_until = now() + make_interval(secs => ?)
                    FROM async WHERE locked_by = ANY (?) AND state = 'RUNNING' AND locked_until IS NOT NULL
                    RETURNING id, locked_by""".formatted(ASYNC_COMMIT))) {
                ps.setDouble(1, seconds(options.lease()));
                ps.setArray(2, c.createArrayOf("text", tokens.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        UUID id = rs.getObject(1, UUID.class);
                        Held h = byId.get(id);
                        if (h != null && h.token.equals(rs.getString(2))) {
                            byId.remove(id);
                            h.renewedAt = before;
                        }
                    }
                }
            }
            return null;
        });
        for (Held lost : byId.values()) {
            // Reaped (or ended) behind our back: someone else may run it now.
            if (held.get(lost.claim.id()) == lost) {
                lost.lease.cancel(new IllegalStateException("lease of job " + lost.claim.id() + " was taken back"));
            }
        }
    }

    /** Stops the heartbeat and the listener (last: the worker closes the store after its workers), then the pool. */
    @Override
    public void close() {
        running.cancel();
        for (Thread t : threads) {
            try {
                t.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        HikariDataSource p = pool;
        if (p != null) {
            p.close();
        }
    }

    // ---- plumbing ----

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs {@code work} on a pooled connection (autocommit); a failure becomes {@link StoreUnavailableException}. */
    private <T> T sql(Work<T> work) {
        HikariDataSource p = pool;
        if (p == null) {
            throw new IllegalStateException("the postgres job store is not open");
        }
        try (Connection c = p.getConnection()) {
            T result = work.run(c);
            if (available.compareAndSet(false, true)) {
                LOG.log(Level.INFO, "postgres job store reachable again");
            }
            return result;
        } catch (SQLException e) {
            errors.increment();
            if (available.compareAndSet(true, false)) {
                LOG.log(Level.WARNING, "postgres job store unavailable: " + e.getMessage());
            }
            throw new StoreUnavailableException("postgres job store: " + e.getMessage(), e);
        }
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}

package dev.weft.launcher;

import dev.weft.worker.JobStore;
import dev.weft.worker.PostgresJobStore;
import io.helidon.config.Config;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code worker.store} and {@code worker.postgres.*} keys: which job store the worker uses
 * and how it reaches PostgreSQL. Validated at start like every key (one line naming the key,
 * exit 2); the database itself is first reached when the worker starts, and an unreachable one
 * fails the start (exit 1).
 *
 * @param store    {@code memory} or {@code postgres}
 * @param url      JDBC URL, {@code jdbc:postgresql://...}; required with postgres
 * @param user     role; empty to take it from the URL
 * @param password its password, from {@code worker.postgres.password} or the file
 *                 {@code worker.postgres.password-file} (a mounted Secret); never logged
 * @param poolSize most pooled connections per replica
 * @param lease    how long a claimed job stays this replica's without a heartbeat
 */
record WorkerStoreSettings(String store, String url, String user, String password, int poolSize, Duration lease) {

    /** The keys, in the order {@code --help} lists them. */
    static final List<Setting> KEYS = List.of(
            new Setting("worker.store", "where jobs are kept: memory (this process, lost with it) or postgres (shared by every replica)"),
            new Setting("worker.postgres.url", "with worker.store=postgres: JDBC URL, jdbc:postgresql://host:5432/db"),
            new Setting("worker.postgres.user", "with worker.store=postgres: the role; empty takes it from the URL"),
            new Setting("worker.postgres.password", "with worker.store=postgres: the role's password (prefer worker.postgres.password-file)"),
            new Setting("worker.postgres.password-file", "with worker.store=postgres: a file holding the password, e.g. a mounted Secret"),
            new Setting("worker.postgres.pool-size", "with worker.store=postgres: most database connections per replica"),
            new Setting("worker.lease", "with worker.store=postgres: how long a claimed job is held without a heartbeat before another replica may take it"));

    @Override
    public String toString() {
        return "WorkerStoreSettings[store=" + store + ", url=" + url + ", user=" + user + ", poolSize=" + poolSize
                + ", lease=" + lease + "]";
    }

    static WorkerStoreSettings from(Config c) throws ConfigException {
        String store = Settings.string(c, "worker.store");
        if (!store.equals("memory") && !store.equals("postgres")) {
            throw new ConfigException("worker.store", "expected memory or postgres, got '" + store + "'");
        }
        String url = Settings.string(c, "worker.postgres.url");
        String password = Settings.string(c, "worker.postgres.password");
        String passwordFile = Settings.string(c, "worker.postgres.password-file");
        int poolSize = Settings.integer(c, "worker.postgres.pool-size", 1, 1000);
        Duration lease = Settings.duration(c, "worker.lease", false);
        if (lease.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new ConfigException("worker.lease", "expected at least 1s, got " + Durations.format(lease));
        }
        if (store.equals("postgres")) {
            if (!url.startsWith("jdbc:postgresql://")) {
                throw new ConfigException("worker.postgres.url", url.isEmpty()
                        ? "required with worker.store=postgres (jdbc:postgresql://host:5432/db)"
                        : "expected jdbc:postgresql://host:port/database, got '" + url + "'");
            }
            if (!passwordFile.isEmpty()) {
                if (!password.isEmpty()) {
                    throw new ConfigException("worker.postgres.password-file", "set either it or worker.postgres.password, not both");
                }
                password = readPassword(passwordFile);
            }
        }
        return new WorkerStoreSettings(store, url, Settings.string(c, "worker.postgres.user"), password, poolSize, lease);
    }

    private static String readPassword(String file) throws ConfigException {
        try {
            return Files.readString(Path.of(file), StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("worker.postgres.password-file", "cannot read " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    /** The postgres store these settings describe, or empty for the default memory store. */
    Optional<JobStore> jobStore(int queueCapacity, int maxAttempts, String instance, MeterRegistry registry) {
        if (!store.equals("postgres")) {
            return Optional.empty();
        }
        return Optional.of(new PostgresJobStore(new PostgresJobStore.Options(url, user, password, poolSize, lease,
                queueCapacity, maxAttempts, instance, Duration.ofMillis(500)), registry));
    }
}

package dev.weft.launcher;

import dev.weft.worker.JobStore;
import dev.weft.worker.PostgresJobStore;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code worker.store} and {@code worker.postgres.*} keys: which job store the worker uses
 * and how it reaches PostgreSQL. Validated at start like every key (one line naming the key,
 * exit 2); the database itself is first reached when the worker starts, and an unreachable one
 * fails the start (exit 1).
 *
 * @param store    {@code memory} or {@code postgres}
 * @param url      JDBC URL, {@code jdbc:postgresql://...}; required with postgres
 * @param listenUrl JDBC URL of the LISTEN connection; empty to use {@code url}
 * @param user     role; empty to take it from the URL
 * @param password its password, from {@code worker.postgres.password} or the file
 *                 {@code worker.postgres.password-file} (a mounted Secret); never logged
 * @param poolSize most pooled connections per replica
 * @param lease    how long a claimed job stays this replica's without a heartbeat
 */
record WorkerStoreSettings(String store, String url, String listenUrl, String user, String password, int poolSize,
                           Duration lease) {

    @Override
    public String toString() {
        return "WorkerStoreSettings[store=" + store + ", url=" + PostgresJobStore.Options.masked(url)
                + ", listenUrl=" + PostgresJobStore.Options.masked(listenUrl) + ", user=" + user + ", poolSize=" + poolSize
                + ", lease=" + lease + "]";
    }

    /**
     * The store keys checked together: a postgres store needs a JDBC URL, and takes its password
     * from the key or from the file, not both.
     *
     * @throws ConfigException naming the key that breaks a rule, or whose password file cannot be read
     */
    static WorkerStoreSettings from(Settings s) throws ConfigException {
        String store = s.get(Catalogue.WORKER_STORE);
        String url = s.get(Catalogue.POSTGRES_URL);
        String listenUrl = s.get(Catalogue.POSTGRES_LISTEN_URL);
        String password = s.get(Catalogue.POSTGRES_PASSWORD);
        String passwordFile = s.get(Catalogue.POSTGRES_PASSWORD_FILE);
        if (store.equals("postgres")) {
            if (!url.startsWith("jdbc:postgresql://")) {
                throw new ConfigException(Catalogue.POSTGRES_URL.key(), url.isEmpty()
                        ? "required with worker.store=postgres (jdbc:postgresql://host:5432/db)"
                        : "expected jdbc:postgresql://host:port/database, got '" + PostgresJobStore.Options.masked(url) + "'");
            }
            if (!listenUrl.isEmpty() && !listenUrl.startsWith("jdbc:postgresql://")) {
                throw new ConfigException(Catalogue.POSTGRES_LISTEN_URL.key(),
                        "expected jdbc:postgresql://host:port/database or empty, got '" + PostgresJobStore.Options.masked(listenUrl) + "'");
            }
            if (!passwordFile.isEmpty()) {
                if (!password.isEmpty()) {
                    throw new ConfigException(Catalogue.POSTGRES_PASSWORD_FILE.key(), "set either it or worker.postgres.password, not both");
                }
                password = readPassword(passwordFile);
            }
        }
        return new WorkerStoreSettings(store, url, listenUrl, s.get(Catalogue.POSTGRES_USER), password,
                s.get(Catalogue.POSTGRES_POOL_SIZE), s.get(Catalogue.WORKER_LEASE));
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
                queueCapacity, maxAttempts, instance, Duration.ofMillis(500), listenUrl), registry));
    }
}

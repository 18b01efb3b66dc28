package dev.weft.worker;

import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The real PostgreSQL server the postgres-store tests run against, never a mock. Found through
 * one environment variable, {@value #ENV} (a JDBC URL that carries the credentials), by default
 * {@value #DEFAULT_URL}. Each test class works in a schema of its own, named after it and this
 * test run ({@link #RUN}), so that two runs on one database at once do not collide; the run drops
 * its schemas when its JVM exits.
 *
 * <p>Without a reachable server the tests are skipped with one line saying how to start one,
 * except under {@code CI=true}, where they fail: CI must not pass by running nothing.
 */
final class TestPostgres {

    static final String ENV = "WEFT_TEST_POSTGRES_URL";
    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/weft_test?user=weft&password=weft";

    /** Tells this test run's schemas from another's on the same database. */
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final Set<String> CREATED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(TestPostgres::dropCreated, "test-postgres-cleanup"));
    }

    private TestPostgres() {
    }

    private static void dropCreated() {
        if (CREATED.isEmpty()) {
            return;
        }
        try (Connection c = DriverManager.getConnection(baseUrl()); Statement s = c.createStatement()) {
            for (String schema : CREATED) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        } catch (SQLException e) {
            System.err.println("could not drop the test schemas " + CREATED + ": " + e.getMessage());
        }
    }

    static String baseUrl() {
        String url = System.getenv(ENV);
        return url == null || url.isBlank() ? DEFAULT_URL : url;
    }

    /**
     * A fresh, empty schema {@code name_<run>} (lower case) and the JDBC URL that works in it.
     * Skips or (under CI) fails the calling test class when no server answers.
     */
    static String freshSchema(String name) {
        String schema = (name + "_" + RUN).toLowerCase(Locale.ROOT);
        CREATED.add(schema);
        try (Connection c = DriverManager.getConnection(baseUrl()); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            String line = "no PostgreSQL at " + ENV + "=" + baseUrl() + " (" + e.getMessage() + "); start one, e.g. "
                    + "'pg_ctlcluster --skip-systemctl-redirect 15 main start' and the role/database as .ci/run creates them";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(line, e);
            }
            Assumptions.abort(line);
        }
        return baseUrl() + (baseUrl().contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** Store options for tests: credentials in the URL, a short lease and poll so that tests are quick. */
    static PostgresJobStore.Options options(String url, String instance, Duration lease, int queueCapacity, int maxAttempts) {
        return new PostgresJobStore.Options(url, "", "", 4, lease, queueCapacity, maxAttempts, instance, Duration.ofMillis(200));
    }
}

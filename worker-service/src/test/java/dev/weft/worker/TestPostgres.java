package dev.weft.worker;

import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;

/**
 * The real PostgreSQL server the postgres-store tests run against, never a mock. Found through
 * one environment variable, {@value #ENV} (a JDBC URL that carries the credentials), by default
 * {@value #DEFAULT_URL}. Each test class works in a schema of its own, dropped and created anew.
 *
 * <p>Without a reachable server the tests are skipped with one line saying how to start one,
 * except under {@code CI=true}, where they fail: CI must not pass by running nothing.
 */
final class TestPostgres {

    static final String ENV = "WEFT_TEST_POSTGRES_URL";
    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/weft_test?user=weft&password=weft";

    private TestPostgres() {
    }

    static String baseUrl() {
        String url = System.getenv(ENV);
        return url == null || url.isBlank() ? DEFAULT_URL : url;
    }

    /**
     * A fresh, empty schema {@code name} (lower case) and the JDBC URL that works in it. Skips or
     * (under CI) fails the calling test class when no server answers.
     */
    static String freshSchema(String name) {
        String schema = name.toLowerCase(Locale.ROOT);
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

package dev.weft.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkerStoreSettingsTest {

    private static final String URL = "jdbc:postgresql://db:5432/weft";

    private static WorkerStoreSettings load(String... keyValues) throws ConfigException {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return Settings.from(Settings.buildConfig(m, null, Map.of())).workerStore();
    }

    private static void assertNamesKey(String key, String... keyValues) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(keyValues));
        assertTrue(e.getMessage().startsWith("invalid configuration: " + key + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void memoryIsTheDefaultAndNeedsNoDatabase() throws Exception {
        WorkerStoreSettings s = load();
        assertEquals("memory", s.store());
        assertEquals(Duration.ofSeconds(30), s.lease());
        assertTrue(s.jobStore(10, 3, "local", new io.micrometer.core.instrument.simple.SimpleMeterRegistry()).isEmpty());
    }

    @Test
    void postgresTakesItsPasswordFromAFileAndNeverShowsIt(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("password");
        Files.writeString(secret, "s3cret\n");
        WorkerStoreSettings s = load("worker.store", "postgres", "worker.postgres.url", URL,
                "worker.postgres.user", "weft", "worker.postgres.password-file", secret.toString(), "worker.lease", "5s");
        assertEquals("s3cret", s.password());
        assertEquals(Duration.ofSeconds(5), s.lease());
        assertFalse(s.toString().contains("s3cret"));
    }

    @Test
    void theListenUrlDefaultsToTheUrlAndNeitherShowsItsPassword() throws Exception {
        WorkerStoreSettings same = load("worker.store", "postgres", "worker.postgres.url", URL + "?password=s3cret");
        assertEquals("", same.listenUrl());
        WorkerStoreSettings apart = load("worker.store", "postgres", "worker.postgres.url", "jdbc:postgresql://pgbouncer:6432/weft?password=s3cret",
                "worker.postgres.listen-url", URL + "?password=t0p");
        assertEquals(URL + "?password=t0p", apart.listenUrl());
        assertFalse(apart.toString().contains("s3cret"), apart.toString());
        assertFalse(apart.toString().contains("t0p"), apart.toString());
    }

    @Test
    void badStoreValuesNameTheirKey(@TempDir Path dir) {
        assertNamesKey("worker.store", "worker.store", "mysql");
        assertNamesKey("worker.postgres.url", "worker.store", "postgres");
        assertNamesKey("worker.postgres.url", "worker.store", "postgres", "worker.postgres.url", "postgres://db/weft");
        assertNamesKey("worker.postgres.listen-url", "worker.store", "postgres", "worker.postgres.url", URL,
                "worker.postgres.listen-url", "db:5432/weft");
        assertNamesKey("worker.postgres.pool-size", "worker.postgres.pool-size", "0");
        assertNamesKey("worker.lease", "worker.lease", "500ms");
        assertNamesKey("worker.lease", "worker.lease", "soon");
        assertNamesKey("worker.postgres.password-file", "worker.store", "postgres", "worker.postgres.url", URL,
                "worker.postgres.password-file", dir.resolve("missing").toString());
        assertNamesKey("worker.postgres.password-file", "worker.store", "postgres", "worker.postgres.url", URL,
                "worker.postgres.password", "x", "worker.postgres.password-file", dir.resolve("missing").toString());
    }
}

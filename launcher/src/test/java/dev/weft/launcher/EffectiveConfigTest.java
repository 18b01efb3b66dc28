package dev.weft.launcher;

import dev.weft.metrics.ConfigEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EffectiveConfigTest {

    @Test
    void eachKeyNamesTheSourceThatGaveItsValue(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("weft.yaml"), "worker:\n  workers: 7\nlog:\n  level: WARN\n");
        Properties system = new Properties();
        system.setProperty("metrics.application", "from-d");
        Map<String, ConfigEntry> byKey = byKey(EffectiveConfig.describe(
                Map.of("server.port", "9000"),
                file,
                Map.of("WEFT_LOG_LEVEL", "DEBUG", "WEFT_SERVER_PORT", "1234"),
                system));

        assertEquals(new ConfigEntry("server.port", "9000", ConfigEntry.Origin.FLAG, "--server.port"), byKey.get("server.port"));
        assertEquals(ConfigEntry.Origin.FLAG, byKey.get("metrics.application").origin());
        assertEquals("-Dmetrics.application", byKey.get("metrics.application").source());
        assertEquals(new ConfigEntry("log.level", "DEBUG", ConfigEntry.Origin.ENVIRONMENT, "WEFT_LOG_LEVEL"), byKey.get("log.level"));
        assertEquals(new ConfigEntry("worker.workers", "7", ConfigEntry.Origin.FILE, file.toString()), byKey.get("worker.workers"));
        assertEquals(new ConfigEntry("shutdown.timeout", "30s", ConfigEntry.Origin.DEFAULT, "application.yaml"),
                byKey.get("shutdown.timeout"));
        assertEquals(Catalogue.KEYS.stream().map(Setting::key).toList(),
                EffectiveConfig.describe(Map.of(), null, Map.of(), new Properties()).stream().map(ConfigEntry::key).toList(),
                "every key, in catalogue order");
    }

    @Test
    void secretsAreMaskedButAnEmptyOneShowsItIsUnset() throws Exception {
        Map<String, ConfigEntry> set = byKey(EffectiveConfig.describe(Map.of("worker.postgres.password", "hunter2"), null,
                Map.of(), new Properties()));
        assertEquals(EffectiveConfig.MASK, set.get("worker.postgres.password").value());
        Map<String, ConfigEntry> unset = byKey(EffectiveConfig.describe(Map.of(), null, Map.of(), new Properties()));
        assertEquals("", unset.get("worker.postgres.password").value());
    }

    @Test
    void aPasswordInAJdbcUrlIsMasked() throws Exception {
        Map<String, ConfigEntry> set = byKey(EffectiveConfig.describe(Map.of(
                "worker.postgres.url", "jdbc:postgresql://pgbouncer:6432/weft?user=weft&password=hunter2&prepareThreshold=0",
                "worker.postgres.listen-url", "jdbc:postgresql://db:5432/weft?password=s3cret"), null, Map.of(), new Properties()));
        assertEquals("jdbc:postgresql://pgbouncer:6432/weft?user=weft&password=***&prepareThreshold=0",
                set.get("worker.postgres.url").value());
        assertEquals("jdbc:postgresql://db:5432/weft?password=***", set.get("worker.postgres.listen-url").value());
    }

    @Test
    void aKeyIsSecretWhenItsNameSaysSoExceptTheFileThatHoldsOne() {
        for (String key : List.of("worker.postgres.password", "x.api-token", "x.client-secret", "X.PASSWORD")) {
            assertTrue(EffectiveConfig.isSecret(key), key);
        }
        for (String key : List.of("worker.postgres.password-file", "worker.postgres.user", "server.port")) {
            assertFalse(EffectiveConfig.isSecret(key), key);
        }
    }

    private static Map<String, ConfigEntry> byKey(List<ConfigEntry> entries) {
        return entries.stream().collect(Collectors.toMap(ConfigEntry::key, Function.identity()));
    }
}

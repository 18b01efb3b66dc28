package dev.weft.launcher;

import dev.weft.metrics.ConfigEntry;
import dev.weft.metrics.ConfigEntry.Origin;
import dev.weft.worker.PostgresJobStore;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The configuration as {@code GET /config} shows it: every catalogued key with its effective
 * value and the source that gave it, found by asking the sources in {@link Settings}' priority
 * order. Secrets are masked here, before the list leaves the launcher: values of secret keys,
 * and a {@code password=} parameter in any value (a JDBC URL's).
 */
final class EffectiveConfig {

    static final String MASK = "******";

    private EffectiveConfig() {
    }

    /**
     * @param overrides  the {@code --key=value} arguments
     * @param configFile the {@code --config} file, or null
     * @param env        the environment
     * @param system     the system properties ({@code -Dkey=value})
     * @throws ConfigException if the file cannot be read (which {@link Settings#buildConfig} reports first)
     */
    static List<ConfigEntry> describe(Map<String, String> overrides, Path configFile, Map<String, String> env,
                                      Properties system) throws ConfigException {
        return describe(Settings.buildConfig(overrides, configFile, env), overrides, configFile, env, system);
    }

    /**
     * As {@link #describe(Map, Path, Map, Properties)}, with the configuration those sources
     * merge to already built ({@link Settings#buildConfig}), as the launcher has it.
     *
     * @param merged the configuration built from {@code overrides}, {@code configFile} and {@code env}
     */
    static List<ConfigEntry> describe(Config merged, Map<String, String> overrides, Path configFile,
                                      Map<String, String> env, Properties system) {
        Config file = configFile == null ? null : Settings.configBuilder()
                .addSource(ConfigSources.file(configFile))
                .build();
        List<ConfigEntry> entries = new ArrayList<>();
        for (Setting<?> s : Catalogue.KEYS) {
            String key = s.key();
            String value = merged.get(key).asString().orElse("").trim();
            if (isSecret(key) && !value.isEmpty()) {
                value = MASK;
            } else {
                // A JDBC URL may carry its credentials (worker.postgres.url, .listen-url).
                value = PostgresJobStore.Options.masked(value);
            }
            Origin origin;
            String source;
            if (overrides.containsKey(key)) {
                origin = Origin.FLAG;
                source = "--" + key;
            } else if (system.getProperty(key) != null) {
                origin = Origin.FLAG;
                source = "-D" + key;
            } else if (env.containsKey(s.environmentVariable())) {
                origin = Origin.ENVIRONMENT;
                source = s.environmentVariable();
            } else if (file != null && file.get(key).exists()) {
                origin = Origin.FILE;
                source = configFile.toString();
            } else {
                origin = Origin.DEFAULT;
                source = Settings.DEFAULTS;
            }
            entries.add(new ConfigEntry(key, value, origin, source));
        }
        return entries;
    }

    /**
     * Whether a key's value must not be shown: its name says password, secret or token. A
     * {@code -file} key names where a secret is kept, not the secret, and stays visible.
     */
    static boolean isSecret(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return !k.endsWith("-file") && (k.contains("password") || k.contains("secret") || k.contains("token"));
    }
}

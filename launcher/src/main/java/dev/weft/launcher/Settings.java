package dev.weft.launcher;

import dev.weft.http.Aggregation;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The launcher's configuration, read once at start-up and validated in full: every key of the
 * {@link Catalogue} is parsed (typed and range-checked) here, so that a bad one fails fast with one
 * line naming its key (exit code 2) instead of surfacing later as a confusing failure. The result
 * is immutable; {@link #get} hands out the typed values.
 *
 * <p>Sources, highest priority first: {@code --key=value} arguments, {@code -Dkey=value} system
 * properties, environment variables ({@code WEFT_SERVER_PORT} for {@code server.port}; only
 * prefixed ones, see {@link ServiceName}), the file
 * given with {@code --config=FILE} (a mounted ConfigMap, say), then {@code application.yaml}
 * on the classpath, which holds the default of every key.
 */
final class Settings {

    /** The classpath resource that holds every key's default. */
    static final String DEFAULTS = "application.yaml";

    /** Parsed value of every catalogued key, by key. */
    private final Map<String, Object> values;
    /** The job-store keys checked together (and the password file read); null only while {@link #from} checks. */
    private final WorkerStoreSettings workerStore;

    private Settings(Map<String, Object> values, WorkerStoreSettings workerStore) {
        this.values = Map.copyOf(values);
        this.workerStore = workerStore;
    }

    /**
     * The configuration the settings are read from ({@link #from}), highest priority first: the
     * command line's {@code key=value} pairs, system properties, the environment, the extra YAML
     * file, the defaults ({@code application.yaml}).
     *
     * @param configFile an extra YAML file, or null
     * @throws ConfigException if that file cannot be read
     */
    static Config buildConfig(Map<String, String> overrides, Path configFile, Map<String, String> env) throws ConfigException {
        Map<String, String> fromEnv = new HashMap<>();
        for (Setting<?> s : Catalogue.KEYS) {
            String v = env.get(s.environmentVariable());
            if (v != null) {
                fromEnv.put(s.key(), v);
            }
        }
        var builder = configBuilder()
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

    /**
     * A builder with only the sources added to it: the environment and system properties are
     * added as Weft reads them (only catalogued keys, {@link #buildConfig}), not wholesale.
     */
    static Config.Builder configBuilder() {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource();
    }

    /** The defaults alone, as shipped in {@code application.yaml}. */
    static Config defaults() {
        return configBuilder()
                .addSource(ConfigSources.classpath(DEFAULTS))
                .build();
    }

    /** Parses every catalogued key, in catalogue order, then the rules between keys. */
    static Settings from(Config c) throws ConfigException {
        Map<String, Object> values = new HashMap<>();
        for (Setting<?> s : Catalogue.KEYS) {
            values.put(s.key(), s.read(c));
        }
        Settings parsed = new Settings(values, null);
        Catalogue.checkTogether(parsed);
        return new Settings(values, WorkerStoreSettings.from(parsed));
    }

    /** The typed value of {@code setting}. */
    @SuppressWarnings("unchecked") // from() stored exactly what setting's own parser returned
    <T> T get(Setting<T> setting) {
        return (T) values.get(setting.key());
    }

    /** Whether {@code key} is a catalogued key. */
    static boolean isKey(String key) {
        return Catalogue.KEYS.stream().anyMatch(s -> s.key().equals(key));
    }

    /** The {@code worker.store} and {@code worker.postgres.*} keys as one value. */
    WorkerStoreSettings workerStore() {
        return workerStore;
    }

    /** The {@code fault.*} keys as one value. */
    Faults faults() {
        return new Faults(get(Catalogue.FAIL_START), get(Catalogue.FAIL_RUNNING), get(Catalogue.FAIL_AFTER),
                get(Catalogue.FAULT_JOB_HANDLERS));
    }

    /** The {@code http.aggregate.*} keys as the API server takes them. */
    Aggregation aggregation() {
        return new Aggregation(get(Catalogue.AGGREGATE_TIMEOUT), get(Catalogue.AGGREGATE_MAX_TIMEOUT),
                get(Catalogue.AGGREGATE_CONCURRENCY), get(Catalogue.AGGREGATE_UPSTREAMS));
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
}

package dev.weft.metrics;

import java.util.Locale;
import java.util.Objects;

/**
 * One configuration key as {@code GET /config} shows it: its effective value and where that came from.
 *
 * @param key    the key, e.g. {@code server.port}
 * @param value  the value as configured (text), already masked if the key holds a secret
 * @param origin which kind of source gave the value
 * @param source the source itself: {@code --server.port}, {@code -Dserver.port}, {@code WEFT_SERVER_PORT},
 *               a file's path, or {@code application.yaml} for a default
 */
public record ConfigEntry(String key, String value, Origin origin, String source) {

    /** The kinds of source, highest priority first. */
    public enum Origin {
        /** A {@code --key=value} argument or a {@code -Dkey=value} system property. */
        FLAG,
        /** An environment variable. */
        ENVIRONMENT,
        /** The file given with {@code --config=FILE}. */
        FILE,
        /** The shipped default. */
        DEFAULT;

        /** The name shown in JSON. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ConfigEntry {
        Objects.requireNonNull(key);
        Objects.requireNonNull(value);
        Objects.requireNonNull(origin);
        Objects.requireNonNull(source);
    }
}

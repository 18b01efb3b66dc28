package dev.weft.launcher;

import io.helidon.config.Config;
import io.helidon.config.MissingValueException;

/**
 * One configuration key, complete: its name, its laptop default, its line in {@code --help}, and
 * how its text becomes a typed, range-checked value. {@link Catalogue} holds one per key; the
 * README key table and {@code application.yaml} are checked against it by a test.
 *
 * @param key          the Helidon Config key, e.g. {@code server.port}
 * @param defaultValue the default as written in {@code application.yaml} ({@code ""} for empty)
 * @param description  one line for {@code --help}
 * @param parser       turns the (trimmed) text into the value, or says what is wrong with it
 * @param <T>          the type of the value
 */
record Setting<T>(String key, String defaultValue, String description, Parser<T> parser) {

    /** Turns a key's text into its value. */
    @FunctionalInterface
    interface Parser<T> {
        /**
         * @param text the configured text, trimmed
         * @throws IllegalArgumentException with a one-line message saying what is expected and what was given
         */
        T parse(String text);
    }

    /** The environment variable that sets this key, e.g. {@code WEFT_SHUTDOWN_DRAIN_DELAY} ({@link ServiceName}). */
    String environmentVariable() {
        return ServiceName.environmentVariable(key);
    }

    /** This key's value in {@code config}. */
    T read(Config config) throws ConfigException {
        String text;
        try {
            text = config.get(key).asString().get().trim();
        } catch (MissingValueException e) {
            throw new ConfigException(key, "missing");
        }
        try {
            return parser.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(key, e.getMessage());
        }
    }
}

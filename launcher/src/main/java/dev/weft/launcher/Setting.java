package dev.weft.launcher;

/**
 * One configuration key and what it means. {@link Settings#KEYS} is the catalogue of keys; the
 * laptop defaults live in {@code application.yaml} alone (a test keeps the two in step), and
 * {@code --help} prints both.
 *
 * @param key         the Helidon Config key, e.g. {@code server.port}
 * @param description one line for {@code --help}
 */
record Setting(String key, String description) {

    /** The environment variable that sets this key, e.g. {@code WEFT_SHUTDOWN_DRAIN_DELAY} ({@link ServiceName}). */
    String environmentVariable() {
        return ServiceName.environmentVariable(key);
    }
}

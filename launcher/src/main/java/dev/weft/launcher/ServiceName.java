package dev.weft.launcher;

import java.util.Locale;

/**
 * The service's one name, and what derives from it: the prefix of every environment variable the
 * launcher reads. A fork renames {@link #NAME} (the archetype does) and gets its own prefix.
 *
 * <p>Why a prefix: Kubernetes injects service-link variables into every pod, such as
 * {@code SERVER_PORT=tcp://10.96.0.12:80} for a Service named {@code server} in the namespace.
 * Unprefixed, that would be read as {@code server.port} and fail the start (exit 2), a crash loop.
 * With the prefix only {@code WEFT_SERVER_PORT} sets {@code server.port}, and such variables are
 * ignored. (The manifests also set {@code enableServiceLinks: false}; this holds without it.)
 */
public final class ServiceName {

    /** The service's name, as in the image, the Kubernetes objects and the Prometheus job. */
    public static final String NAME = "weft";

    /** Every environment variable the launcher reads starts with this: {@code WEFT_}. */
    public static final String ENV_PREFIX = NAME.toUpperCase(Locale.ROOT).replace('-', '_') + "_";

    private ServiceName() {
    }

    /**
     * The environment variable that sets a configuration key: the prefix, then the key in upper
     * case with dots and dashes as underscores ({@code WEFT_SHUTDOWN_DRAIN_DELAY} for
     * {@code shutdown.drain-delay}).
     */
    public static String environmentVariable(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}

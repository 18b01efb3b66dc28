package dev.weft.metrics;

import java.util.List;

/**
 * What the operator endpoints of the admin server need from the launcher: the loggers to show
 * and change, the effective configuration to show, and whether the endpoints that change state
 * ({@code POST /loggers/{name}}, {@code /drain}, {@code /undrain}) are on. They are off by
 * default because the admin port has no authentication.
 *
 * @param logLevels     the loggers ({@code /loggers})
 * @param config        every key with its value and origin ({@code /config}), secrets already masked
 * @param writesEnabled {@code admin.write-endpoints.enabled}
 */
public record Operations(LogLevels logLevels, List<ConfigEntry> config, boolean writesEnabled) {

    public Operations {
        config = List.copyOf(config);
    }

    /** No loggers, no configuration, writes off. */
    public static Operations none() {
        return new Operations(LogLevels.none(), List.of(), false);
    }
}

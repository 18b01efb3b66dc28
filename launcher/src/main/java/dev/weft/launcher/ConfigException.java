package dev.weft.launcher;

/** A configuration value that cannot be used. The message is one line that names the key. */
final class ConfigException extends Exception {

    ConfigException(String key, String problem) {
        super("invalid configuration: " + key + ": " + problem);
    }

    ConfigException(String message) {
        super(message);
    }
}

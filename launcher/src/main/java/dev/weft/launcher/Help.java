package dev.weft.launcher;

import java.io.PrintStream;

/** The text of {@code ./run --help}: usage, exit codes, and every configuration key with its default. */
final class Help {

    private Help() {
    }

    static void print(PrintStream out) {
        out.println("Usage: ./run [--key=value ...] [--config=FILE] [--help]");
        out.println();
        out.println("Runs Weft: the public API, the background workers and the admin server, under one");
        out.println("supervisor. SIGTERM or Ctrl-C shuts down gracefully; a second signal exits at once.");
        out.println();
        out.println("Exit codes: 0 stopped and drained, 1 a service failed, 2 bad configuration or usage,");
        out.println("            3 the shutdown budget ran out and work was abandoned.");
        out.println();
        out.println("Configuration (highest priority first): --key=value, -Dkey=value, environment variable,");
        out.println("--config=FILE, the defaults in application.yaml.");
        out.println();
        int keyWidth = Catalogue.KEYS.stream().mapToInt(s -> s.key().length()).max().orElse(0);
        String row = "  %-" + keyWidth + "s  %-" + keyWidth + "s  %-10s %s%n";
        out.printf(row, "key", "environment variable", "default", "meaning");
        for (Setting<?> s : Catalogue.KEYS) {
            String def = s.defaultValue();
            out.printf(row, s.key(), s.environmentVariable(), def.isEmpty() ? "\"\"" : def, s.description());
        }
    }
}

package dev.weft.launcher;

import java.io.PrintStream;

/** The text of {@code ./run --help}: usage, exit codes, and every configuration key with its default. */
final class Help {

    /** Width of the default column; longer defaults are printed below their row. */
    static final int DEFAULT_WIDTH = 10;

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
        out.println("--config=FILE, the defaults in application.yaml. Only variables starting " + ServiceName.ENV_PREFIX + " are read.");
        out.println();
        int keyWidth = Catalogue.KEYS.stream().mapToInt(s -> s.key().length()).max().orElse(0);
        int envWidth = Catalogue.KEYS.stream().mapToInt(s -> s.environmentVariable().length()).max().orElse(0);
        String row = "  %-" + keyWidth + "s  %-" + envWidth + "s  %-" + DEFAULT_WIDTH + "s %s%n";
        // A default too long for its column goes on a line of its own under the row, so the
        // meaning column stays aligned.
        String longDefault = "  %" + keyWidth + "s  default: %s%n";
        out.printf(row, "key", "environment variable", "default", "meaning");
        for (Setting<?> s : Catalogue.KEYS) {
            String def = s.defaultValue();
            String shown = def.isEmpty() ? "\"\"" : def;
            boolean fits = shown.length() <= DEFAULT_WIDTH;
            out.printf(row, s.key(), s.environmentVariable(), fits ? shown : "(below)", s.description());
            if (!fits) {
                out.printf(longDefault, "", shown);
            }
        }
    }
}

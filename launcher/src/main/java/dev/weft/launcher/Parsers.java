package dev.weft.launcher;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The value types of configuration keys, as {@link Setting.Parser}s. Each failure message is one
 * line saying what is expected and what was given; {@link Setting#read} prefixes the key.
 */
final class Parsers {

    private Parsers() {
    }

    /** The text itself. */
    static Setting.Parser<String> text() {
        return t -> t;
    }

    /** An {@code int} in {@code min..max}. */
    static Setting.Parser<Integer> integer(int min, int max) {
        return t -> {
            int value;
            try {
                value = Integer.parseInt(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected an integer, got '" + t + "'");
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException("expected " + min + ".." + max + ", got " + value);
            }
            return value;
        };
    }

    /** A positive number of bytes. */
    static Setting.Parser<Long> bytes() {
        return t -> {
            long value;
            try {
                value = Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("expected an integer number of bytes, got '" + t + "'");
            }
            if (value < 1) {
                throw new IllegalArgumentException("expected a positive number of bytes, got " + value);
            }
            return value;
        };
    }

    /** A duration ({@link Durations}): positive, or also zero when {@code zeroAllowed}. */
    static Setting.Parser<Duration> duration(boolean zeroAllowed) {
        return t -> {
            Duration d = Durations.parse(t);
            if (d.isNegative() || (!zeroAllowed && d.isZero())) {
                throw new IllegalArgumentException("expected a " + (zeroAllowed ? "non-negative" : "positive")
                        + " duration, got '" + t + "'");
            }
            return d;
        };
    }

    /** A finite rate per second, {@code >= 0} (decimals allowed). */
    static Setting.Parser<Double> rate() {
        return t -> {
            double rate = number(t, "a number");
            if (!(rate >= 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException("expected a finite number >= 0, got '" + t + "'");
            }
            return rate;
        };
    }

    /** A share, a number in {@code 0..1}. */
    static Setting.Parser<Double> fraction() {
        return t -> {
            double share = number(t, "a number in 0..1");
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("expected a number in 0..1, got '" + t + "'");
            }
            return share;
        };
    }

    private static double number(String t, String expected) {
        try {
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected " + expected + ", got '" + t + "'");
        }
    }

    /** An absolute http or https URL; the message shows {@code example}. */
    static Setting.Parser<URI> httpUrl(String example) {
        return t -> {
            URI uri;
            try {
                uri = URI.create(t);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("expected an http(s) URL, got '" + t + "'");
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("expected an http(s) URL such as " + example + ", got '" + t + "'");
            }
            return uri;
        };
    }

    /** {@code true} or {@code false}, in any case. */
    static Setting.Parser<Boolean> bool() {
        return t -> switch (t.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("expected true or false, got '" + t.toLowerCase(Locale.ROOT) + "'");
        };
    }

    /**
     * One of {@code choices} after {@code normalise}; the message lists them as {@code expected}
     * says, e.g. {@code text or json}.
     */
    static Setting.Parser<String> oneOf(Function<String, String> normalise, String expected, String... choices) {
        List<String> allowed = List.of(choices);
        return t -> {
            String v = normalise.apply(t);
            if (!allowed.contains(v)) {
                throw new IllegalArgumentException("expected " + expected + ", got '" + v + "'");
            }
            return v;
        };
    }

    /** A comma-separated list of host names or IP literals; blanks between commas are dropped. */
    static Setting.Parser<List<String>> hosts() {
        return t -> {
            List<String> hosts = Arrays.stream(t.split(",")).map(String::trim).filter(h -> !h.isEmpty()).toList();
            for (String h : hosts) {
                if (!h.matches("[A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\]")) {
                    throw new IllegalArgumentException("expected host names or IP literals, got '" + h + "'");
                }
            }
            return hosts;
        };
    }
}

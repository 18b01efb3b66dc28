package dev.weft.http;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the short durations clients send: integer milliseconds ({@code 500}) or {@code 500ms}, {@code 2s}. */
final class Timeouts {

    private static final Pattern FORM = Pattern.compile("(\\d{1,9})(ms|s)?");

    private Timeouts() {
    }

    /** The duration, or null if {@code text} is not of the accepted form. */
    static Duration parse(String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return "s".equals(m.group(2)) ? Duration.ofSeconds(n) : Duration.ofMillis(n);
    }
}

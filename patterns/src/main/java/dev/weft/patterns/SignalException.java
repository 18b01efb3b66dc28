package dev.weft.patterns;

import java.util.Objects;

/**
 * The cause of a context cancelled by an operating-system signal (see {@link Signals}). A value
 * naming the signal, with no stack trace: where the JVM's signal thread was is of no interest.
 */
public final class SignalException extends RuntimeException {

    private final String signal;

    SignalException(String signal) {
        super("signal " + signal, null, false, false);
        this.signal = Objects.requireNonNull(signal, "signal");
    }

    /**
     * The signal's name without the "SIG" prefix, as given to {@link Signals#notifyContext}:
     * "TERM", "INT", ...
     *
     * @return the signal name
     */
    public String signal() {
        return signal;
    }
}

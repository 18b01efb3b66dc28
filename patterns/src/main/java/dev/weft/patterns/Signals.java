package dev.weft.patterns;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Operating-system signals as context cancellation: Go's {@code signal.NotifyContext}.
 *
 * <pre>{@code
 * try (Signals.Notification signals = Signals.notifyContext(Context.background(), "TERM", "INT")) {
 *     signals.onRepeat(name -> Runtime.getRuntime().halt(130)); // second signal: exit at once
 *     Supervisor.Outcome outcome = supervisor.run(signals.context());
 * }
 * }</pre>
 *
 * <p>Built on {@code sun.misc.Signal} (module {@code jdk.unsupported}), the JDK's only signal API.
 * The JVM runs each signal's handler on a fresh platform thread of its own, so the actions here
 * run there, not on a Weft thread.
 */
public final class Signals {

    private Signals() {}

    /**
     * Installs handlers for the named signals and returns a notification whose context, a child of
     * {@code parent}, is cancelled by the first of them with a {@link SignalException} naming it as
     * the cause. Later signals run the {@link Notification#onRepeat} actions. The handlers stay
     * installed, replacing the previous ones (including the JVM's own shutdown handlers for TERM,
     * INT and HUP), until {@link Notification#close()}.
     *
     * <p>Never blocks. The signal's arrival happens-before the context is observed done.
     *
     * @param parent the parent context
     * @param signalNames signal names, with or without the "SIG" prefix: "TERM", "INT", "SIGHUP"
     * @return the notification; close it to restore the previous handlers
     * @throws IllegalArgumentException if a name is unknown, or the signal cannot be handled (one
     *     the JVM reserves); no handler is left installed then
     */
    public static Notification notifyContext(Context parent, String... signalNames) {
        Objects.requireNonNull(parent, "parent");
        if (signalNames.length == 0) {
            throw new IllegalArgumentException("no signal names given");
        }
        List<String> names = new ArrayList<>();
        for (String name : signalNames) {
            String upper = Objects.requireNonNull(name, "signal name").toUpperCase(Locale.ROOT);
            String bare = upper.startsWith("SIG") ? upper.substring(3) : upper;
            if (!names.contains(bare)) {
                names.add(bare);
            }
        }
        SignalNotification notification = new SignalNotification(Context.withCancel(parent));
        notification.install(names);
        return notification;
    }

    /** Go's {@code NotifyContext} result: the context and its {@code stop} function in one object. */
    public interface Notification extends AutoCloseable {

        /**
         * The context cancelled by the first signal; its {@link Context#cause()} is a {@link
         * SignalException}. Also cancelled by {@link #close()} and with its parent.
         *
         * @return the context
         */
        Context context();

        /**
         * Adds an action to run, with the signal's name, on every signal after the first (the
         * launcher's "a second signal exits at once"). Actions run on the JVM's signal thread, in
         * registration order; an action that throws does not stop the others. Never blocks.
         *
         * @param action the action
         */
        void onRepeat(Consumer<String> action);

        /**
         * Go's {@code stop()}: restores the handlers that were installed before, then cancels the
         * context (without a cause, unless a signal already cancelled it). Idempotent. Never
         * blocks.
         */
        @Override
        void close();
    }

    private static final class SignalNotification implements Notification {
        private final CancelContext context;
        private final List<Consumer<String>> repeatActions = new CopyOnWriteArrayList<>();

        /** Set by the first signal, so only it cancels and every later one is a repeat. */
        private final AtomicBoolean signalled = new AtomicBoolean();
        private final AtomicBoolean closed = new AtomicBoolean();

        /** The handlers we replaced, to put back on close; written only before publication. */
        private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();

        SignalNotification(CancelContext context) {
            this.context = context;
        }

        void install(List<String> names) {
            try {
                for (String name : names) {
                    Signal signal = new Signal(name);
                    previous.put(signal, Signal.handle(signal, this::handle));
                }
            } catch (IllegalArgumentException e) {
                close();
                throw e;
            }
        }

        private void handle(Signal signal) {
            String name = signal.getName();
            if (signalled.compareAndSet(false, true)) {
                context.cancel(new SignalException(name));
                return;
            }
            Callbacks.runAll(repeatActions, action -> action.accept(name));
        }

        @Override
        public Context context() {
            return context;
        }

        @Override
        public void onRepeat(Consumer<String> action) {
            repeatActions.add(Objects.requireNonNull(action, "action"));
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                previous.forEach(Signal::handle);
                context.cancel();
            }
        }

        @Override
        public String toString() {
            return "Signals.Notification" + previous.keySet().stream().map(Signal::getName).toList();
        }
    }
}

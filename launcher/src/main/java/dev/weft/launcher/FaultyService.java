package dev.weft.launcher;

import dev.weft.patterns.Context;
import dev.weft.patterns.Service;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * A service made to fail on purpose ({@code fault.fail-start}, {@code fault.fail-running}), so
 * that tests and drills can watch the supervisor react: a start-up failure stops the services
 * already started; a failure while running stops the others in order. Either way the exit code
 * is 1.
 */
final class FaultyService implements Service {

    private final Service delegate;
    private final boolean failStart;
    /** Null unless the service fails while running, this long after awaitTermination begins. */
    private final Duration failAfter;
    private final CountDownLatch stopping = new CountDownLatch(1);

    private FaultyService(Service delegate, boolean failStart, Duration failAfter) {
        this.delegate = delegate;
        this.failStart = failStart;
        this.failAfter = failAfter;
    }

    /** {@code service} itself, or wrapped in the faults that name it. */
    static Service wrap(Service service, Settings.Faults faults) {
        boolean failStart = service.name().equals(faults.failStart());
        boolean failRunning = service.name().equals(faults.failRunning());
        return failStart || failRunning
                ? new FaultyService(service, failStart, failRunning ? faults.failAfter() : null)
                : service;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void start() throws Exception {
        if (failStart) {
            throw new IllegalStateException("fault.fail-start: " + name() + " fails at start-up on purpose");
        }
        delegate.start();
    }

    @Override
    public void awaitTermination() throws Exception {
        // The supervisor calls this as soon as start() returns, so the delay counts from start.
        if (failAfter != null && !stopping.await(failAfter.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException("fault.fail-running: " + name() + " fails "
                    + Durations.format(failAfter) + " after start on purpose");
        }
        delegate.awaitTermination();
    }

    @Override
    public boolean stop(Context budget) throws Exception {
        stopping.countDown();
        return delegate.stop(budget);
    }
}

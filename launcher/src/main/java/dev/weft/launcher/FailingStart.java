package dev.weft.launcher;

import dev.weft.patterns.Context;
import dev.weft.patterns.Service;

/**
 * A service whose start fails on purpose ({@code fault.fail-start}), so that tests and drills can
 * watch the supervisor stop the services already started and exit with code 1.
 */
final class FailingStart implements Service {

    private final Service delegate;

    FailingStart(Service delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void start() {
        throw new IllegalStateException("fault.fail-start: " + name() + " fails at start-up on purpose");
    }

    @Override
    public void awaitTermination() throws Exception {
        delegate.awaitTermination();
    }

    @Override
    public boolean stop(Context budget) throws Exception {
        return delegate.stop(budget);
    }
}

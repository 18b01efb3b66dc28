package dev.weft.worker;

import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Channel;
import dev.weft.patterns.Context;
import dev.weft.patterns.ContextDoneException;
import dev.weft.patterns.Received;
import dev.weft.patterns.WeftThreads;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * "Run it on a thread of its own, wait while the context lasts, then interrupt it and give up on
 * it after a grace": what keeps a worker from being held by a handler beyond the attempt's
 * deadline. The one place the worker does this, so that a shared primitive can replace it.
 *
 * <p>A body that ignores both its context and interruption is left running (Java cannot stop a
 * thread that will not stop); its thread ends whenever the body returns, and its value is dropped.
 */
final class BoundedRun {

    private BoundedRun() {
    }

    /**
     * Runs {@code body} on a new thread named {@code name} and returns its value: the value it
     * produced before {@code ctx} was done, or within {@code grace} after (its thread is
     * interrupted when {@code ctx} is done).
     *
     * @return the value, or empty if the body was still running when the grace ended
     * @throws InterruptedException if the calling thread is interrupted; the body's thread is
     *     interrupted too and left to end on its own
     */
    static <T> Optional<T> run(String name, Context ctx, Duration grace, Supplier<T> body) throws InterruptedException {
        Channel<T> result = Channel.buffered(1);
        Thread runner = WeftThreads.start(name, () -> result.trySend(body.get()));
        try {
            try {
                return Optional.of(result.receive(ctx));
            } catch (ContextDoneException done) {
                Received<T> raced = result.tryReceive();
                if (raced.ok()) {
                    return Optional.of(raced.value());
                }
            }
            runner.interrupt();
            CancelContext graceCtx = Context.withTimeout(Context.background(), grace);
            try {
                return Optional.of(result.receive(graceCtx));
            } catch (ContextDoneException ignored) {
                return Optional.empty();
            } finally {
                graceCtx.cancel();
            }
        } catch (InterruptedException e) {
            runner.interrupt();
            throw e;
        }
    }
}

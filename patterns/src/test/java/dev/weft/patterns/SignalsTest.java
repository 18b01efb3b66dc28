package dev.weft.patterns;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.testing.NoLeakedThreads;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Raises real signals at this JVM. USR2 is harmless and handleable on Linux with JDK 25; a test
 * handler is installed around each test so a stray signal can never reach the JVM's default.
 */
@ExtendWith(NoLeakedThreads.class)
class SignalsTest {

    private static final Signal USR2 = new Signal("USR2");

    private final BlockingQueue<String> outerHandlerSaw = new LinkedBlockingQueue<>();
    private SignalHandler original;

    @BeforeEach
    void installOuterHandler() {
        original = Signal.handle(USR2, s -> outerHandlerSaw.add(s.getName()));
    }

    @AfterEach
    void restoreOriginalHandler() {
        Signal.handle(USR2, original);
    }

    @Test
    void firstSignalCancelsWithSignalExceptionAndLaterOnesRepeat() throws InterruptedException {
        CancelContext parent = Context.withCancel(Context.background());
        try (Signals.Notification notification = Signals.notifyContext(parent, "SIGUSR2")) {
            BlockingQueue<String> repeats = new LinkedBlockingQueue<>();
            notification.onRepeat(repeats::add);
            Context ctx = notification.context();
            assertFalse(ctx.isDone());

            Signal.raise(USR2);
            assertTrue(ctx.await(Duration.ofSeconds(10)));
            SignalException cause = assertInstanceOf(SignalException.class, ctx.cause());
            assertEquals("USR2", cause.signal());
            assertEquals("signal USR2", cause.getMessage());
            assertTrue(repeats.isEmpty(), "the first signal is not a repeat");

            Signal.raise(USR2);
            assertEquals("USR2", repeats.poll(10, SECONDS));
            assertFalse(parent.isDone());
        } finally {
            parent.cancel();
        }
        assertTrue(outerHandlerSaw.isEmpty(), "our handler replaced the outer one while installed");
    }

    @Test
    void closeRestoresThePreviousHandlerAndCancels() throws InterruptedException {
        Signals.Notification notification = Signals.notifyContext(Context.background(), "USR2");
        notification.close();
        notification.close();
        assertInstanceOf(ContextCanceledException.class, notification.context().cause());

        Signal.raise(USR2);
        assertEquals("USR2", outerHandlerSaw.poll(10, SECONDS));
    }

    @Test
    void parentCancellationReachesTheContext() {
        CancelContext parent = Context.withCancel(Context.background());
        try (Signals.Notification notification = Signals.notifyContext(parent, "USR2")) {
            parent.cancel();
            assertTrue(notification.context().isDone());
        }
    }

    @Test
    void unknownSignalIsRejectedAndLeavesNothingInstalled() throws InterruptedException {
        assertThrows(IllegalArgumentException.class,
                () -> Signals.notifyContext(Context.background(), "USR2", "NO-SUCH-SIGNAL"));
        Signal.raise(USR2);
        assertEquals("USR2", outerHandlerSaw.poll(10, SECONDS));
    }
}

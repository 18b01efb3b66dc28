package dev.weft.patterns.testing;

import dev.weft.patterns.WeftThreads;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Go's {@code goleak} for Weft: fails a test, and its class, if a Weft thread (one started
 * through {@link WeftThreads}) that was started during it is still alive afterwards.
 *
 * <p>Use it as {@code @ExtendWith(NoLeakedThreads.class)} on a test class. Before each test and
 * before the class it records which Weft threads are already alive; afterwards it waits up to
 * {@link #GRACE} for the threads started since to finish (a thread that is just returning from its
 * last statement is not a leak), polling with short parks, and then fails with the name and stack
 * trace of every one still alive.
 *
 * <p>Threads are told apart by identity, not by count, so a thread that was already alive before
 * the test (say, a server started in {@code @BeforeAll}) never fails a single test; it fails the
 * class if it outlives {@code @AfterAll}. Tests that run concurrently in one JVM see each other's
 * threads, so use it with JUnit's default sequential execution.
 */
public final class NoLeakedThreads
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    /** How long threads started by a test may take to finish after it. */
    public static final Duration GRACE = Duration.ofSeconds(2);

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(NoLeakedThreads.class);
    private static final String BASELINE = "baseline";

    /** Creates the extension; JUnit calls this. */
    public NoLeakedThreads() {}

    @Override
    public void beforeAll(ExtensionContext context) {
        recordBaseline(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        recordBaseline(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        check(context, "test " + context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        check(context, "class " + context.getDisplayName());
    }

    private static void recordBaseline(ExtensionContext context) {
        context.getStore(NAMESPACE).put(BASELINE, Set.copyOf(WeftThreads.liveThreads()));
    }

    private static void check(ExtensionContext context, String what) {
        @SuppressWarnings("unchecked") // only recordBaseline puts it, always a Set<Thread>
        Set<Thread> baseline = context.getStore(NAMESPACE).remove(BASELINE, Set.class);
        List<Thread> leaked = awaitLeaks(baseline == null ? Set.of() : baseline, GRACE);
        if (!leaked.isEmpty()) {
            throw new AssertionError(describe(what, leaked));
        }
    }

    /**
     * Waits up to {@code grace} for every live Weft thread not in {@code baseline} to finish.
     *
     * @param baseline threads that are allowed to stay alive
     * @param grace the longest to wait
     * @return the threads still alive after the wait; empty if none
     */
    public static List<Thread> awaitLeaks(Set<Thread> baseline, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (true) {
            List<Thread> leaked = WeftThreads.liveThreads().stream()
                    .filter(t -> !baseline.contains(t))
                    .toList();
            if (leaked.isEmpty() || System.nanoTime() - deadline >= 0) {
                return leaked;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private static String describe(String what, List<Thread> leaked) {
        StringBuilder message = new StringBuilder()
                .append(leaked.size()).append(" Weft thread(s) started during ").append(what)
                .append(" still alive after ").append(GRACE.toMillis()).append(" ms:");
        for (Thread thread : leaked) {
            message.append("\n\n\"").append(thread.getName()).append("\" ").append(thread.getState());
            for (StackTraceElement frame : thread.getStackTrace()) {
                message.append("\n\tat ").append(frame);
            }
        }
        return message.toString();
    }
}

package dev.weft.http;

import dev.weft.patterns.Context;
import dev.weft.patterns.ErrGroup;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * Runs tasks concurrently under one context and waits for all of them: Go's errgroup pattern for
 * a handler, with results. The first task to fail cancels the others (their context is done and
 * their threads interrupted) and its exception is what {@link #all} throws; no task is left
 * running when {@code all} returns or throws, whatever happened.
 *
 * <pre>{@code
 * List<JsonNode> parts = FanOut.all(ctx, List.of(
 *         c -> client.get(c, orders.at("/orders/" + id)).orThrow().json(),
 *         c -> client.get(c, payments.at("/payments/" + id)).orThrow().json()));
 * }</pre>
 *
 * <p>Memory visibility: everything a task does happens-before {@code all} returns its result.
 */
public final class FanOut {

    /** One task: given the fan-out's context, which is done when {@code ctx} is or a sibling failed. */
    @FunctionalInterface
    public interface Task<T> {
        T run(Context ctx) throws Exception;
    }

    private FanOut() {
    }

    /** {@link #all(Context, int, List)} with every task running at once. */
    public static <T> List<T> all(Context ctx, List<Task<T>> tasks) throws Exception {
        return all(ctx, -1, tasks);
    }

    /**
     * Runs {@code tasks}, at most {@code limit} at once, each on its own virtual thread, and
     * returns their results in the order of {@code tasks}.
     *
     * @param limit most tasks running at once; negative for no limit
     * @throws Exception the first task's failure, as thrown
     * @throws InterruptedException if the calling thread was interrupted (Helidon's stop does
     *     that once its grace ends): the tasks are cancelled and have ended when it is thrown
     */
    public static <T> List<T> all(Context ctx, int limit, List<Task<T>> tasks) throws Exception {
        Object[] results = new Object[tasks.size()];
        // close() cancels the group's context, interrupts the tasks and waits for every one, so
        // none outlives this block, whether it ends in a result, a failure or an interrupt.
        try (ErrGroup group = ErrGroup.withContext(ctx)) {
            group.setLimit(limit);
            for (int i = 0; i < results.length; i++) {
                int at = i;
                Task<T> task = tasks.get(i);
                group.go(() -> results[at] = task.run(group.context()));
            }
            group.await();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception x) {
                throw x;
            }
            if (e.getCause() instanceof Error x) {
                throw x;
            }
            throw e;
        }
        @SuppressWarnings("unchecked") // every slot holds what its Task<T> returned
        List<T> list = (List<T>) Collections.unmodifiableList(Arrays.asList(results));
        return list;
    }
}

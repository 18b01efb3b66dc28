package dev.weft.benchmarks;

/** Runs benchmark bodies on virtual threads, so every side of every comparison is virtual. */
final class Vt {

    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /** One operation on a channel or queue of type {@code C}, for the shapes that run many of them. */
    @FunctionalInterface
    interface Op<C> {
        void run(C channel) throws InterruptedException;
    }

    private Vt() {}

    static Thread start(Body body) {
        return Thread.ofVirtual().start(() -> {
            try {
                body.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Starts every body on its own virtual thread and waits for all of them. */
    static void runAll(Body... bodies) throws InterruptedException {
        Thread[] threads = new Thread[bodies.length];
        for (int i = 0; i < bodies.length; i++) {
            threads[i] = start(bodies[i]);
        }
        for (Thread t : threads) {
            t.join();
        }
    }
}

package dev.weft.metrics;

import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;

/**
 * {@code POST /drain} and {@code POST /undrain}: take this instance out of rotation by hand and put
 * it back (podinfo's readyz disable/enable). Only readiness changes; see {@link Health#drain()}.
 */
final class DrainEndpoint {

    private final Health health;
    private final boolean writesEnabled;

    DrainEndpoint(Health health, boolean writesEnabled) {
        this.health = health;
        this.writesEnabled = writesEnabled;
    }

    void drain(ServerRequest req, ServerResponse res) throws IOException {
        if (!Problems.refusedWrite(writesEnabled, res)) {
            health.drain();
            answer(res);
        }
    }

    void undrain(ServerRequest req, ServerResponse res) throws IOException {
        if (!Problems.refusedWrite(writesEnabled, res)) {
            health.undrain();
            answer(res);
        }
    }

    /** The operator's flag, and whether readiness now passes (a shutdown keeps it off whatever the flag). */
    private void answer(ServerResponse res) throws IOException {
        Problems.json(res, Status.OK_200, Problems.JSON.createObjectNode()
                .put("drained", health.isDrained())
                .put("shuttingDown", health.isShuttingDown()));
    }
}

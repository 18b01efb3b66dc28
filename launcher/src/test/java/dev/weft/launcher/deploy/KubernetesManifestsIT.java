package dev.weft.launcher.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.launcher.LauncherProcess;
import dev.weft.launcher.ServiceName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.weft.launcher.deploy.DeployFiles.YAML;
import static dev.weft.launcher.deploy.Manifests.contains;
import static dev.weft.launcher.deploy.Manifests.fieldNames;
import static dev.weft.launcher.deploy.Manifests.fields;
import static dev.weft.launcher.deploy.Manifests.find;
import static dev.weft.launcher.deploy.Manifests.resolvePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Kubernetes manifests (deploy/k8s) against the app's real contract: every file parses; ports,
 * probe paths and configuration keys are the app's own (its application.yaml defaults, and a
 * running launcher started with the ConfigMap's file); the shutdown arithmetic holds; every pod
 * meets Pod Security "restricted"; and the rules of docs/DEPLOY.md: no replicas where an HPA owns
 * the count, the shared job store wherever more than one replica can run, no service links, a
 * tokenless ServiceAccount, the NetworkPolicy, the recommended labels, no mutable image tag that
 * a node would not pull again; and every object's schema, with the Kubernetes client's models
 * ({@link KubernetesApi}). The base is checked from its files; each overlay as rendered by
 * kustomize ({@link Kustomize}: skipped without it, failed under CI). Names and namespaces come
 * from the manifests themselves, so a renamed fork is checked the same way.
 */
class KubernetesManifestsIT {

    /** JVM options the java launcher reads; not configuration keys of the app. */
    private static final Set<String> JVM_ENV = Set.of("JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS");
    /**
     * At least this long between the end of the app's shutdown budget and the kubelet's SIGKILL:
     * the supervisor's worst-case overrun with Weft's three services, plus 5 s for the JVM to exit.
     */
    private static final Duration MIN_MARGIN = dev.weft.patterns.Supervisor.maxOverrun(3).plusSeconds(5);
    /** The recommended labels every object of the app carries (kubernetes.io "Recommended Labels"). */
    private static final List<String> RECOMMENDED = List.of("app.kubernetes.io/name", "app.kubernetes.io/instance",
            "app.kubernetes.io/version", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by");
    /** Custom resources, which the Kubernetes client has no model of. */
    private static final Set<String> CUSTOM_KINDS = Set.of("monitoring.coreos.com/v1/PodMonitor");
    /** A tag that names one build for good: a digest, or a release number such as 0.1.0 or 17.6. */
    private static final Pattern PINNED_IMAGE = Pattern.compile(".*@sha256:[0-9a-f]{64}|.*:v?\\d+\\.\\d+[^/:]*");

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
        Manifests base = Manifests.base(DeployFiles.deploy("k8s/base"));
        checkAgainstApp(base, "base");
        checkDeploymentRules(base, "base");
        assertTrue(base.all("PodMonitor").isEmpty(), "base: the PodMonitor is the optional component, not in the base");
    }

    @Test
    void overlaysRenderAndMatchTheApp() throws Exception {
        for (Path overlay : Manifests.overlays()) {
            String what = overlay.getFileName().toString();
            Manifests rendered = new Manifests(Kustomize.render(overlay));
            checkAgainstApp(rendered, what);
            checkDeploymentRules(rendered, what);

            // The overlay creates the one namespace it deploys every object into.
            JsonNode ns = rendered.one("Namespace");
            String namespace = ns.path("metadata").path("name").asText();
            assertEquals("restricted", ns.path("metadata").path("labels").path("pod-security.kubernetes.io/enforce").asText(),
                    what + ": the namespace enforces Pod Security restricted");
            for (JsonNode doc : rendered.docs()) {
                if (!doc.path("kind").asText().equals("Namespace")) {
                    assertEquals(namespace, doc.path("metadata").path("namespace").asText(),
                            what + ": namespace of " + doc.path("kind").asText() + " " + doc.path("metadata").path("name").asText());
                }
            }

            // Recommended labels on the app's objects and pods; the version is the image's tag.
            JsonNode deployment = rendered.one("Deployment");
            String image = rendered.container().path("image").asText();
            String tag = image.substring(image.lastIndexOf(':') + 1);
            for (JsonNode doc : rendered.docs()) {
                JsonNode labels = doc.path("metadata").path("labels");
                if (!rendered.appName().equals(labels.path("app.kubernetes.io/name").asText())) {
                    continue; // the namespace, and the dev database, are not the app
                }
                for (String l : RECOMMENDED) {
                    assertFalse(labels.path(l).asText().isEmpty(), what + ": label " + l + " on " + doc.path("kind").asText());
                }
                assertEquals(tag, labels.path("app.kubernetes.io/version").asText(), what + ": version label vs image tag on " + doc.path("kind").asText());
            }
            JsonNode podLabels = deployment.path("spec").path("template").path("metadata").path("labels");
            for (String l : List.of("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version")) {
                assertEquals(deployment.path("metadata").path("labels").path(l).asText(), podLabels.path(l).asText(), what + ": pod label " + l);
            }
        }
    }

    /**
     * Every object is one the Kubernetes API accepts as written: parsed by the official client's
     * models, which reject unknown or misspelt fields, missing required ones and wrong types. A
     * kind without a model here (a CRD such as the PodMonitor) is named in CUSTOM_KINDS, or fails.
     */
    @Test
    void everyObjectMatchesTheKubernetesApi() throws Exception {
        List<Manifests> all = new java.util.ArrayList<>(List.of(Manifests.base(DeployFiles.deploy("k8s/base"))));
        all.add(new Manifests(DeployFiles.yamlDocuments(DeployFiles.deploy("k8s/components/podmonitor/podmonitor.yaml"))));
        for (Path overlay : Manifests.overlays()) {
            all.add(new Manifests(Kustomize.render(overlay)));
        }
        for (Manifests m : all) {
            for (JsonNode doc : m.docs()) {
                String kind = doc.path("kind").asText();
                String what = kind + " " + doc.path("metadata").path("name").asText();
                if (CUSTOM_KINDS.contains(doc.path("apiVersion").asText() + "/" + kind)) {
                    continue;
                }
                KubernetesApi.Parser parser = KubernetesApi.MODELS.get(doc.path("apiVersion").asText() + "/" + kind);
                assertNotNull(parser, what + ": no model for " + doc.path("apiVersion").asText() + " " + kind);
                try {
                    parser.parse(DeployFiles.JSON.writeValueAsString(doc));
                } catch (IllegalArgumentException | java.io.IOException | com.google.gson.JsonParseException e) {
                    fail(what + " is not valid for the Kubernetes API: " + e.getMessage());
                }
            }
        }
    }

    /** The PodMonitor is a kustomize Component: an overlay without it renders no CRD kind at all. */
    @Test
    void podMonitorIsAnOptionalComponent() throws Exception {
        Path component = DeployFiles.deploy("k8s/components/podmonitor");
        assertEquals("Component", DeployFiles.YAML.readTree(component.resolve("kustomization.yaml").toFile()).path("kind").asText());
        int with = 0;
        for (Path overlay : Manifests.overlays()) {
            Manifests rendered = new Manifests(Kustomize.render(overlay));
            boolean listed = DeployFiles.YAML.readTree(overlay.resolve("kustomization.yaml").toFile()).path("components").toString()
                    .contains("components/podmonitor");
            assertEquals(listed ? 1 : 0, rendered.all("PodMonitor").size(), overlay + ": PodMonitor only with the component");
            for (JsonNode pm : rendered.all("PodMonitor")) {
                // The job Prometheus gives these pods is the one the rule tests derive from the files
                // (a namePrefix in an overlay would rename it, and the rules would miss it).
                String job = pm.path("metadata").path("namespace").asText() + "/" + pm.path("metadata").path("name").asText();
                assertEquals(PrometheusJobs.kubernetesJob(PrometheusJobs.namespaces().get(overlay.getFileName().toString())), job,
                        overlay + ": the rendered PodMonitor's job");
            }
            for (JsonNode doc : rendered.docs()) {
                if (!listed) {
                    assertFalse(doc.path("apiVersion").asText().startsWith("monitoring.coreos.com/"),
                            overlay + ": without the component nothing needs the operator's CRDs");
                }
            }
            with += listed ? 1 : 0;
        }
        assertTrue(with >= 1, "at least one overlay (prod) scrapes with the PodMonitor");
    }

    /** The probe paths and the metrics path answer on a real launcher's admin port, with the ConfigMap's file. */
    @Test
    void probesAndScrapePathWorkOnTheRunningApp() throws Exception {
        Manifests base = Manifests.base(DeployFiles.deploy("k8s/base"));
        JsonNode c = base.container();
        Path configFile = DeployFiles.deploy("k8s/base/application.yaml");
        String startup = c.path("startupProbe").path("httpGet").path("path").asText();
        String readiness = c.path("readinessProbe").path("httpGet").path("path").asText();
        String liveness = c.path("livenessProbe").path("httpGet").path("path").asText();
        String metricsPath = PrometheusJobs.podMonitor().path("spec").path("podMetricsEndpoints").get(0).path("path").asText();

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

    private static void checkAgainstApp(Manifests m, String what) throws Exception {
        JsonNode deployment = m.one("Deployment");
        JsonNode podSpec = deployment.path("spec").path("template").path("spec");
        JsonNode c = m.container();
        Map<String, String> podLabels = fields(deployment.path("spec").path("template").path("metadata").path("labels"));
        Map<String, String> effective = effectiveConfig(m, what);

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

        // Pod Security "restricted" (checked for every pod in checkDeploymentRules), and the uid of the image.
        long uid = podSpec.path("securityContext").path("runAsUser").asLong(c.path("securityContext").path("runAsUser").asLong(-1));
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

        for (JsonNode pm : m.all("PodMonitor")) {
            assertTrue(podLabels.entrySet().containsAll(fields(pm.path("spec").path("selector").path("matchLabels")).entrySet()), what + ": PodMonitor selector");
            JsonNode endpoint = pm.path("spec").path("podMetricsEndpoints").get(0);
            assertEquals(ports.get("admin"), resolvePort(endpoint.path("port"), ports), what + ": PodMonitor scrapes the admin port");
        }

        // NetworkPolicy: selects the app's pods; the public port is open, the admin port only to
        // the monitoring namespace (kubelet probes come from the node, which policies do not filter).
        JsonNode policy = find(m.all("NetworkPolicy"), n -> podLabels.entrySet().containsAll(
                fields(n.path("spec").path("podSelector").path("matchLabels")).entrySet()), what + ": a NetworkPolicy for the app's pods");
        assertTrue(contains(policy.path("spec").path("policyTypes"), "Ingress"), what + ": the NetworkPolicy restricts ingress");
        boolean httpOpen = false;
        boolean adminAllowed = false;
        for (JsonNode rule : policy.path("spec").path("ingress")) {
            for (JsonNode port : rule.path("ports")) {
                int p = resolvePort(port.path("port"), ports);
                if (p == ports.get("http") && !rule.has("from")) {
                    httpOpen = true;
                }
                if (p == ports.get("admin")) {
                    assertTrue(rule.path("from").size() > 0, what + ": the admin port must not be open to everyone");
                    for (JsonNode from : rule.path("from")) {
                        assertEquals(Set.of("namespaceSelector"), fieldNames(from), what + ": admin port: namespaces only, got " + from);
                        assertFalse(from.path("namespaceSelector").path("matchLabels").isEmpty(), what + ": admin port: a named namespace, not all of them");
                    }
                    adminAllowed = true;
                }
            }
        }
        assertTrue(httpOpen, what + ": the NetworkPolicy lets clients reach the http port");
        assertTrue(adminAllowed, what + ": the NetworkPolicy lets the monitoring namespace reach the admin port");
    }

    /**
     * Configuration the container ends up with: the file passed with --config is the mounted
     * ConfigMap; its keys and the environment variables are real keys of the app. Effective =
     * defaults < file < env < args. A variable set from a Secret has the value {@code secret:NAME/KEY}.
     */
    private static Map<String, String> effectiveConfig(Manifests m, String what) throws Exception {
        Map<String, String> defaults = DeployFiles.appDefaults();
        Set<String> keys = new java.util.HashSet<>(defaults.keySet());
        JsonNode podSpec = m.one("Deployment").path("spec").path("template").path("spec");
        JsonNode c = m.container();
        Map<String, String> effective = new LinkedHashMap<>(defaults);
        String configArg = null;
        Map<String, String> argKeys = new LinkedHashMap<>();
        for (JsonNode arg : c.path("args")) {
            String a = arg.asText();
            if (a.startsWith("--config=")) {
                configArg = a.substring("--config=".length());
            } else if (a.startsWith("--") && a.contains("=")) {
                String key = a.substring(2, a.indexOf('='));
                assertTrue(keys.contains(key), what + ": argument " + a + " names no configuration key");
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
            assertTrue(keys.contains(key), what + ": ConfigMap key " + key + " is not a configuration key of the app");
        }
        effective.putAll(fileKeys);
        Map<String, String> envToKey = new HashMap<>();
        keys.forEach(k -> envToKey.put(ServiceName.environmentVariable(k), k));
        for (JsonNode env : c.path("env")) {
            String name = env.path("name").asText();
            if (JVM_ENV.contains(name)) {
                continue;
            }
            String key = envToKey.get(name);
            assertNotNull(key, what + ": env " + name + " is not the variable of any configuration key");
            JsonNode secretRef = env.path("valueFrom").path("secretKeyRef");
            effective.put(key, secretRef.isObject()
                    ? "secret:" + secretRef.path("name").asText() + "/" + secretRef.path("key").asText()
                    : env.path("value").asText());
        }
        effective.putAll(argKeys);
        return effective;
    }

    /**
     * The rules of docs/DEPLOY.md that hold for every workload: no replicas where an HPA owns the
     * count; more than one replica only with the shared job store, its password from a mounted
     * Secret; no service links; a tokenless ServiceAccount; Pod Security "restricted" with a
     * read-only root file system; no mutable image tag that a node would not pull again.
     */
    private static void checkDeploymentRules(Manifests m, String what) throws Exception {
        for (JsonNode hpa : m.all("HorizontalPodAutoscaler")) {
            JsonNode target = hpa.path("spec").path("scaleTargetRef");
            JsonNode owned = find(m.docs(), d -> d.path("kind").asText().equals(target.path("kind").asText())
                    && d.path("metadata").path("name").asText().equals(target.path("name").asText()), what + ": HPA target " + target);
            assertFalse(owned.path("spec").has("replicas"), what + ": " + target.path("name").asText()
                    + " sets spec.replicas, which would reset the HPA's count on every kubectl apply");
            if (hpa.path("spec").path("maxReplicas").asInt() > 1) {
                checkSharedJobStore(m, what);
            }
        }
        for (JsonNode workload : m.docs()) {
            if (!Set.of("Deployment", "StatefulSet", "DaemonSet").contains(workload.path("kind").asText())) {
                continue;
            }
            String name = what + ": " + workload.path("kind").asText() + " " + workload.path("metadata").path("name").asText();
            JsonNode podSpec = workload.path("spec").path("template").path("spec");
            assertFalse(podSpec.path("enableServiceLinks").asBoolean(true), name + ": enableServiceLinks false");
            assertFalse(podSpec.path("automountServiceAccountToken").asBoolean(true), name + ": automountServiceAccountToken false");
            if (podSpec.has("serviceAccountName")) {
                JsonNode sa = find(m.all("ServiceAccount"), a -> a.path("metadata").path("name").asText()
                        .equals(podSpec.path("serviceAccountName").asText()), name + ": its ServiceAccount");
                assertFalse(sa.path("automountServiceAccountToken").asBoolean(true), name + ": the ServiceAccount mounts no token");
            }
            for (JsonNode c : podSpec.path("containers")) {
                checkRestricted(podSpec, c, name + " container " + c.path("name").asText());
                String image = c.path("image").asText();
                String policy = c.path("imagePullPolicy").asText("");
                assertTrue(policy.equals("Always") || PINNED_IMAGE.matcher(image).matches(), name + ": image " + image
                        + " has a mutable tag: imagePullPolicy must be Always (is '" + policy + "'), or pin a release or digest");
            }
        }
    }

    /** More than one replica: the postgres job store, with its credentials from a Secret. */
    private static void checkSharedJobStore(Manifests m, String what) throws Exception {
        Map<String, String> effective = effectiveConfig(m, what);
        JsonNode c = m.container();
        JsonNode podSpec = m.one("Deployment").path("spec").path("template").path("spec");
        assertEquals("postgres", effective.get("worker.store"), what + ": the HPA may run more than one replica, "
                + "so the job store must be shared (worker.store=postgres): with memory a job is only on the pod that took it");
        for (String key : List.of("worker.postgres.url", "worker.postgres.user")) {
            assertFalse(effective.getOrDefault(key, "").isBlank(), what + ": " + key + " is set");
        }
        assertEquals("", effective.getOrDefault("worker.postgres.password", ""), what + ": the password comes from a file, never a plain value");
        String passwordFile = effective.getOrDefault("worker.postgres.password-file", "");
        JsonNode mount = find(c.path("volumeMounts"), v -> passwordFile.startsWith(v.path("mountPath").asText() + "/"),
                what + ": a mount holding worker.postgres.password-file " + passwordFile);
        JsonNode volume = find(podSpec.path("volumes"), v -> v.path("name").asText().equals(mount.path("name").asText()),
                what + ": volume " + mount.path("name").asText());
        assertTrue(volume.path("secret").isObject(), what + ": the password file is a mounted Secret");
        assertTrue(effective.get("worker.postgres.user").startsWith("secret:"), what + ": the user comes from the Secret too");
    }

    /** Pod Security "restricted", plus a read-only root file system with a writable /tmp. */
    private static void checkRestricted(JsonNode podSpec, JsonNode c, String what) {
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
    }

    /** The numeric user of the Dockerfile's USER line. */
    static long dockerfileUid() throws Exception {
        Matcher m = Pattern.compile("(?m)^USER\\s+(\\d+)(?::\\d+)?\\s*$").matcher(Files.readString(DeployFiles.deploy("container/Dockerfile")));
        assertTrue(m.find(), "the Dockerfile needs a numeric USER uid[:gid]");
        return Long.parseLong(m.group(1));
    }
}

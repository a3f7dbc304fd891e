package dev.echoport.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import dev.echoport.config.Settings;
import dev.echoport.config.SettingsLoader;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The manifests in k8s/ as `kubectl kustomize` renders them, read into the Kubernetes API types with unknown fields
 * rejected, and the properties the service depends on: non-root, read-only root with an exec-capable emptyDir where
 * Netty unpacks its natives, a termination grace period longer than the drain, probes on the admin port.
 */
class KubernetesManifestsTest {
    private static final Path K8S = Path.of(System.getProperty("echoport.k8s.dir", "../k8s"));
    private static final Path DOCKERFILE = K8S.resolveSibling("docker").resolve("Dockerfile");

    @ParameterizedTest(name = "kubectl kustomize k8s/{0}")
    @ValueSource(strings = {"", "base", "overlays/example", "overlays/v1", "overlays/v2", "overlays/ipv6",
            "overlays/dual-stack"})
    void everyRenderedObjectIsAValidApiObjectAndKeepsTheServiceInvariants(String dir) throws Exception {
        List<HasMetadata> objects = StrictKubernetesTypes.parseAll(render(K8S.resolve(dir)));

        Map<String, Long> kinds = objects.stream()
                .collect(Collectors.groupingBy(HasMetadata::getKind, Collectors.counting()));
        assertThat(kinds).containsKeys("Deployment", "Service", "ConfigMap", "PodDisruptionBudget",
                "HorizontalPodAutoscaler", "NetworkPolicy", "ServiceMonitor");

        Deployment deployment = only(objects, Deployment.class);
        ConfigMap configMap = only(objects, ConfigMap.class);
        Service service = only(objects, Service.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().get(0);
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();

        // The HOCON in the ConfigMap is valid for the service itself (unknown keys fail there too).
        Settings settings = SettingsLoader.fromConfig(
                ConfigFactory.parseString(configMap.getData().get("echoport.conf"))
                        .withFallback(SettingsLoader.defaults()).resolve());
        assertThat(container.getArgs()).containsSubsequence("--config", "/etc/echoport/echoport.conf");
        assertThat(pod.getVolumes()).filteredOn(v -> v.getConfigMap() != null)
                .extracting(v -> v.getConfigMap().getName()).containsExactly(configMap.getMetadata().getName());

        // Non-root, read-only root filesystem, no privilege escalation.
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop()).contains("ALL");

        // Netty's native workdir (set in the image's ENTRYPOINT) is an emptyDir: writable and exec-capable.
        String nativeWorkdir = dockerfileSystemProperty("io.netty.native.workdir");
        VolumeMount workdirMount = container.getVolumeMounts().stream()
                .filter(m -> m.getMountPath().equals(nativeWorkdir)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at the native workdir " + nativeWorkdir));
        Volume workdirVolume = pod.getVolumes().stream().filter(v -> v.getName().equals(workdirMount.getName()))
                .findFirst().orElseThrow();
        assertThat(workdirVolume.getEmptyDir()).as("volume at %s", nativeWorkdir).isNotNull();
        assertThat(workdirMount.getReadOnly()).isNotEqualTo(Boolean.TRUE);

        // The kubelet waits longer than preStop plus the drain before it kills.
        long preStopSeconds = container.getLifecycle().getPreStop().getSleep().getSeconds();
        assertThat(pod.getTerminationGracePeriodSeconds())
                .as("terminationGracePeriodSeconds vs preStop %ss + shutdown.grace-period %s", preStopSeconds,
                        settings.shutdownGracePeriod())
                .isGreaterThan(preStopSeconds + settings.shutdownGracePeriod().toSeconds());

        // Ports agree with the settings; probes use the admin port's health paths.
        Map<String, Integer> ports = container.getPorts().stream()
                .collect(Collectors.toMap(ContainerPort::getName, ContainerPort::getContainerPort));
        assertThat(ports).containsEntry("echo", settings.server().port())
                .containsEntry("admin", settings.admin().port());
        assertProbe(container.getReadinessProbe().getHttpGet(), "/health/ready", ports);
        assertProbe(container.getLivenessProbe().getHttpGet(), "/health/live", ports);
        assertProbe(container.getStartupProbe().getHttpGet(), "/health/live", ports);
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(container.getResources().getLimits()).containsKey("memory");

        // Prometheus: pod annotations for the classic scrape job, a ServiceMonitor for the operator.
        assertThat(deployment.getSpec().getTemplate().getMetadata().getAnnotations())
                .containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", String.valueOf(settings.admin().port()))
                .containsEntry("prometheus.io/path", "/metrics");
        ServiceMonitor monitor = only(objects, ServiceMonitor.class);
        assertThat(service.getMetadata().getLabels())
                .containsAllEntriesOf(monitor.getSpec().getSelector().getMatchLabels());
        assertThat(monitor.getSpec().getEndpoints()).singleElement().satisfies(e -> {
            assertThat(e.getPath()).isEqualTo("/metrics");
            assertThat(service.getSpec().getPorts()).extracting(ServicePort::getName).contains(e.getPort());
        });

        // Every selector picks exactly these pods.
        assertThat(podLabels).containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(podLabels).containsAllEntriesOf(
                only(objects, PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels());
        assertThat(only(objects, PodDisruptionBudget.class).getSpec().getSelector().getMatchLabels()).isNotEmpty();
        NetworkPolicy policy = only(objects, NetworkPolicy.class);
        assertThat(policy.getSpec().getPodSelector().getMatchLabels()).isNotEmpty();
        assertThat(podLabels).containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
        assertThat(service.getSpec().getPorts()).extracting(p -> p.getTargetPort().getStrVal())
                .containsExactlyInAnyOrder("echo", "admin");

        HorizontalPodAutoscaler hpa = only(objects, HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
        assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
        assertThat(hpa.getSpec().getMinReplicas()).isGreaterThanOrEqualTo(2);
    }

    /** Each of the v1/v2 pair answers with its own version: the prefix is the pod's version label (downward API). */
    @ParameterizedTest(name = "kubectl kustomize k8s/overlays/{0}")
    @ValueSource(strings = {"v1", "v2"})
    void aVersionOverlayPrefixesEveryReplyWithItsVersionLabel(String version) throws Exception {
        List<HasMetadata> objects = StrictKubernetesTypes.parseAll(render(K8S.resolve("overlays/" + version)));
        Deployment deployment = only(objects, Deployment.class);
        assertThat(deployment.getMetadata().getName()).isEqualTo("echoport-" + version);
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(podLabels).containsEntry("version", version);
        assertThat(deployment.getSpec().getSelector().getMatchLabels()).containsEntry("version", version);
        EnvVar prefix = env(deployment, "ECHOPORT_PREFIX");
        String field = prefix.getValueFrom().getFieldRef().getFieldPath();
        assertThat(field).isEqualTo("metadata.labels['version']");
        // What the kubelet puts into the variable is a valid echo.prefix for the service.
        Settings settings = SettingsLoader.fromConfig(ConfigFactory.parseString(
                        only(objects, ConfigMap.class).getData().get("echoport.conf"))
                .withFallback(ConfigFactory.parseMap(Map.of("echoport.echo.prefix", podLabels.get("version"))))
                .withFallback(SettingsLoader.defaults()).resolve());
        assertThat(settings.echo().prefix()).isEqualTo(version);
        assertThat(only(objects, ServiceMonitor.class).getSpec().getSelector().getMatchLabels())
                .containsEntry("version", version);
    }

    /** ../split: both versions behind one Service whose selector picks the pods of each, and nothing collides. */
    @Test
    void theSplitOverlayServesBothVersionsBehindOneService() throws Exception {
        List<HasMetadata> objects = StrictKubernetesTypes.parseAll(render(K8S.resolve("overlays/split")));
        assertThat(objects).extracting(o -> o.getKind() + "/" + o.getMetadata().getName()).doesNotHaveDuplicates();
        List<Deployment> deployments = objects.stream().filter(Deployment.class::isInstance)
                .map(Deployment.class::cast).toList();
        assertThat(deployments).extracting(d -> d.getSpec().getTemplate().getMetadata().getLabels().get("version"))
                .containsExactlyInAnyOrder("v1", "v2");
        Service shared = objects.stream().filter(Service.class::isInstance).map(Service.class::cast)
                .filter(svc -> svc.getMetadata().getName().equals("echoport")).findFirst().orElseThrow();
        assertThat(shared.getSpec().getSelector()).isNotEmpty().doesNotContainKey("version");
        for (Deployment d : deployments) {
            assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
                    .as("pods of %s selected by the shared Service", d.getMetadata().getName())
                    .containsAllEntriesOf(shared.getSpec().getSelector());
            assertThat(d.getMetadata().getNamespace()).isEqualTo("echoport");
        }
        assertThat(objects).filteredOn(o -> o.getKind().equals("Namespace")).hasSize(1);
    }

    /** IPv6-only and dual-stack: the Service's IP families, and echoport listening on "::" for echo and probes. */
    @ParameterizedTest(name = "kubectl kustomize k8s/overlays/{0}")
    @ValueSource(strings = {"ipv6", "dual-stack"})
    void ipFamilyOverlaysSetTheServiceFamiliesAndListenOnAllAddresses(String overlay) throws Exception {
        List<HasMetadata> objects = StrictKubernetesTypes.parseAll(render(K8S.resolve("overlays/" + overlay)));
        Service service = only(objects, Service.class);
        if (overlay.equals("ipv6")) {
            assertThat(service.getSpec().getIpFamilyPolicy()).isEqualTo("SingleStack");
            assertThat(service.getSpec().getIpFamilies()).containsExactly("IPv6");
        } else {
            assertThat(service.getSpec().getIpFamilyPolicy()).isEqualTo("RequireDualStack");
            assertThat(service.getSpec().getIpFamilies()).containsExactly("IPv4", "IPv6");
        }
        Deployment deployment = only(objects, Deployment.class);
        assertThat(env(deployment, "ECHOPORT_HOST").getValue()).isEqualTo("::");
        assertThat(env(deployment, "ECHOPORT_ADMIN_HOST").getValue()).isEqualTo("::");
        // The environment wins over the ConfigMap's hosts, and the service accepts the result.
        Settings settings = SettingsLoader.fromConfig(ConfigFactory.parseMap(Map.of("echoport.host", "::",
                        "echoport.admin.host", "::"))
                .withFallback(ConfigFactory.parseString(only(objects, ConfigMap.class).getData().get("echoport.conf")))
                .withFallback(SettingsLoader.defaults()).resolve());
        assertThat(settings.server().host()).isEqualTo("::");
        assertThat(settings.admin().host()).isEqualTo("::");
    }

    private static EnvVar env(Deployment deployment, String name) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not set on " + deployment.getMetadata().getName()));
    }

    @Test
    void aMisspeltFieldAnywhereIsRejected() throws Exception {
        List<JsonNode> docs = StrictKubernetesTypes.documents(render(K8S));
        JsonNode deployment = docs.stream().filter(d -> d.path("kind").asText().equals("Deployment"))
                .findFirst().orElseThrow();

        ObjectNode topLevel = deployment.deepCopy();
        ((ObjectNode) topLevel.get("spec")).put("replica", 2);
        assertRejected(topLevel, "replica");

        ObjectNode inContainer = deployment.deepCopy();
        ObjectNode container = (ObjectNode) inContainer.at("/spec/template/spec/containers/0");
        container.set("readinesProbe", container.get("readinessProbe"));
        assertRejected(inContainer, "readinesProbe");

        ObjectNode inSecurityContext = deployment.deepCopy();
        ((ObjectNode) inSecurityContext.at("/spec/template/spec/containers/0/securityContext"))
                .put("readOnlyRootFileSystem", true);
        assertRejected(inSecurityContext, "readOnlyRootFileSystem");

        JsonNode monitor = docs.stream().filter(d -> d.path("kind").asText().equals("ServiceMonitor"))
                .findFirst().orElseThrow();
        ObjectNode inMonitor = monitor.deepCopy();
        ((ObjectNode) ((ArrayNode) inMonitor.at("/spec/endpoints")).get(0)).put("intervall", "15s");
        assertRejected(inMonitor, "intervall");

        ObjectNode unknownKind = deployment.deepCopy();
        unknownKind.put("kind", "Deploymnet");
        assertThatThrownBy(() -> StrictKubernetesTypes.toTyped(unknownKind))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no API type known");

        // The unmodified documents pass, so the rejections above are caused by the misspellings alone.
        assertThat(StrictKubernetesTypes.toTyped(deployment)).isInstanceOf(Deployment.class);
        assertThat(StrictKubernetesTypes.toTyped(monitor)).isInstanceOf(ServiceMonitor.class);
    }

    @Test
    void aMisspeltFieldPatchedInThroughKustomizeFailsValidation(@TempDir Path dir)
            throws Exception {
        Files.writeString(dir.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                # kustomize accepts only relative paths to other kustomizations.
                resources:
                  - %s
                patches:
                  - target:
                      kind: Deployment
                      name: echoport
                    patch: |-
                      - op: add
                        path: /spec/template/spec/terminationGracePeriod
                        value: 60
                """.formatted(dir.toAbsolutePath().relativize(K8S.resolve("base").toAbsolutePath().normalize())));
        String rendered = render(dir);
        assertThatThrownBy(() -> StrictKubernetesTypes.parseAll(rendered))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("apps/v1/Deployment echoport").hasMessageContaining("terminationGracePeriod");
    }

    private static void assertRejected(JsonNode doc, String field) {
        assertThatThrownBy(() -> StrictKubernetesTypes.toTyped(doc))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unrecognized field \"" + field + "\"");
    }

    private static void assertProbe(HTTPGetAction probe, String path, Map<String, Integer> ports) {
        assertThat(probe.getPath()).isEqualTo(path);
        String port = probe.getPort().getStrVal() != null ? probe.getPort().getStrVal() : null;
        int number = port != null ? ports.getOrDefault(port, -1) : probe.getPort().getIntVal();
        assertThat(number).as("probe %s port", path).isEqualTo(ports.get("admin"));
    }

    private static <T extends HasMetadata> T only(List<HasMetadata> objects, Class<T> type) {
        List<T> matching = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(matching).as("objects of kind %s", type.getSimpleName()).hasSize(1);
        return matching.get(0);
    }

    private static String dockerfileSystemProperty(String name) throws IOException {
        Matcher m = Pattern.compile("\"-D" + Pattern.quote(name) + "=([^\"]+)\"").matcher(Files.readString(DOCKERFILE));
        assertThat(m.find()).as("%s set in %s", name, DOCKERFILE).isTrue();
        return m.group(1);
    }

    private static String render(Path dir) throws IOException, InterruptedException {
        return Prerequisites.run(60, Prerequisites.kubectl(), "kustomize", dir.toString());
    }

}

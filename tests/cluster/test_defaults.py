"""Defaulting: objects read back as a real cluster's, and defaulting twice is defaulting once."""
import copy
import ipaddress

import pytest

from cluster import defaults, kinds, store
from cluster.admission import token_volume_source
from cluster.errors import Invalid

from .validation.manifests import (
    changed,
    claim,
    container,
    cron_job,
    daemon_set,
    deployment,
    job,
    pod,
    replica_set,
    secret,
    service,
    stateful_set,
    template,
)

pytestmark = pytest.mark.django_db

CONTAINER_DEFAULTS = {"imagePullPolicy": "IfNotPresent", "resources": {},
                      "terminationMessagePath": "/dev/termination-log",
                      "terminationMessagePolicy": "File"}
TEMPLATE_SPEC_DEFAULTS = {"dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
                          "schedulerName": "default-scheduler", "securityContext": {},
                          "terminationGracePeriodSeconds": 30}
NOT_READY_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
     "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
     "tolerationSeconds": 300},
]


def test_a_pod_reads_back_as_a_real_clusters():
    created = store.create(pod())
    # The ServiceAccount admission's volume, as every pod of a real cluster has it.
    token = created["spec"]["volumes"][0]["name"]
    mount = {"name": token, "readOnly": True,
             "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
    assert created["spec"] == {
        "containers": [{"name": "web", "image": "nginx:1.27", "volumeMounts": [mount],
                        **CONTAINER_DEFAULTS}],
        **TEMPLATE_SPEC_DEFAULTS, "enableServiceLinks": True, "priority": 0,
        "preemptionPolicy": "PreemptLowerPriority", "serviceAccountName": "default",
        "serviceAccount": "default", "tolerations": NOT_READY_TOLERATIONS,
        "volumes": [{"name": token, "projected": token_volume_source()}],
    }
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


@pytest.mark.parametrize("image,policy", [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.27", "IfNotPresent"),
    ("localhost:5000/app", "Always"), ("localhost:5000/app:v2", "IfNotPresent"),
    ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
])
def test_image_pull_policy_follows_the_tag(image, policy):
    created = store.create(pod(containers=[container(image=image)]))
    assert created["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_container_details_are_defaulted():
    probe = {"httpGet": {"port": 8080}}
    created = store.create(pod(containers=[container(
        ports=[{"containerPort": 80}], livenessProbe=probe,
        env=[{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        resources={"limits": {"cpu": "0.5", "memory": "1024Mi"}})],
        volumes=[{"name": "scratch"}, {"name": "cfg", "configMap": {"name": "settings"}}]))
    spec = created["spec"]
    web = spec["containers"][0]
    assert web["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert web["livenessProbe"] == {"httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"},
                                    "timeoutSeconds": 1, "periodSeconds": 10,
                                    "successThreshold": 1, "failureThreshold": 3}
    assert web["env"][0]["valueFrom"]["fieldRef"] == {"fieldPath": "spec.nodeName",
                                                      "apiVersion": "v1"}
    # Canonical quantities, and a Pod requests what it limits.
    assert web["resources"] == {"limits": {"cpu": "500m", "memory": "1Gi"},
                                "requests": {"cpu": "500m", "memory": "1Gi"}}
    assert spec["volumes"][:2] == [{"name": "scratch", "emptyDir": {}},
                                   {"name": "cfg", "configMap": {"name": "settings",
                                                                 "defaultMode": 420}}]
    assert created["status"]["qosClass"] == "Guaranteed"


def test_a_deployment_gets_its_strategy_and_limits():
    spec = store.create(deployment())["spec"]
    assert {k: v for k, v in spec.items() if k not in ("selector", "template")} == {
        "replicas": 1, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
        "strategy": {"type": "RollingUpdate",
                     "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
    }
    # A template gets the pod spec's defaults, but not what admission adds to Pods.
    assert spec["template"]["spec"] == {
        "containers": [{"name": "web", "image": "nginx:1.27", **CONTAINER_DEFAULTS}],
        **TEMPLATE_SPEC_DEFAULTS}


def test_a_recreate_deployment_gets_no_rolling_update():
    spec = store.create(deployment(strategy={"type": "Recreate"}))["spec"]
    assert spec["strategy"] == {"type": "Recreate"}


def test_daemon_and_stateful_sets():
    ds = store.create(daemon_set())["spec"]
    assert ds["updateStrategy"] == {"type": "RollingUpdate",
                                    "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert ds["revisionHistoryLimit"] == 10
    sts = changed(stateful_set(), spec__serviceName="db", spec__volumeClaimTemplates=[{
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}])
    spec = store.create(sts)["spec"]
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain",
                                                            "whenScaled": "Retain"}
    assert (spec["replicas"], spec["revisionHistoryLimit"]) == (1, 10)
    assert spec["volumeClaimTemplates"] == [{
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                 "volumeMode": "Filesystem"},
        "status": {"phase": "Pending"}}]


def test_status_counters_read_back_at_zero():
    # Go writes these int32s even at zero; the Python client's models require them.
    assert store.create(replica_set())["status"] == {"replicas": 0}
    assert store.create(stateful_set())["status"] == {"replicas": 0, "availableReplicas": 0}
    assert store.create(daemon_set())["status"] == {
        "currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0,
        "numberReady": 0}
    assert store.create(deployment())["status"] == {}  # every DeploymentStatus field omitempty


def test_jobs_and_cron_jobs():
    created = store.create(job())
    uid = created["metadata"]["uid"]
    assert {k: v for k, v in created["spec"].items() if k != "template"} == {
        "completions": 1, "parallelism": 1, "backoffLimit": 6, "completionMode": "NonIndexed",
        "suspend": False, "podReplacementPolicy": "TerminatingOrFailed", "manualSelector": False,
        "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}}
    assert created["metadata"]["labels"] == {"app": "web"}  # the template's, as upstream copies
    parallel = store.create(changed(job("many"), spec__parallelism=3))["spec"]
    assert "completions" not in parallel
    spec = store.create(cron_job())["spec"]
    assert {k: v for k, v in spec.items() if k not in ("schedule", "jobTemplate")} == {
        "concurrencyPolicy": "Allow", "suspend": False, "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 1}
    assert spec["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst"
    assert "backoffLimit" not in spec["jobTemplate"]["spec"]


def test_a_service_gets_a_cluster_ip_and_its_port_defaults():
    spec = store.create(service())["spec"]
    assert ipaddress.ip_address(spec["clusterIP"]) in ipaddress.ip_network("10.96.0.0/12")
    assert spec["clusterIPs"] == [spec["clusterIP"]]
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert {k: v for k, v in spec.items() if k not in ("clusterIP", "clusterIPs", "ports")} == {
        "selector": {"app": "web"}, "type": "ClusterIP", "sessionAffinity": "None",
        "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack"}


def test_cluster_ips_and_node_ports_are_unique():
    ips = {store.create(service(f"svc-{i}"))["spec"]["clusterIP"] for i in range(20)}
    assert len(ips) == 20
    first = store.create(service("np", type="NodePort"))["spec"]
    assert first["ports"][0]["nodePort"] in range(30000, 32768)
    assert first["externalTrafficPolicy"] == "Cluster"
    taken = first["ports"][0]["nodePort"]
    with pytest.raises(Invalid, match="provided port is already allocated"):
        store.create(service("np2", type="NodePort", ports=[{"port": 80, "nodePort": taken}]))
    with pytest.raises(Invalid, match="provided IP is already allocated"):
        store.create(service("dup", clusterIP=first["clusterIP"]))


def test_a_headless_service_keeps_none():
    spec = store.create(service(clusterIP="None"))["spec"]
    assert (spec["clusterIP"], spec["clusterIPs"]) == ("None", ["None"])


def test_an_update_without_allocated_values_keeps_them():
    live = store.create(service(type="NodePort"))
    manifest = service(type="NodePort")  # as a PUT of the original manifest sends it
    manifest["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
    updated = store.update(manifest)
    assert updated["spec"]["clusterIP"] == live["spec"]["clusterIP"]
    assert updated["spec"]["ports"] == live["spec"]["ports"]


def test_secrets_merge_string_data_and_claims_default_their_mode():
    created = store.create(changed(secret(password="b2xk"), stringData={"password": "new",
                                                                        "user": "me"}))
    assert created["type"] == "Opaque"
    assert created["data"] == {"password": "bmV3", "user": "bWU="}
    assert "stringData" not in created
    pvc = store.create(claim())
    assert pvc["spec"]["volumeMode"] == "Filesystem"
    assert pvc["status"] == {"phase": "Pending"}


MANIFESTS = [pod(), deployment(), daemon_set(), stateful_set(), job(), cron_job(),
             service(), service("np", type="NodePort"), secret(a="YQ=="), claim(),
             deployment("tmpl", template=template(containers=[container(
                 livenessProbe={"tcpSocket": {"port": 80}},
                 resources={"requests": {"cpu": "0.25"}})]))]


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda m: m["metadata"]["name"])
def test_defaulting_is_idempotent_and_stored_objects_round_trip(manifest):
    kind = kinds.for_object(manifest)
    created = store.create(manifest)
    again = copy.deepcopy(created)
    defaults.apply(kind, again)
    assert again == created
    # An update that sends the object back as read changes nothing, not even its version.
    assert store.update(copy.deepcopy(created)) == created

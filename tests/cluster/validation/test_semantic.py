"""Semantic validation, end to end through the store: each bad manifest and kube-apiserver's message."""
import pytest

from cluster import store
from cluster.errors import Invalid

from .manifests import (
    DELETE,
    changed,
    claim,
    config_map,
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

SUBDOMAIN = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
             "'-' or '.', and must start and end with an alphanumeric character (e.g. "
             "'example.com', regex used for validation is "
             r"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
         "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
         "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035 = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
           "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
           "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
LABEL_VALUE = ("a valid label must be an empty string or consist of alphanumeric characters, '-', "
               "'_' or '.', and must start and end with an alphanumeric character (e.g. "
               "'MyValue',  or 'my_value',  or '12345', regex used for validation is "
               "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
NAME_PART = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
             "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
             "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
MISMATCH = "`selector` does not match template `labels`"
PORT_RANGE = "must be between 1 and 65535, inclusive"

CREATE_CASES = [
    # metadata
    (pod("Web_1"), f'Pod "Web_1" is invalid: metadata.name: Invalid value: "Web_1": {SUBDOMAIN}'),
    (changed(pod(), metadata={}),
     'Pod "" is invalid: metadata.name: Required value: name or generateName is required'),
    (service("1web"), f'Service "1web" is invalid: metadata.name: Invalid value: "1web": {DNS1035}'),
    ({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "Team_A"}},
     f'Namespace "Team_A" is invalid: metadata.name: Invalid value: "Team_A": {LABEL}'),
    ({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team.a"}},
     'Namespace "team.a" is invalid: metadata.name: Invalid value: "team.a": must not contain dots'),
    (changed(pod(), metadata__labels={"app": "bad value!"}),
     f'Pod "web" is invalid: metadata.labels: Invalid value: "bad value!": {LABEL_VALUE}'),
    (changed(pod(), metadata__labels={"-app": "web"}),
     f'Pod "web" is invalid: metadata.labels: Invalid value: "-app": {NAME_PART}'),
    (changed(pod(), metadata__annotations={"a/b/c": "x"}),
     ('Pod "web" is invalid: metadata.annotations: Invalid value: "a/b/c": a qualified name must '
      "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
      "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
      "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain "
      "prefix and '/' (e.g. 'example.com/MyName')")),
    (changed(config_map(), metadata__annotations={"note": "x" * (256 * 1024)}),
     ('ConfigMap "settings" is invalid: metadata.annotations: Too long: may not be more than '
      "262144 bytes")),
    # workloads
    (deployment(template=template(labels={"app": "x"})),
     ('Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: '
      f'map[string]string{{"app":"x"}}: {MISMATCH}')),
    (changed(deployment(), spec__selector=DELETE),
     ('Deployment.apps "web" is invalid: [spec.selector: Required value, '
      f'spec.template.metadata.labels: Invalid value: map[string]string{{"app":"web"}}: {MISMATCH}]')),
    (changed(deployment(), spec__selector={}),
     ('Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{'
      "MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: "
      "empty selector is invalid for deployment")),
    (changed(deployment(), spec__selector={"matchExpressions": [{"key": "app", "operator": "In"}]}),
     ('Deployment.apps "web" is invalid: [spec.selector.matchExpressions[0].values: Required value: '
      "must be specified when `operator` is 'In' or 'NotIn', spec.selector: Invalid value: "
      "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1."
      'LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"In", '
      "Values:[]string(nil)}}}: invalid label selector]")),
    (deployment(replicas=-1),
     ('Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or '
      "equal to 0")),
    (deployment(strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}),
     ('Deployment.apps "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: '
      'intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0')),
    (deployment(strategy={"rollingUpdate": {"maxUnavailable": "110%"}}),
     ('Deployment.apps "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid value: '
      'intstr.IntOrString{Type:1, IntVal:0, StrVal:"110%"}: must not be greater than 100%')),
    (deployment(strategy={"type": "Recreate", "rollingUpdate": {}}),
     ('Deployment.apps "web" is invalid: spec.strategy.rollingUpdate: Forbidden: may not be '
      "specified when strategy `type` is 'Recreate'")),
    (deployment(template=template(restartPolicy="Never")),
     ('Deployment.apps "web" is invalid: spec.template.spec.restartPolicy: Unsupported value: '
      '"Never": supported values: "Always"')),
    (changed(replica_set(), spec__template__metadata__labels={"app": "x"}),
     ('ReplicaSet.apps "web" is invalid: spec.template.metadata.labels: Invalid value: '
      f'map[string]string{{"app":"x"}}: {MISMATCH}')),
    (changed(daemon_set(), spec__template__metadata__labels={"app": "x"}),
     ('DaemonSet.apps "agent" is invalid: spec.template.metadata.labels: Invalid value: '
      f'map[string]string{{"app":"x"}}: {MISMATCH}')),
    (changed(stateful_set(), spec__template__spec__restartPolicy="OnFailure"),
     ('StatefulSet.apps "db" is invalid: spec.template.spec.restartPolicy: Unsupported value: '
      '"OnFailure": supported values: "Always"')),
    (job(restart_policy=None),
     ('Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Required value: valid values: '
      '"OnFailure", "Never"')),
    (changed(job(), spec__backoffLimit=-1),
     ('Job.batch "pi" is invalid: spec.backoffLimit: Invalid value: -1: must be greater than or '
      "equal to 0")),
    (cron_job(schedule="* * *"),
     ('CronJob.batch "backup" is invalid: spec.schedule: Invalid value: "* * *": expected exactly 5 '
      "fields, found 3: [* * *]")),
    (cron_job(schedule="0 25 * * *"),
     ('CronJob.batch "backup" is invalid: spec.schedule: Invalid value: "0 25 * * *": end of range '
      "(25) above maximum (23): 25")),
    (changed(cron_job(), spec__concurrencyPolicy="Sometimes"),
     ('CronJob.batch "backup" is invalid: spec.concurrencyPolicy: Unsupported value: "Sometimes": '
      'supported values: "Allow", "Forbid", "Replace"')),
    (cron_job("a" * 53),
     (f'CronJob.batch "{"a" * 53}" is invalid: metadata.name: Invalid value: "{"a" * 53}": must be '
      "no more than 52 characters")),
    (changed(cron_job(), spec__jobTemplate__spec__template__spec__restartPolicy="Always"),
     ('CronJob.batch "backup" is invalid: spec.jobTemplate.spec.template.spec.restartPolicy: '
      'Required value: valid values: "OnFailure", "Never"')),
    # pod specs, also inside templates
    (pod(containers=[container(), container(image="busybox")]),
     'Pod "web" is invalid: spec.containers[1].name: Duplicate value: "web"'),
    (pod(initContainers=[container()]),
     'Pod "web" is invalid: spec.initContainers[0].name: Duplicate value: "web"'),
    (pod(containers=[]), 'Pod "web" is invalid: spec.containers: Required value'),
    (pod(containers=[container(image="")]),
     'Pod "web" is invalid: spec.containers[0].image: Required value'),
    (pod(containers=[container("Web")]),
     f'Pod "web" is invalid: spec.containers[0].name: Invalid value: "Web": {LABEL}'),
    (pod(containers=[container(ports=[{"name": "http", "containerPort": 80},
                                      {"name": "http", "containerPort": 81}])]),
     'Pod "web" is invalid: spec.containers[0].ports[1].name: Duplicate value: "http"'),
    (pod(containers=[container(ports=[{"containerPort": 70000, "hostPort": 0}])]),
     (f'Pod "web" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: '
      f"{PORT_RANGE}")),
    (pod(containers=[container(ports=[{"containerPort": 80, "protocol": "HTTP"}])]),
     ('Pod "web" is invalid: spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": '
      'supported values: "SCTP", "TCP", "UDP"')),
    (pod(restartPolicy="Sometimes"),
     ('Pod "web" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: '
      '"Always", "Never", "OnFailure"')),
    (pod(containers=[container(resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1"}})]),
     ('Pod "web" is invalid: spec.containers[0].resources.requests: Invalid value: "2": must be less '
      "than or equal to cpu limit of 1")),
    (pod(containers=[container(resources={"requests": {"memory": "-1Gi"}})]),
     ('Pod "web" is invalid: spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": '
      "must be greater than or equal to 0")),
    (pod(containers=[container(resources={"requests": {"gpu": "1"}})]),
     ('Pod "web" is invalid: [spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must '
      "be a standard resource type or fully qualified, spec.containers[0].resources.requests[gpu]: "
      'Invalid value: "gpu": must be a standard resource for containers]')),
    (pod(containers=[container(volumeMounts=[{"name": "data", "mountPath": "/data"}])]),
     'Pod "web" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "data"'),
    (pod(containers=[container(livenessProbe={"periodSeconds": 5})]),
     ('Pod "web" is invalid: spec.containers[0].livenessProbe: Required value: must specify a '
      "handler type")),
    (pod(containers=[container(env=[{"name": "MODE", "value": "x",
                                     "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}])]),
     ('Pod "web" is invalid: spec.containers[0].env[0].valueFrom: Invalid value: "": may not be '
      "specified when `value` is not empty")),
    (pod(volumes=[{"name": "cfg", "configMap": {"name": "a"}, "secret": {"secretName": "b"}}]),
     ('Pod "web" is invalid: spec.volumes[0].configMap: Forbidden: may not specify more than 1 '
      "volume type")),
    (deployment(template=template(containers=[container(image="")])),
     'Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value'),
    (changed(pod("Web_1"), spec__containers__0__image="", spec__restartPolicy="Sometimes"),
     (f'Pod "Web_1" is invalid: [metadata.name: Invalid value: "Web_1": {SUBDOMAIN}, '
      "spec.containers[0].image: Required value, spec.restartPolicy: Unsupported value: "
      '"Sometimes": supported values: "Always", "Never", "OnFailure"]')),
    # services, config
    (service(ports=[{"port": 80}, {"port": 443}]),
     ('Service "web" is invalid: [spec.ports[0].name: Required value, spec.ports[1].name: '
      "Required value]")),
    (service(ports=[{"name": "http", "port": 80}, {"name": "http", "port": 81}]),
     'Service "web" is invalid: spec.ports[1].name: Duplicate value: "http"'),
    (service(ports=[{"port": 70000}]),
     (f'Service "web" is invalid: [spec.ports[0].port: Invalid value: 70000: {PORT_RANGE}, '
      f"spec.ports[0].targetPort: Invalid value: 70000: {PORT_RANGE}]")),
    (service(ports=[{"port": 80, "targetPort": "http_port"}]),
     ('Service "web" is invalid: spec.ports[0].targetPort: Invalid value: "http_port": must contain '
      "only alpha-numeric characters (a-z, 0-9), and hyphens (-)")),
    (service(type="Internal"),
     ('Service "web" is invalid: spec.type: Unsupported value: "Internal": supported values: '
      '"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"')),
    (service(clusterIP="10.0.0.1"),
     ('Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"10.0.0.1"}: failed to '
      "allocate IP 10.0.0.1: the provided IP (10.0.0.1) is not in the valid range. The range of "
      "valid IPs is 10.96.0.0/12")),
    (service(type="NodePort", ports=[{"port": 80, "nodePort": 80}]),
     ('Service "web" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in '
      "the valid range. The range of valid ports is 30000-32767")),
    (config_map(**{"bad key": "x"}),
     ('ConfigMap "settings" is invalid: data[bad key]: Invalid value: "bad key": a valid config key '
      "must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  "
      "or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")),
    (secret("tls", "kubernetes.io/tls"),
     'Secret "tls" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]'),
    (claim(accessModes=[], resources={}),
     ('PersistentVolumeClaim "data" is invalid: [spec.accessModes: Required value: at least 1 access '
      "mode is required, spec.resources[storage]: Required value]")),
]


@pytest.mark.parametrize("manifest,message", CREATE_CASES)
def test_create_rejects_with_upstreams_message(manifest, message):
    with pytest.raises(Invalid) as raised:
        store.create(manifest)
    assert raised.value.message == message
    assert raised.value.status()["code"] == 422


def test_causes_name_each_field_for_the_manifest_line():
    bad = pod(containers=[container(image=""), container(image="")])
    with pytest.raises(Invalid) as raised:
        store.create(bad)
    assert raised.value.details["causes"] == [
        {"reason": "FieldValueRequired", "message": "Required value",
         "field": "spec.containers[0].image"},
        {"reason": "FieldValueRequired", "message": "Required value",
         "field": "spec.containers[1].image"},
        {"reason": "FieldValueDuplicate", "message": 'Duplicate value: "web"',
         "field": "spec.containers[1].name"},
    ]
    assert raised.value.details["kind"] == "Pod"


# --- updates ----------------------------------------------------------------------------------

def update(obj, **paths):
    return store.update(changed(obj, **paths))


def test_a_deployment_selector_is_immutable():
    live = store.create(deployment())
    with pytest.raises(Invalid) as raised:
        update(live, spec__selector={"matchLabels": {"app": "other"}},
               spec__template__metadata__labels={"app": "other"})
    assert raised.value.message == (
        'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{'
        'MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.'
        "LabelSelectorRequirement(nil)}: field is immutable")


@pytest.mark.parametrize("make", [replica_set, daemon_set])
def test_other_apps_selectors_are_immutable_too(make):
    live = store.create(make())
    with pytest.raises(Invalid) as raised:
        update(live, spec__selector={"matchLabels": {"app": "web", "tier": "a"}},
               spec__template__metadata__labels={"app": "web", "tier": "a"})
    assert raised.value.details["causes"][0]["field"] == "spec.selector"


def test_a_pod_may_change_its_image_and_add_tolerations():
    live = store.create(pod())
    toleration = {"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}
    updated = update(live, spec__containers__0__image="nginx:1.28",
                     spec__tolerations=[*live["spec"]["tolerations"], toleration])
    assert updated["spec"]["containers"][0]["image"] == "nginx:1.28"


def test_a_pod_may_not_change_anything_else():
    live = store.create(pod())
    with pytest.raises(Invalid) as raised:
        update(live, spec__containers__0__ports=[{"containerPort": 8080}])
    assert raised.value.message == (
        'Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than '
        "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
        "`spec.tolerations` (only additions to existing tolerations),"
        "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
        "negative)")


def test_a_pod_may_not_add_containers_or_drop_tolerations():
    live = store.create(pod(tolerations=[{"key": "gpu", "operator": "Exists"}]))
    with pytest.raises(Invalid) as raised:
        update(live, spec__containers=[*live["spec"]["containers"], container("sidecar")])
    assert raised.value.message == ('Pod "web" is invalid: spec.containers: Forbidden: pod updates '
                                    "may not add or remove containers")
    with pytest.raises(Invalid) as raised:
        update(live, spec__tolerations=live["spec"]["tolerations"][1:])
    assert raised.value.message == ('Pod "web" is invalid: spec.tolerations: Forbidden: existing '
                                    "toleration can not be modified except its tolerationSeconds")


def test_binding_and_status_skip_the_pod_spec_rules():
    live = store.create(pod())
    bound = store.update(changed(live, spec__nodeName="node-1"), subresource="binding")
    assert bound["spec"]["nodeName"] == "node-1"
    running = store.update(changed(bound, status={"phase": "Running"}), subresource="status")
    assert running["status"]["phase"] == "Running"


def test_immutable_config_maps_keep_their_data():
    live = store.create(changed(config_map(), immutable=True))
    with pytest.raises(Invalid) as raised:
        update(live, data={"mode": "slow"}, immutable=False)
    assert raised.value.message == (
        'ConfigMap "settings" is invalid: [immutable: Forbidden: field is immutable when '
        "`immutable` is set, data: Forbidden: field is immutable when `immutable` is set]")


def test_a_secret_keeps_its_type():
    live = store.create(secret(data="YQ=="))
    with pytest.raises(Invalid) as raised:
        update(live, type="kubernetes.io/basic-auth", data={"username": "YQ=="})
    assert raised.value.message == ('Secret "creds" is invalid: type: Invalid value: '
                                    '"kubernetes.io/basic-auth": field is immutable')


def test_a_service_keeps_its_cluster_ip():
    live = store.create(service())
    assert store.update(changed(live, spec__clusterIP=DELETE, spec__clusterIPs=DELETE))[
        "spec"]["clusterIP"] == live["spec"]["clusterIP"]
    with pytest.raises(Invalid) as raised:
        update(live, spec__clusterIP="10.96.0.50", spec__clusterIPs=["10.96.0.50"])
    assert raised.value.message == ('Service "web" is invalid: spec.clusterIPs[0]: Invalid value: '
                                    '[]string{"10.96.0.50"}: may not change once set')


def test_a_stateful_set_changes_only_what_upstream_allows():
    live = update(store.create(stateful_set()), spec__replicas=3)
    assert live["spec"]["replicas"] == 3
    with pytest.raises(Invalid) as raised:
        update(live, spec__serviceName="other")
    assert raised.value.message == (
        'StatefulSet.apps "db" is invalid: spec: Forbidden: updates to statefulset spec for fields '
        "other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', "
        "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")


def test_a_jobs_template_is_immutable():
    live = store.create(job())
    with pytest.raises(Invalid) as raised:
        update(live, spec__template__spec__containers__0__image="busybox")
    assert raised.value.details["causes"][0]["field"] == "spec.template"
    assert raised.value.message.endswith(": field is immutable")

"""The ServiceAccount admission plugin: a pod's service account must exist, and its API
credentials are mounted into every container from a kube-api-access projected volume."""
import pytest

from cluster import admission, kinds, store
from cluster.errors import Forbidden, NotFound

pytestmark = pytest.mark.django_db

POD = kinds.lookup("pods")
MOUNT = admission.TOKEN_MOUNT_PATH


def pod(name="web", **spec):
    spec.setdefault("containers", [{"name": "app", "image": "nginx:1.27"}])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def service_account(name, **fields):
    store.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name},
                  **fields})


def token_mounts(container):
    return [m for m in container.get("volumeMounts") or () if m["mountPath"] == MOUNT]


def test_every_container_mounts_the_kube_api_access_volume():
    created = store.create(pod(initContainers=[{"name": "init", "image": "busybox"}],
                               containers=[{"name": "a", "image": "nginx"},
                                           {"name": "b", "image": "redis"}]))
    spec = created["spec"]
    assert spec["serviceAccountName"] == "default"
    [volume] = spec["volumes"]
    assert volume["name"].startswith("kube-api-access-") and len(volume["name"]) == 21
    sources = volume["projected"]["sources"]
    assert volume["projected"]["defaultMode"] == 420
    assert sources[0] == {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}
    assert sources[1]["configMap"]["name"] == "kube-root-ca.crt"
    assert sources[2]["downwardAPI"]["items"][0]["fieldRef"]["fieldPath"] == "metadata.namespace"
    for container in spec["initContainers"] + spec["containers"]:
        assert token_mounts(container) == [{"name": volume["name"], "readOnly": True,
                                            "mountPath": MOUNT}]
    assert store.get(POD, "default", "web")["spec"]["volumes"] == [volume]


def test_a_container_with_its_own_mount_at_the_path_keeps_it():
    own = {"name": "creds", "mountPath": MOUNT}
    created = store.create(pod(volumes=[{"name": "creds", "emptyDir": {}}],
                               containers=[{"name": "a", "image": "nginx", "volumeMounts": [own]},
                                           {"name": "b", "image": "redis"}]))
    a, b = created["spec"]["containers"]
    assert token_mounts(a) == [own]
    assert token_mounts(b)[0]["name"].startswith("kube-api-access-")
    assert [v["name"][:16] for v in created["spec"]["volumes"]] == ["creds", "kube-api-access-"]


@pytest.mark.parametrize(("pod_choice", "account_choice", "mounted"), [
    (False, None, False),
    (None, False, False),
    (True, False, True),  # the pod's choice wins
    (None, None, True),
])
def test_automount_follows_the_pod_then_its_service_account(pod_choice, account_choice, mounted):
    service_account("builder", **({} if account_choice is None
                                  else {"automountServiceAccountToken": account_choice}))
    spec = {"serviceAccountName": "builder"}
    if pod_choice is not None:
        spec["automountServiceAccountToken"] = pod_choice
    created = store.create(pod(**spec))
    assert bool(created["spec"].get("volumes")) is mounted
    assert bool(token_mounts(created["spec"]["containers"][0])) is mounted


def test_image_pull_secrets_come_from_the_service_account():
    service_account("puller", imagePullSecrets=[{"name": "registry"}])
    created = store.create(pod(serviceAccountName="puller"))
    assert created["spec"]["imagePullSecrets"] == [{"name": "registry"}]


def test_a_missing_service_account_refuses_the_pod_in_upstreams_words():
    template_pod = pod(serviceAccountName="builder")
    template_pod["metadata"] = {"generateName": "web-5d8f7b6c9-"}  # as a ReplicaSet creates it
    with pytest.raises(Forbidden) as refused:
        store.create(template_pod)
    assert refused.value.message == (
        'pods "web-5d8f7b6c9-" is forbidden: error looking up service account '
        'default/builder: serviceaccount "builder" not found')
    assert store.list_objects(POD, "default").items == []
    with pytest.raises(NotFound):
        store.get(POD, "default", "web")


"""What kube-apiserver's ServiceAccount admission plugin does to a pod before it is stored.

The pod's service account must exist, and unless the pod or its service account opts out, every
container mounts the API credentials at /var/run/secrets/kubernetes.io/serviceaccount from a
projected volume `kube-api-access-xxxxx`, as `kubectl get pod -o yaml` shows on a real cluster.
(Defaults such as tolerations, which need no lookup, are in cluster.defaults.)
"""
from .errors import Forbidden, NotFound
from .kinds import BY_KIND
from .strategy import generate_name

SERVICE_ACCOUNT = BY_KIND[("", "ServiceAccount")]
DEFAULT_SERVICE_ACCOUNT = "default"
TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
TOKEN_VOLUME_PREFIX = "kube-api-access-"
# serviceaccount.WarnOnlyBoundTokenExpirationSeconds: an hour and 7 s, so that a token's age
# shows it came from this volume.
TOKEN_EXPIRATION_SECONDS = 3607


def admit_pod(pod, get_object):
    """Mutate a pod being created; raise Forbidden if its service account does not exist.

    `get_object(kind, namespace, name)` reads the store. Unlike upstream, a missing `default`
    service account is not refused: upstream retries for about a second while the
    serviceaccounts controller creates it; here a pod is never refused for it.
    """
    spec, meta = pod.get("spec"), pod.get("metadata") or {}
    if not isinstance(spec, dict):
        return  # validation reports it
    namespace = meta.get("namespace") or "default"
    name = spec.get("serviceAccountName") or spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT
    spec["serviceAccountName"] = name
    try:
        account = get_object(SERVICE_ACCOUNT, namespace, name)
    except NotFound:
        if name != DEFAULT_SERVICE_ACCOUNT:
            pod_name = meta.get("name") or meta.get("generateName") or ""
            raise Forbidden(f'pods "{pod_name}" is forbidden: error looking up service account '
                            f'{namespace}/{name}: serviceaccount "{name}" not found',
                            details={"name": pod_name, "kind": "pods"}) from None
        account = {}
    if _automount(account, spec):
        _mount_token(spec)
    if not spec.get("imagePullSecrets") and account.get("imagePullSecrets"):
        spec["imagePullSecrets"] = [{"name": s.get("name", "")} for s in account["imagePullSecrets"]]


def _automount(account, spec):
    """The pod's automountServiceAccountToken wins, then its service account's; default true."""
    for choice in (spec.get("automountServiceAccountToken"),
                   account.get("automountServiceAccountToken")):
        if choice is not None:
            return choice is not False
    return True


def _mount_token(spec):
    volumes = spec.get("volumes") if isinstance(spec.get("volumes"), list) else []
    existing = next((v.get("name") for v in volumes if isinstance(v, dict)
                     and str(v.get("name", "")).startswith(TOKEN_VOLUME_PREFIX)), None)
    volume_name = existing or generate_name(TOKEN_VOLUME_PREFIX)
    mounted = False
    for container in _containers(spec):
        mounts = container.setdefault("volumeMounts", [])
        if not isinstance(mounts, list):
            continue
        # A mount of its own at the path keeps the token out of that container.
        if not any(isinstance(m, dict) and m.get("mountPath") == TOKEN_MOUNT_PATH for m in mounts):
            mounts.append({"name": volume_name, "readOnly": True, "mountPath": TOKEN_MOUNT_PATH})
            mounted = True
    if mounted and not existing:
        spec["volumes"] = [*volumes, {"name": volume_name, "projected": token_volume_source()}]


def _containers(spec):
    for key in ("initContainers", "containers"):
        items = spec.get(key)
        if isinstance(items, list):
            yield from (c for c in items if isinstance(c, dict))


def token_volume_source():
    return {
        "defaultMode": 0o644,
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": TOKEN_EXPIRATION_SECONDS,
                                     "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt",
                           "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        ],
    }

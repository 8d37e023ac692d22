"""The root CA certificate publisher (pkg/controller/certificates/rootcacertpublisher): every
active namespace has a ConfigMap kube-root-ca.crt holding the cluster's CA bundle, put back as it
was if edited or deleted.

The simulated cluster serves plain HTTP, so its CA signs nothing; the bundle is still a real,
self-signed CA certificate ("kubernetes", as kubeadm names its CA), derived from SECRET_KEY
with Ed25519, whose signatures are deterministic: every process publishes the same bytes.
"""
import datetime
import hashlib
import hmac
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID
from django.conf import settings

from cluster import kinds, store
from cluster.errors import AlreadyExists, Conflict, Forbidden, NotFound
from cluster.models import Namespace
from workers.result import split_key

NAMESPACE = kinds.lookup("namespaces")
CONFIG_MAP = kinds.lookup("configmaps")
NAME = "kube-root-ca.crt"  # RootCACertConfigMapName
DESCRIPTION_ANNOTATION = "kubernetes.io/description"
DESCRIPTION = ("Contains a CA bundle that can be used to verify the kube-apiserver when using "
               "internal endpoints such as the internal service IP or kubernetes.default.svc. "
               "No other usage is guaranteed across distributions of Kubernetes clusters.")
NOT_BEFORE = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
VALID_FOR = datetime.timedelta(days=3650)  # kubeadm's CA: ten years


@cache
def root_ca():
    """The cluster CA's certificate, PEM."""
    seed = hmac.new(settings.SECRET_KEY.encode(), b"kubesim-root-ca", hashlib.sha256).digest()
    key = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(int.from_bytes(seed[:8], "big") >> 1)
            .not_valid_before(NOT_BEFORE).not_valid_after(NOT_BEFORE + VALID_FOR)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, True, False, False, True, False, False, False),
                           critical=True)
            .sign(key, None))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def reconcile(key):
    _, name = split_key(key)
    try:
        namespace = store.get(NAMESPACE, None, name)
    except NotFound:
        return
    if (namespace.get("status") or {}).get("phase", "Active") != "Active":
        return
    data = {"ca.crt": root_ca()}
    try:
        current = store.get(CONFIG_MAP, name, NAME)
    except NotFound:
        _create(name, data)
        return
    if current.get("data") == data and (current["metadata"].get("annotations") or {}).get(
            DESCRIPTION_ANNOTATION):
        return
    annotations = {**(current["metadata"].get("annotations") or {}), DESCRIPTION_ANNOTATION: DESCRIPTION}
    store.update({**current, "data": data,
                  "metadata": {**current["metadata"], "annotations": annotations}})
    # A Conflict propagates: the runtime requeues the key.


def _create(namespace, data):
    try:
        store.create({"apiVersion": "v1", "kind": "ConfigMap", "data": data, "metadata": {
            "name": NAME, "namespace": namespace,
            "annotations": {DESCRIPTION_ANNOTATION: DESCRIPTION}}})
    except (AlreadyExists, Conflict):
        raise Conflict.stale(CONFIG_MAP, NAME) from None  # made meanwhile: look again
    except (Forbidden, NotFound):
        pass  # the namespace is going: as upstream, not retried


def keys_for(event_type, obj):
    meta = obj["metadata"]
    if obj["kind"] == "Namespace":
        return [] if event_type == "DELETED" or meta.get("deletionTimestamp") else [meta["name"]]
    if obj["kind"] == "ConfigMap" and meta["name"] == NAME and event_type != "ADDED":
        return [meta["namespace"]]
    return []


def resync_keys():
    return list(Namespace.objects.live().values_list("name", flat=True))

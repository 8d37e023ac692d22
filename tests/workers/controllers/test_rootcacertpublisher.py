"""The root CA publisher: each active namespace gets its kube-root-ca.crt ConfigMap, put back as
it was when deleted or edited; a terminating namespace gets nothing."""
import pytest
from cryptography import x509

from cluster import kinds, store
from cluster.errors import NotFound
from workers.controllers import rootcacertpublisher

pytestmark = pytest.mark.django_db

NAMESPACE = kinds.lookup("namespaces")
CM = kinds.lookup("configmaps")


def namespace(name="team"):
    return store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def test_a_terminating_namespace_gets_nothing(db):
    namespace()
    store.delete(NAMESPACE, None, "team")
    rootcacertpublisher.reconcile("team")
    with pytest.raises(NotFound):
        store.get(CM, "team", "kube-root-ca.crt")


def test_each_namespace_gets_the_root_ca_and_edits_are_undone(db):
    namespace()
    rootcacertpublisher.reconcile("team")
    published = store.get(CM, "team", "kube-root-ca.crt")
    cert = x509.load_pem_x509_certificate(published["data"]["ca.crt"].encode())
    assert cert.subject.rfc4514_string() == "CN=kubernetes"
    assert published["metadata"]["annotations"]["kubernetes.io/description"].startswith(
        "Contains a CA bundle")
    rootcacertpublisher.reconcile("team")
    assert store.get(CM, "team", "kube-root-ca.crt") == published  # nothing to write
    edited = store.update({**published, "data": {"ca.crt": "mine"}})
    assert rootcacertpublisher.keys_for("MODIFIED", edited) == ["team"]
    rootcacertpublisher.reconcile("team")
    assert store.get(CM, "team", "kube-root-ca.crt")["data"] == published["data"]
    store.delete(CM, "team", "kube-root-ca.crt")
    rootcacertpublisher.reconcile("team")
    assert store.get(CM, "team", "kube-root-ca.crt")["data"] == published["data"]

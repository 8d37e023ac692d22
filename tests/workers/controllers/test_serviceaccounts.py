"""The service accounts controller: each active namespace gets its "default" ServiceAccount, put
back when deleted; a terminating namespace gets nothing."""
import pytest

from cluster import kinds, store
from cluster.errors import NotFound
from workers.controllers import serviceaccounts

pytestmark = pytest.mark.django_db

NAMESPACE = kinds.lookup("namespaces")
SA = kinds.lookup("serviceaccounts")


def namespace(name="team"):
    return store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def test_a_new_namespace_gets_its_default_service_account_once(db):
    ns = namespace()
    assert serviceaccounts.keys_for("ADDED", ns) == ["team"]
    serviceaccounts.reconcile("team")
    account = store.get(SA, "team", "default")
    serviceaccounts.reconcile("team")
    assert store.get(SA, "team", "default") == account
    assert "team" in serviceaccounts.resync_keys()


def test_a_deleted_default_service_account_comes_back(db):
    namespace()
    serviceaccounts.reconcile("team")
    store.delete(SA, "team", "default")
    gone = {"kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "team"}}
    assert serviceaccounts.keys_for("DELETED", gone) == ["team"]
    assert serviceaccounts.keys_for("DELETED", {**gone, "metadata": {"name": "x", "namespace": "team"}}) == []
    serviceaccounts.reconcile("team")
    assert store.get(SA, "team", "default")


def test_a_terminating_namespace_gets_nothing(db):
    namespace()
    store.delete(NAMESPACE, None, "team")
    serviceaccounts.reconcile("team")
    with pytest.raises(NotFound):
        store.get(SA, "team", "default")

"""The service accounts controller (pkg/controller/serviceaccount/serviceaccounts_controller.go):
every active namespace has a ServiceAccount "default", made again if deleted.

One key per namespace, its name. Woken by a namespace's changes and by the deletion of a
"default" ServiceAccount.
"""
from cluster import kinds, store
from cluster.errors import AlreadyExists, Forbidden, NotFound
from cluster.models import Namespace
from workers.result import split_key

NAMESPACE = kinds.lookup("namespaces")
SERVICE_ACCOUNT = kinds.lookup("serviceaccounts")
NAMES = ("default",)  # ServiceAccountsControllerOptions.ServiceAccounts


def reconcile(key):
    _, name = split_key(key)
    try:
        namespace = store.get(NAMESPACE, None, name)
    except NotFound:
        return
    if (namespace.get("status") or {}).get("phase", "Active") != "Active":
        return  # terminating: nothing new may be made in it
    for account in NAMES:
        _ensure(name, account)


def _ensure(namespace, name):
    try:
        store.get(SERVICE_ACCOUNT, namespace, name)
        return
    except NotFound:
        pass
    try:
        store.create({"apiVersion": "v1", "kind": "ServiceAccount",
                      "metadata": {"name": name, "namespace": namespace}})
    except (AlreadyExists, Forbidden, NotFound):
        pass  # made meanwhile, or the namespace is going: as upstream, not retried


def keys_for(event_type, obj):
    meta = obj["metadata"]
    if obj["kind"] == "Namespace":
        return [] if event_type == "DELETED" or meta.get("deletionTimestamp") else [meta["name"]]
    if obj["kind"] == "ServiceAccount" and event_type == "DELETED" and meta["name"] in NAMES:
        return [meta["namespace"]]
    return []


def resync_keys():
    return list(Namespace.objects.live().values_list("name", flat=True))

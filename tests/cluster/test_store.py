"""The store: revisions, optimistic concurrency, the change log, compaction and graceful deletion."""
import pytest

from cluster import kinds, store, timestamps
from cluster.errors import AlreadyExists, Conflict, Forbidden, Gone, NotFound
from cluster.models import ApiObject, Pod, WatchEvent

pytestmark = pytest.mark.django_db

POD = kinds.lookup("pods")
CM = kinds.lookup("configmaps")
DEPLOY = kinds.lookup("deployments")
NS = kinds.lookup("namespaces")


def pod(name="web", node=None, **meta):
    spec = {"containers": [{"name": "app", "image": "nginx:1.27"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **meta}, "spec": spec}


def configmap(name="settings", **data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def deployment(name="web", replicas=1):
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "app", "image": "nginx"}]}}},
    }


def rv(obj):
    return int(obj["metadata"]["resourceVersion"])


def test_the_cluster_starts_with_the_system_namespaces():
    names = {o["metadata"]["name"] for o in store.list_objects(NS).items}
    assert names == {"default", "kube-system", "kube-public", "kube-node-lease"}


def test_every_write_takes_the_next_cluster_wide_revision():
    start = store.current_revision()
    a = store.create(pod("a"))
    b = store.create(configmap("b", k="v"))
    a2 = store.update({**a, "metadata": {**a["metadata"], "labels": {"x": "y"}}})
    gone, deleted = store.delete(CM, "default", "b")
    assert deleted
    assert [rv(a), rv(b), rv(a2), rv(gone)] == [start + 1, start + 2, start + 3, start + 4]
    assert store.current_revision() == start + 4


def test_create_sets_server_fields_and_refuses_a_second_object_with_the_name():
    created = store.create(pod("web", uid="forged", resourceVersion="999"))
    meta = created["metadata"]
    assert meta["uid"] != "forged" and len(meta["uid"]) == 36
    assert meta["namespace"] == "default" and meta["generation"] == 1
    assert meta["creationTimestamp"].endswith("Z")
    assert store.get(POD, "default", "web") == created
    with pytest.raises(AlreadyExists) as e:
        store.create(pod("web"))
    assert e.value.status()["message"] == 'pods "web" already exists'
    assert e.value.code == 409


def test_generate_name_gets_a_random_suffix():
    created = store.create({**pod(), "metadata": {"generateName": "web-"}})
    assert created["metadata"]["name"].startswith("web-")
    assert len(created["metadata"]["name"]) == len("web-") + 5


def test_a_stale_resource_version_is_a_conflict_and_loses_nothing():
    first = store.create(configmap(k="1"))
    second = store.update({**first, "data": {"k": "2"}})
    with pytest.raises(Conflict) as e:
        store.update({**first, "data": {"k": "3"}})
    assert e.value.code == 409
    assert e.value.message == ('Operation cannot be fulfilled on configmaps "settings": the object '
                               "has been modified; please apply your changes to the latest version "
                               "and try again")
    assert store.get(CM, "default", "settings") == second


def test_an_update_without_resource_version_is_unconditional():
    store.create(configmap(k="1"))
    updated = store.update(configmap(k="2"))
    assert updated["data"] == {"k": "2"}


def test_a_no_op_update_writes_nothing():
    created = store.create(configmap(k="1"))
    events = WatchEvent.objects.count()
    assert store.update(created) == created
    assert WatchEvent.objects.count() == events


def test_generation_follows_spec_changes_only():
    created = store.create(deployment(replicas=1))
    labelled = store.update({**created, "metadata": {**created["metadata"], "labels": {"a": "b"}}})
    assert labelled["metadata"]["generation"] == 1
    scaled = store.update({**labelled, "spec": {**labelled["spec"], "replicas": 3}})
    assert scaled["metadata"]["generation"] == 2


def test_status_is_written_only_through_the_status_subresource():
    created = store.create(deployment())
    ignored = store.update({**created, "status": {"replicas": 5}})
    assert ignored["status"] == created["status"]
    via_status = store.update({**created, "spec": {"replicas": 9}, "status": {"replicas": 5}},
                              subresource="status")
    assert via_status["status"] == {"replicas": 5}
    assert via_status["spec"] == created["spec"]
    assert via_status["metadata"]["generation"] == 1


def test_every_write_appends_a_watch_event_in_order():
    start = store.current_revision()
    created = store.create(pod("a"))
    store.update({**created, "metadata": {**created["metadata"], "labels": {"v": "2"}}})
    store.delete(POD, "default", "a")
    events = store.changes_since(start, POD)
    assert [(r, t) for r, t, _ in events] == [
        (start + 1, "ADDED"), (start + 2, "MODIFIED"), (start + 3, "DELETED")]
    assert events[1][2]["metadata"]["labels"] == {"v": "2"}
    assert all(rv(obj) == revision for revision, _, obj in events)


def test_changes_since_filters_by_kind_namespace_and_name():
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    start = store.current_revision()
    store.create(pod("a"))
    store.create({**pod("b"), "metadata": {"name": "b", "namespace": "team"}})
    store.create(configmap("c"))
    assert [o["metadata"]["name"] for _, _, o in store.changes_since(start, POD)] == ["a", "b"]
    assert [o["metadata"]["name"] for _, _, o in store.changes_since(start, POD, "team")] == ["b"]
    assert [o["metadata"]["name"] for _, _, o in store.changes_since(start, name="c")] == ["c"]


def test_compaction_drops_old_revisions_and_watching_from_them_is_gone(settings):
    settings.KUBESIM_EVENT_LOG_MAX_COUNT = 3
    start = store.current_revision()
    for i in range(6):
        store.create(configmap(f"c{i}"))
    store.compact()
    assert store.compacted_revision() == start + 3
    assert len(store.changes_since(start + 3)) == 3
    with pytest.raises(Gone) as e:
        store.changes_since(start + 2)
    assert e.value.code == 410 and e.value.reason == "Expired"
    assert e.value.message == f"too old resource version: {start + 2} ({start + 3})"


def test_compaction_by_age(settings):
    store.create(configmap("old"))
    WatchEvent.objects.update(created="2000-01-01T00:00:00Z")
    store.create(configmap("new"))
    store.compact()
    assert [o["metadata"]["name"] for _, _, o in store.changes_since(store.compacted_revision())] == [
        "new"]


def test_the_log_compacts_itself_as_revisions_pass(settings, monkeypatch):
    monkeypatch.setattr(store, "COMPACT_EVERY", 5)
    settings.KUBESIM_EVENT_LOG_MAX_COUNT = 2
    for i in range(10):
        store.create(configmap(f"c{i}"))
    assert WatchEvent.objects.count() <= 5 + 2


def test_an_object_with_finalizers_waits_for_them():
    created = store.create({**configmap(), "metadata": {"name": "settings",
                                                        "finalizers": ["example.com/keep"]}})
    marked, deleted = store.delete(CM, "default", "settings")
    assert not deleted and marked["metadata"]["deletionTimestamp"]
    assert marked["metadata"]["deletionGracePeriodSeconds"] == 0
    assert rv(marked) > rv(created)
    released = {**marked, "metadata": {**marked["metadata"], "finalizers": []}}
    store.update(released)
    with pytest.raises(NotFound):
        store.get(CM, "default", "settings")
    assert store.changes_since(rv(marked))[0][1] == "DELETED"


def test_a_bound_pod_terminates_for_its_grace_period():
    store.create(pod("web", node="node-1"))
    marked, deleted = store.delete(POD, "default", "web")
    assert not deleted
    meta = marked["metadata"]
    assert meta["deletionGracePeriodSeconds"] == 30
    assert timestamps.parse(meta["deletionTimestamp"]) > timestamps.now()
    assert Pod.objects.terminating().count() == 1
    again, _ = store.delete(POD, "default", "web")
    assert again == marked  # a second delete with no shorter grace changes nothing
    sooner, _ = store.delete(POD, "default", "web", grace_period_seconds=5)
    assert sooner["metadata"]["deletionGracePeriodSeconds"] == 5
    _, deleted = store.delete(POD, "default", "web", grace_period_seconds=0)
    assert deleted


def test_an_unscheduled_pod_goes_at_once():
    store.create(pod("web"))
    _, deleted = store.delete(POD, "default", "web")
    assert deleted
    assert not Pod.objects.exists()


def test_propagation_policies_add_the_garbage_collectors_finalizers():
    store.create(deployment("a"))
    store.create(deployment("b"))
    fg, _ = store.delete(DEPLOY, "default", "a", propagation_policy="Foreground")
    orphan, _ = store.delete(DEPLOY, "default", "b", propagation_policy="Orphan")
    assert fg["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert orphan["metadata"]["finalizers"] == ["orphan"]


def test_delete_preconditions():
    created = store.create(configmap())
    with pytest.raises(Conflict) as e:
        store.delete(CM, "default", "settings", preconditions={"uid": "other"})
    assert "Precondition failed: UID in precondition: other" in e.value.message
    _, deleted = store.delete(CM, "default", "settings",
                              preconditions={"uid": created["metadata"]["uid"]})
    assert deleted


def test_a_deleted_namespace_terminates_and_refuses_new_content():
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    marked, deleted = store.delete(NS, "", "team")
    assert not deleted and marked["status"]["phase"] == "Terminating"
    with pytest.raises(Forbidden) as e:
        store.create({**pod(), "metadata": {"name": "web", "namespace": "team"}})
    assert "because it is being terminated" in e.value.message


def test_content_needs_its_namespace():
    with pytest.raises(NotFound) as e:
        store.create({**pod(), "metadata": {"name": "web", "namespace": "nowhere"}})
    assert e.value.message == 'namespaces "nowhere" not found'


def test_dry_run_writes_nothing():
    revision = store.current_revision()
    created = store.create(pod("web"), dry_run=True)
    assert created["metadata"]["uid"]
    assert store.current_revision() == revision
    assert not Pod.objects.exists()
    real = store.create(pod("web"))
    store.update({**real, "metadata": {**real["metadata"], "labels": {"a": "b"}}}, dry_run=True)
    store.delete(POD, "default", "web", dry_run=True)
    assert store.get(POD, "default", "web") == real


def test_a_dry_run_update_answers_the_change_with_the_stored_resource_version():
    real = store.create(pod("web"))
    answered = store.update({**real, "metadata": {**real["metadata"], "labels": {"a": "b"}}},
                            dry_run=True)
    assert answered["metadata"]["labels"] == {"a": "b"}
    assert answered["metadata"]["resourceVersion"] == real["metadata"]["resourceVersion"]


def test_guaranteed_update_rereads_on_conflict(monkeypatch):
    store.create(configmap(n="0"))
    calls = []

    def bump(obj):
        calls.append(1)
        if len(calls) == 1:  # someone else writes between our read and our write
            store.update({**store.get(CM, "default", "settings"), "data": {"n": "10"}})
        obj["data"]["n"] = str(int(obj["data"]["n"]) + 1)

    result = store.guaranteed_update(CM, "default", "settings", bump)
    assert result["data"] == {"n": "11"} and len(calls) == 2


def test_kind_queries_read_the_projected_columns():
    store.create(pod("a", node="node-1"))
    store.create(pod("b", node="node-2"))
    store.create(pod("c"))
    assert [p.name for p in Pod.objects.on_node("node-1")] == ["a"]
    assert [p.name for p in Pod.objects.unscheduled()] == ["c"]
    assert Pod.objects.in_phase("Pending").count() == 3
    assert ApiObject.objects.count() == Pod.objects.count() + 4  # the system namespaces


def test_owner_uid_is_the_controller_reference():
    owner = store.create(deployment())
    ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
           "uid": owner["metadata"]["uid"], "controller": True}
    store.create(pod("a", ownerReferences=[ref]))
    assert [p.name for p in Pod.objects.owned_by(owner["metadata"]["uid"])] == ["a"]


def test_list_selectors_and_paging():
    for i, tier in enumerate(["web", "web", "db", None]):
        labels = {"tier": tier} if tier else {}
        store.create(pod(f"p{i}", labels=labels))
    names = lambda result: [o["metadata"]["name"] for o in result.items]
    assert names(store.list_objects(POD, "default", label_selector="tier=web")) == ["p0", "p1"]
    assert names(store.list_objects(POD, "default", label_selector="tier!=web")) == ["p2", "p3"]
    assert names(store.list_objects(POD, "default", label_selector="tier notin (web)")) == ["p2", "p3"]
    assert names(store.list_objects(POD, "default", label_selector="!tier")) == ["p3"]
    first = store.list_objects(POD, "default", limit=3)
    assert names(first) == ["p0", "p1", "p2"] and first.remaining == 1
    rest = store.list_objects(POD, "default", limit=3, continue_token=first.continue_token)
    assert names(rest) == ["p3"] and not rest.continue_token
    assert rest.resource_version == first.resource_version
    page = store.list_objects(POD, "default", label_selector="tier in (web,db)", limit=2)
    assert names(page) == ["p0", "p1"] and page.remaining == 1


def test_list_prefixed_is_one_range_of_names():
    for name in ("web", "web.1", "web.2", "web-x.1", "webs.1", "wec.1"):
        store.create(configmap(name))
    assert [o["metadata"]["name"] for o in store.list_prefixed(CM, "default", "web.")] == [
        "web.1", "web.2"]
    assert store.list_prefixed(CM, "kube-system", "web.") == []

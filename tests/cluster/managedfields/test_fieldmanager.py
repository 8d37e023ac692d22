"""Update and Apply on decoded managers: ownership, pruning and conflicts."""
import pytest

from cluster import kinds
from cluster.managedfields import ApplyConflict, fieldmanager, scope

CONFIGMAP = scope(kinds.BY_KIND[("", "ConfigMap")])
DEPLOYMENT = kinds.BY_KIND[("apps", "Deployment")]
T1, T2 = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"


def cm(**data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data}


def data(*keys):
    return frozenset((("f", "data"), ("f", k)) for k in keys)


def owners(managed):
    return {key[:2]: {p[-1][1] for p in e.fields if len(p) == 2} for key, e in managed.items()}


def test_an_update_owns_what_it_changed_and_takes_it_from_the_others():
    managed = fieldmanager.update(CONFIGMAP, None, cm(a="1", b="2"), {}, "maker", T1)
    assert owners(managed) == {("maker", "Update"): {"a", "b"}}
    managed = fieldmanager.update(CONFIGMAP, cm(a="1", b="2"), cm(a="1", b="3", c="4"), managed,
                                  "editor", T2)
    assert owners(managed) == {("maker", "Update"): {"a"}, ("editor", "Update"): {"b", "c"}}
    assert managed[("editor", "Update", "", "v1")].time == T2


def test_an_update_that_changes_nothing_leaves_the_entries_and_times_alone():
    managed = fieldmanager.update(CONFIGMAP, None, cm(a="1"), {}, "maker", T1)
    assert fieldmanager.update(CONFIGMAP, cm(a="1"), cm(a="1"), managed, "maker", T2) == managed


def test_the_same_manager_accumulates_its_updates():
    managed = fieldmanager.update(CONFIGMAP, None, cm(a="1"), {}, "m", T1)
    managed = fieldmanager.update(CONFIGMAP, cm(a="1"), cm(a="1", b="2"), managed, "m", T2)
    assert owners(managed) == {("m", "Update"): {"a", "b"}}


def test_a_removed_field_leaves_every_manager():
    managed = fieldmanager.update(CONFIGMAP, None, cm(a="1", b="2"), {}, "maker", T1)
    managed = fieldmanager.update(CONFIGMAP, cm(a="1", b="2"), cm(a="1"), managed, "x", T2)
    assert owners(managed) == {("maker", "Update"): {"a"}}


def test_status_and_scale_writes_own_only_their_part():
    deployment = scope(DEPLOYMENT)
    old = {"spec": {"replicas": 1, "paused": False}, "status": {"replicas": 1}}
    new = {"spec": {"replicas": 2, "paused": True}, "status": {"replicas": 2}}
    main = fieldmanager.update(deployment, old, new, {}, "m", T1)
    assert {p for e in main.values() for p in e.fields} == {
        (("f", "spec"), ("f", "replicas")), (("f", "spec"), ("f", "paused"))}
    status = fieldmanager.update(scope(DEPLOYMENT, "status"), old, new, {}, "m", T1)
    assert {p for e in status.values() for p in e.fields} == {
        (("f", "status"), ("f", "replicas"))}
    scaled = fieldmanager.update(scope(DEPLOYMENT, "scale"), old, new, {}, "m", T1)
    assert list(scaled) == [("m", "Update", "scale", "apps/v1")]


def test_apply_prunes_what_it_no_longer_applies_unless_another_owns_it():
    first = fieldmanager.apply(CONFIGMAP, None, cm(a="1", b="2", c="3"), {}, "one", False, T1)
    second = fieldmanager.apply(CONFIGMAP, first.obj, cm(b="2"), first.managed, "two", False, T1)
    third = fieldmanager.apply(CONFIGMAP, second.obj, cm(a="1"), second.managed, "one", False, T2)
    assert third.obj["data"] == {"a": "1", "b": "2"}
    assert owners(third.managed) == {("one", "Apply"): {"a"}, ("two", "Apply"): {"b"}}


def test_apply_leaves_fields_it_never_applied():
    managed = fieldmanager.update(CONFIGMAP, None, cm(a="1", z="9"), {}, "maker", T1)
    done = fieldmanager.apply(CONFIGMAP, cm(a="1", z="9"), cm(a="1"), managed, "one", False, T1)
    again = fieldmanager.apply(CONFIGMAP, done.obj, cm(b="2"), done.managed, "one", False, T2)
    assert again.obj["data"] == {"a": "1", "z": "9", "b": "2"}  # a is still the maker's too


def test_conflicts_name_the_owner_and_force_takes_the_field():
    managed = fieldmanager.update(CONFIGMAP, None, cm(a="1", b="2"), {}, "maker", T1)
    with pytest.raises(ApplyConflict) as conflict:
        fieldmanager.apply(CONFIGMAP, cm(a="1", b="2"), cm(a="9", b="8"), managed, "ci", False, T2)
    assert conflict.value.message == (
        'Apply failed with 2 conflicts: conflicts with "maker" using v1:\n- .data.a\n- .data.b')
    assert [c["field"] for c in conflict.value.details["causes"]] == [".data.a", ".data.b"]
    done = fieldmanager.apply(CONFIGMAP, cm(a="1", b="2"), cm(a="9"), managed, "ci", True, T2)
    assert owners(done.managed) == {("maker", "Update"): {"b"}, ("ci", "Apply"): {"a"}}


def test_applying_the_value_a_field_has_shares_it_without_conflict():
    managed = fieldmanager.update(CONFIGMAP, None, cm(a="1"), {}, "maker", T1)
    done = fieldmanager.apply(CONFIGMAP, cm(a="1"), cm(a="1"), managed, "ci", False, T2)
    assert not done.changed
    assert owners(done.managed) == {("maker", "Update"): {"a"}, ("ci", "Apply"): {"a"}}


def test_an_excuse_may_waive_conflicts():
    managed = fieldmanager.update(CONFIGMAP, None, cm(a="1", b="2"), {}, "maker", T1)

    def only_b(found):
        return [(entry, path) for entry, path in found if path[-1] == ("f", "b")]

    with pytest.raises(ApplyConflict) as conflict:
        fieldmanager.apply(CONFIGMAP, cm(a="1", b="2"), cm(a="9", b="8"), managed, "kubectl",
                           False, T2, only_b)
    assert conflict.value.message.endswith(': .data.b')


def test_the_oldest_of_many_updaters_merge_into_ancient_changes():
    from cluster.managedfields import managers

    managed = {}
    for i in range(12):
        entry = managers.Entry(f"m{i:02}", "Update", "v1", data(str(i)),
                               time=f"2026-01-01T00:00:{i:02}Z")
        managed[entry.key] = entry
    capped = managers.capped(managed)
    assert len(capped) == 10
    ancient = capped[("ancient-changes", "Update", "", "v1")]
    assert ancient.fields == data("0", "1", "2") and ancient.time == "2026-01-01T00:00:02Z"
    assert ("m00", "Update", "", "v1") not in capped and ("m03", "Update", "", "v1") in capped


def test_a_container_dropped_from_the_configuration_goes():
    pod = scope(kinds.BY_KIND[("", "Pod")])

    def config(*names):
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                "spec": {"containers": [{"name": n, "image": "x"} for n in names]}}

    first = fieldmanager.apply(pod, None, config("app", "side"), {}, "k", False, T1)
    again = fieldmanager.apply(pod, first.obj, config("app"), first.managed, "k", False, T2)
    assert [c["name"] for c in again.obj["spec"]["containers"]] == ["app"]
    other = fieldmanager.apply(pod, first.obj, config("side"), first.managed, "o", False, T2)
    kept = fieldmanager.apply(pod, other.obj, config("app"), other.managed, "k", False, T2)
    assert [c["name"] for c in kept.obj["spec"]["containers"]] == ["app", "side"]

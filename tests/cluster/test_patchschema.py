"""Merge keys and patch strategies read from the Kubernetes OpenAPI definitions."""
from cluster import patchschema

DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment"}


def _pod_spec():
    deployment = patchschema.for_object(DEPLOYMENT)
    template = deployment.field("spec").type.field("template").type
    return template.field("spec").type


def test_container_ports_merge_by_container_port_not_the_list_map_keys():
    ports = _pod_spec().field("containers").type.field("ports")
    assert (ports.strategy, ports.merge_key) == ("merge", "containerPort")


def test_strategies_as_the_schemas_give_them():
    spec = _pod_spec()
    assert spec.field("tolerations").strategy == ""  # replaced whole
    volumes = spec.field("volumes")
    assert (volumes.strategy, volumes.merge_key, volumes.retain_keys) == ("merge", "name", True)
    finalizers = patchschema.for_object(DEPLOYMENT).field("metadata").type.field("finalizers")
    assert (finalizers.strategy, finalizers.merge_key, finalizers.type) == ("merge", "", None)


def test_maps_unknown_fields_and_kinds():
    meta = patchschema.for_object(DEPLOYMENT).field("metadata").type
    assert meta.field("labels").type.field("app").strategy == ""
    assert meta.field("noSuchField") is None
    assert patchschema.for_object({"apiVersion": "x/v1", "kind": "Thing"}) is None


def test_lookups_are_cached_per_type():
    assert _pod_spec() is _pod_spec()
    assert _pod_spec().field("containers") is _pod_spec().field("containers")

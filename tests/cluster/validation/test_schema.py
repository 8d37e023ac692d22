"""Structural validation: bodies that do not decode strictly into the kind's Go types are 400s."""
import copy
import random
import time

import pytest
import yaml

from cluster import kinds, store
from cluster.errors import BadRequest, StatusError
from cluster.validation import schema

from .manifests import REAL_WORLD, changed, container, deployment, pod, secret, service

pytestmark = pytest.mark.django_db

QUANTITY = ("quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
CASES = [
    (changed(deployment(), spec__template__spec__containers__0__imagePullPolice="Always"),
     ('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
      'unknown field "spec.template.spec.containers[0].imagePullPolice"')),
    (changed(deployment(), spec__replica=2, metadata__lables={}, spec__template__spec__foo=1),
     ('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
      'unknown field "metadata.lables", unknown field "spec.template.spec.foo", '
      'unknown field "spec.replica"')),
    (deployment(replicas="3"),
     ('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string '
      "into Go struct field DeploymentSpec.spec.replicas of type int32")),
    (deployment(replicas=1.5),
     ('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number '
      "1.5 into Go struct field DeploymentSpec.spec.replicas of type int32")),
    (changed(deployment(), spec__template__spec__containers="web"),
     ('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string '
      "into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container")),
    (pod(containers=[container(image=5)]),
     ('Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into Go struct '
      "field Container.spec.containers.image of type string")),
    (changed(pod(), metadata__labels={"tier": True}),
     ('Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal bool into Go struct '
      "field ObjectMeta.metadata.labels of type string")),
    (pod(containers=[container(resources={"limits": {"memory": "1GB"}})]),
     f'Pod in version "v1" cannot be handled as a Pod: {QUANTITY}'),
    (service(ports=[{"port": 80, "targetPort": True}]),
     ('Service in version "v1" cannot be handled as a Service: json: cannot unmarshal bool into Go '
      "struct field ServicePort.spec.ports.targetPort of type int32")),
    (secret(password="not base64!"),
     'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3'),
]


@pytest.mark.parametrize("manifest,message", CASES)
def test_bodies_that_do_not_decode_are_bad_requests(manifest, message):
    """Unknown fields are listed in the order the document has them, as Go's decoder meets them."""
    with pytest.raises(BadRequest) as raised:
        store.create(manifest)
    assert raised.value.message == message
    assert raised.value.status()["code"] == 400


def test_a_type_error_is_reported_before_unknown_fields():
    with pytest.raises(BadRequest) as raised:
        store.create(changed(deployment(replicas="3"), spec__foo=1))
    assert "cannot unmarshal string" in raised.value.message


def test_causes_carry_each_field_path():
    bad = changed(pod(containers=[container(resources={"limits": {"memory": "1GB"}})]))
    with pytest.raises(BadRequest) as raised:
        store.create(bad)
    assert raised.value.details["causes"] == [{
        "reason": "FieldValueTypeInvalid", "message": QUANTITY,
        "field": "spec.containers[0].resources.limits[memory]"}]
    with pytest.raises(BadRequest) as raised:
        store.create(changed(pod(), spec__nodeSelecter={}, spec__containers__0__imagePullPolice=""))
    assert [c["field"] for c in raised.value.details["causes"]] == [
        "spec.containers[0].imagePullPolice", "spec.nodeSelecter"]


def test_null_is_the_zero_value_and_server_fields_are_not_demanded():
    created = store.create(changed(deployment(replicas=None), metadata__labels=None))
    assert created["spec"]["replicas"] == 1
    assert "labels" not in created["metadata"]


def test_quantities_may_be_json_numbers():
    created = store.create(pod(containers=[container(resources={"requests": {"cpu": 0.5}})]))
    assert created["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "500m"


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.kind)
def test_every_kind_has_its_schema(kind):
    schema.check(kind, {"apiVersion": kind.api_version, "kind": kind.kind,
                        "metadata": {"name": "x"}})


def test_validating_a_small_pod_is_fast():
    kind, obj = kinds.lookup("pods"), pod()
    schema.check(kind, obj)  # warm up: load and compile the schemas
    start, runs = time.perf_counter(), 200
    for _ in range(runs):
        schema.check(kind, obj)
    assert (time.perf_counter() - start) / runs < 0.001


GARBAGE = [None, 0, -1, 1.5, "", "x", True, [], {}, [None], [1], {"a": None}, [{}], "1Gi"]


def _paths(node, prefix=()):
    if prefix:
        yield prefix
    if isinstance(node, (dict, list)):
        for key, child in node.items() if isinstance(node, dict) else enumerate(node):
            yield from _paths(child, (*prefix, key))


def test_no_body_crashes_defaulting_or_validation():
    """Values of any wrong type, anywhere, end as a 400 or a 422, never as a server error."""
    bases = [changed(pod(), metadata__labels={"app": "web"}), deployment(), service(),
             service(type="NodePort"), secret(a="YQ=="),
             *yaml.safe_load_all(REAL_WORLD)]
    rng = random.Random(7)
    for n in range(1000):
        obj = copy.deepcopy(rng.choice(bases))
        obj["metadata"]["name"] = f"fuzz-{n}"
        *parents, last = rng.choice([p for p in _paths(obj) if p[0] not in (
            "apiVersion", "kind", "metadata") or p[:2] == ("metadata", "labels")])
        node = obj
        for step in parents:
            node = node[step]
        node[last] = copy.deepcopy(rng.choice(GARBAGE))
        try:
            store.create(obj, dry_run=True)
        except StatusError:
            pass


def test_events_differing_only_in_their_message_share_the_validation_cache():
    """Free text validates alike: a new event's message is no reason to validate it again."""
    event = kinds.lookup("events")
    assert schema._section_key(event, "message", "Scheduled pod a") == \
        schema._section_key(event, "message", "Scheduled pod b")
    assert schema._section_key(event, "type", "Normal") != \
        schema._section_key(event, "type", "Warning")

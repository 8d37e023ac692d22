"""The simulation's controls over HTTP: the clock, a node's kubelet, reset to the demo cluster."""
import json

import pytest

from cluster import clock, kinds, store
from workers import operations
from workers.models import Kubelet

pytestmark = pytest.mark.django_db


def post(client, path, body):
    return client.post(path, json.dumps(body), content_type="application/json")


def test_the_clock_can_be_read_paused_stepped_and_sped_up(client):
    state = client.get("/kubesim/v1/clock").json()
    assert state["speed"] == 1.0 and state["paused"] is False
    paused = post(client, "/kubesim/v1/clock", {"paused": True}).json()
    assert paused["paused"] is True
    before = clock.current().seconds()
    post(client, "/kubesim/v1/clock", {"step": 300})
    assert clock.current().seconds() == pytest.approx(before + 300)
    assert post(client, "/kubesim/v1/clock", {"speed": 10}).json()["speed"] == 10.0


def test_a_bad_clock_change_is_a_bad_request(client):
    response = post(client, "/kubesim/v1/clock", {"step": -5})
    assert response.status_code == 400
    assert response.json()["reason"] == "BadRequest"


def test_a_nodes_kubelet_stops_and_starts(client):
    operations.add_node("node-1")
    assert post(client, "/kubesim/v1/nodes/node-1/kubelet", {"running": False}).status_code == 200
    assert not Kubelet.objects.get(node_name="node-1").running
    post(client, "/kubesim/v1/nodes/node-1/kubelet", {"running": True})
    assert Kubelet.objects.get(node_name="node-1").running
    missing = post(client, "/kubesim/v1/nodes/nowhere/kubelet", {"running": False})
    assert missing.status_code == 404 and missing.json()["message"] == 'nodes "nowhere" not found'


def test_reset_brings_back_the_demo_cluster(client):
    store.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "scratch"}})
    assert client.post("/kubesim/v1/reset").status_code == 200
    nodes = {n["metadata"]["name"] for n in store.list_objects(kinds.lookup("nodes")).items}
    assert nodes == {"control-plane", "node-1", "node-2"}
    assert not store.list_objects(kinds.lookup("configmaps"), "default").items


def test_only_the_methods_each_control_takes(client):
    assert client.get("/kubesim/v1/reset").status_code == 405

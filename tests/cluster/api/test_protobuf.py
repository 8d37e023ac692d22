"""Protobuf request bodies, as kubectl's typed clients send them (`kubectl create ...`).

The bodies below are what kubectl 1.32 sent, captured byte for byte:
    kubectl create deployment web --image=nginx:1.27 --replicas=3 --port=80
    kubectl create deployment zero --image=nginx:1.27 --replicas=0
    kubectl create secret generic s1 --from-literal=a=b
    kubectl create service clusterip s2 --tcp=80:8080
    kubectl create cronjob cj --image=busybox --schedule="*/1 * * * *" -- echo hi
"""
import pytest

from cluster.api import protobuf
from cluster.errors import BadRequest, UnsupportedMediaType

PROTOBUF = "application/vnd.kubernetes.protobuf"

CREATE_DEPLOYMENT = bytes.fromhex(
    "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412bd010a1f0a0377656212001a0022002a"
    "003200380042005a0a0a036170701203776562128b010803120c0a0a0a0361707012037765621a710a1c0a00"
    "12001a0022002a003200380042005a0a0a036170701203776562125112330a056e67696e78120a6e67696e78"
    "3a312e32372a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a"
    "0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a"
    "002200"
)
CREATE_DEPLOYMENT_ZERO = bytes.fromhex(
    "6b3873000a150a07617070732f7631120a4465706c6f796d656e7412b5010a210a047a65726f12001a002200"
    "2a003200380042005a0b0a0361707012047a65726f1281010800120d0a0b0a0361707012047a65726f1a660a"
    "1d0a0012001a0022002a003200380042005a0b0a0361707012047a65726f124512270a056e67696e78120a6e"
    "67696e783a312e32372a0042006a007200800100880100900100a201001a00320042004a0052005800600068"
    "008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200"
)
CREATE_SECRET = bytes.fromhex(
    "6b3873000a0c0a0276311206536563726574121e0a120a02733112001a0022002a0032003800420012060a01"
    "611201621a001a002200"
)
CREATE_SERVICE = bytes.fromhex(
    "6b3873000a0d0a02763112075365727669636512660a1d0a02733212001a0022002a003200380042005a090a"
    "036170701202733212410a1b0a0738302d38303830120354435018502207080010903f1a00280012090a0361"
    "7070120273321a002209436c757374657249503a00420052005a00600068001a020a001a002200"
)

CREATE_CRONJOB = bytes.fromhex(
    "6b3873000a130a0862617463682f7631120743726f6e4a6f6212a8010a120a02636a12001a0022002a003200"
    "38004200128f010a0b2a2f31202a202a202a202a1a002a7e0a120a02636a12001a0022002a00320038004200"
    "126832660a100a0012001a0022002a003200380042001252122b0a02636a120762757379626f781a04656368"
    "6f1a0268692a0042006a007200800100880100900100a201001a094f6e4661696c757265320042004a005200"
    "5800600068008201008a01009a0100c201001a001a002200"
)

def test_a_deployment_decodes_as_its_json_would():
    assert protobuf.decode(CREATE_DEPLOYMENT, "Deployment") == {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "strategy": {},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
                     {"name": "nginx", "image": "nginx:1.27", "resources": {},
                      "ports": [{"containerPort": 80}]}]}}},
    }


def test_zero_is_kept_where_upstream_has_a_pointer():
    spec = protobuf.decode(CREATE_DEPLOYMENT_ZERO, "Deployment")["spec"]
    assert spec["replicas"] == 0
    assert "minReadySeconds" not in spec and "paused" not in spec  # plain zeros: omitempty


def test_bytes_int_or_string_and_maps():
    assert protobuf.decode(CREATE_SECRET, "Secret")["data"] == {"a": "Yg=="}  # base64, as JSON
    spec = protobuf.decode(CREATE_SERVICE, "Service")["spec"]
    assert spec == {"ports": [{"name": "80-8080", "protocol": "TCP", "port": 80,
                               "targetPort": 8080}],
                    "selector": {"app": "s2"}, "type": "ClusterIP"}


def test_a_cronjob_nests_a_job_template():
    cronjob = protobuf.decode(CREATE_CRONJOB, "CronJob")
    assert cronjob["spec"]["schedule"] == "*/1 * * * *"
    job = cronjob["spec"]["jobTemplate"]
    assert job["metadata"] == {"name": "cj"}
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "OnFailure"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["echo", "hi"]


def test_a_field_we_do_not_know_is_refused_not_dropped():
    # ObjectMeta field 17 (managedFields) with content: 0x8a 0x01 = field 17, length-delimited.
    meta = bytes([0x0A, 0x01, 0x78, 0x8A, 0x01, 0x02, 0x0A, 0x00])
    raw = bytes([0x0A, len(meta)]) + meta
    unknown = (b"\x0a\x0f\x0a\x02v1\x12\x09ConfigMap" + bytes([0x12, len(raw)]) + raw)
    with pytest.raises(UnsupportedMediaType, match="field 17 of ObjectMeta"):
        protobuf.decode(protobuf.MAGIC + unknown, "ConfigMap")


def test_not_protobuf_and_cut_short():
    with pytest.raises(BadRequest, match="does not appear to be a protobuf message"):
        protobuf.decode(b"{}", "Deployment")
    with pytest.raises(BadRequest, match="unexpected end of data"):
        protobuf.decode(CREATE_DEPLOYMENT[:-40], "Deployment")


@pytest.mark.django_db
def test_kubectl_create_deployment_over_the_api(api):
    status, body = api.request("POST", "/apis/apps/v1/namespaces/default/deployments"
                               "?fieldManager=kubectl-create&fieldValidation=Strict",
                               CREATE_DEPLOYMENT, content_type=PROTOBUF)
    assert status == 201, body
    assert body["metadata"]["name"] == "web" and body["spec"]["replicas"] == 3
    assert body["spec"]["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80, "protocol": "TCP"}]  # defaulted as any create is


@pytest.mark.django_db
def test_a_protobuf_body_of_another_kind_is_refused(api):
    status, body = api.request("POST", "/api/v1/namespaces/default/services", CREATE_DEPLOYMENT,
                               content_type=PROTOBUF)
    assert status == 400, body
    assert body["reason"] == "BadRequest"

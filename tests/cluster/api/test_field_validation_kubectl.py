"""The real kubectl's field validation and client-side apply patches, against one live daphne.

kubectl finds the fieldValidation parameter in /openapi/v3 and sends --validate's mode to the
server: strict (the default) fails on an unknown field, warn prints the server's Warning headers.
Re-applying a changed manifest sends a three-way strategic merge patch with $setElementOrder,
`$patch: delete` and $deleteFromPrimitiveList directives: the lists must come out as the manifest
has them, in its order, with finalizers merged as a set.
"""
import pytest

from tests.livecluster import KUBECTL

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")]

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: NAME, finalizers: FINALIZERS}
spec:
  replicas: 1
  EXTRA
  selector: {matchLabels: {app: NAME}}
  template:
    metadata: {labels: {app: NAME}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: PORTS
        env: ENV
"""


def manifest(tmp_path, name, extra="", ports="[{containerPort: 80}]",
             env="[{name: A, value: '1'}]", finalizers="[]"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(DEPLOYMENT.replace("NAME", name).replace("EXTRA", extra or "paused: false")
                    .replace("PORTS", ports).replace("ENV", env)
                    .replace("FINALIZERS", finalizers))
    return str(path)


@pytest.fixture(scope="module")
def kubectl(live_cluster):
    return live_cluster.kubectl()


def test_unknown_field_fails_by_default_and_warns_with_validate_warn(kubectl, tmp_path):
    bad = manifest(tmp_path, "fv1", extra="foo: bar")
    for command in (("apply", "-f", bad), ("create", "-f", bad)):
        done = kubectl.run(*command, check=False)
        assert done.returncode == 1
        assert done.stderr.strip() == (
            f'Error from server (BadRequest): error when creating "{bad}": Deployment in version '
            '"v1" cannot be handled as a Deployment: strict decoding error: unknown field '
            '"spec.foo"')
    done = kubectl.run("apply", "--validate=warn", "-f", bad)
    assert done.stderr.strip() == 'Warning: unknown field "spec.foo"'
    assert done.stdout.strip() == "deployment.apps/fv1 created"
    assert "foo" not in kubectl.json("get", "deployment", "fv1")["spec"]


def test_unknown_field_in_a_reapply_is_refused_or_ignored(kubectl, tmp_path):
    kubectl("apply", "-f", manifest(tmp_path, "fv2"))
    bad = manifest(tmp_path, "fv2", extra="foo: bar")
    done = kubectl.run("apply", "-f", bad, check=False)
    assert done.returncode == 1
    assert 'The request is invalid: patch: Invalid value: "map[' in done.stderr
    assert 'strict decoding error: unknown field "spec.foo"' in done.stderr
    done = kubectl.run("apply", "--validate=ignore", "-f", bad)
    assert done.stderr == "" and done.stdout.strip() == "deployment.apps/fv2 configured"
    # The live object still lacks the field, so the next patch sends it again.
    done = kubectl.run("apply", "--validate=warn", "-f", bad)
    assert done.stderr.strip() == 'Warning: unknown field "spec.foo"'
    assert done.stdout.strip() == "deployment.apps/fv2 configured"


def test_reapply_removes_the_list_entries_the_manifest_dropped(kubectl, tmp_path):
    kubectl("apply", "-f", manifest(
        tmp_path, "fv3", ports="[{containerPort: 80, name: http}, {containerPort: 443}]",
        env="[{name: A, value: '1'}, {name: B, value: '2'}, {name: C, value: '3'}]",
        finalizers="[example.com/a, example.com/b]"))
    kubectl("patch", "deployment", "fv3", "--type=json", "-p",
            '[{"op": "add", "path": "/metadata/finalizers/-", "value": "example.com/c"}]')
    kubectl("apply", "-f", manifest(
        tmp_path, "fv3", ports="[{containerPort: 8080}, {containerPort: 80, name: web}]",
        env="[{name: C, value: '3'}, {name: A, value: '1'}]", finalizers="[example.com/b]"))
    deployment = kubectl.json("get", "deployment", "fv3")
    # finalizers merge as a set: the one added meanwhile stays
    assert deployment["metadata"]["finalizers"] == ["example.com/b", "example.com/c"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert [(p["containerPort"], p.get("name")) for p in container["ports"]] == [
        (8080, None), (80, "web")]
    assert [(e["name"], e["value"]) for e in container["env"]] == [("C", "3"), ("A", "1")]

"""The manifest editor in a browser: Apply shows up live on an open cluster view; Validate puts
each error at its line."""
import pytest
from playwright.sync_api import expect

from .dom import assert_not_reloaded, chips, mark_document, set_manifest

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
spec:
  replicas: 3
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        resources: {requests: {cpu: 250m}}
"""

# Line 16 is indented one space short of its sibling `image`: go-yaml stops there.
BAD_INDENT = DEPLOYMENT.replace("        resources:", "       resources:")
# Parses, but the API server refuses a negative replica count (spec.replicas, line 6).
NEGATIVE_REPLICAS = DEPLOYMENT.replace("replicas: 3", "replicas: -1")


def test_apply_a_deployment_and_watch_its_pods_become_ready_without_a_reload(open_page):
    view = open_page("/")
    expect(view.locator("section.node-card")).to_have_count(3)
    token = mark_document(view)

    editor = open_page("/editor/")
    set_manifest(editor, DEPLOYMENT)
    editor.get_by_role("button", name="Apply", exact=True).click()
    expect(editor.locator("#editor-result")).to_contain_text("deployment.apps/hello created")

    # The pods arrive on the open cluster view over its websocket: scheduled onto the workers
    # (the control plane is tainted), through their states, to Ready.
    expect(chips(view, "default/hello-")).to_have_count(3)
    expect(chips(view, "default/hello-", state="Ready")).to_have_count(3)
    expect(chips(view, "default/hello-", node="control-plane")).to_have_count(0)
    assert_not_reloaded(view, token)


@pytest.mark.parametrize(("manifest", "line", "words"), [
    (BAD_INDENT, 16, "did not find expected key"),
    (NEGATIVE_REPLICAS, 6, "spec.replicas"),
])
def test_validate_shows_an_error_at_its_line(open_page, cluster, manifest, line, words):
    editor = open_page("/editor/")
    set_manifest(editor, manifest)
    editor.get_by_role("button", name="Validate", exact=True).click()

    error = editor.locator(f'#editor-errors li[data-line="{line}"]')
    expect(error).to_have_count(1)
    expect(error).to_contain_text(words)
    # A dry run: nothing was created.
    status, _ = cluster.request("GET", "/apis/apps/v1/namespaces/default/deployments/hello")
    assert status == 404

"""The manifest editor: Validate is a server dry run whose errors sit at their lines; Apply is all
or nothing with kubectl's words; uploads load into the editor; Edit saves with the resourceVersion
it read, and a conflict or a deletion meanwhile loses nothing. POSTs need the CSRF token, and
nothing from a manifest becomes markup."""
import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cluster import kinds, store
from cluster.errors import NotFound
from dashboard.manifests import edits
from tests.manifests import WEB_DEPLOYMENT

pytestmark = pytest.mark.django_db

DEPLOYMENT, NODE = kinds.lookup("deployments"), kinds.lookup("nodes")
HX = {"HX-Request": "true"}
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'

CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: demo
"""
WEB = WEB_DEPLOYMENT
TWO = CONFIG_MAP + "---\n" + WEB  # the Deployment starts at line 8


@pytest.fixture
def client():
    return Client()


def post(client, name, data, *args, htmx=True, **kwargs):
    response = client.post(reverse(f"dashboard:{name}", args=args), data,
                           headers=HX if htmx else {}, **kwargs)
    return response, response.content.decode()


def errors(body):
    """(line, text) of each item of #editor-errors, text unescaped as a reader sees it."""
    listing = re.search(r'<ul id="editor-errors"[^>]*>(.*?)</ul>', body, re.DOTALL).group(1)
    items = re.findall(r'<li(?: data-line="(\d+)")?>.*?<span class="editor-problem">(.*?)</span>',
                       listing, re.DOTALL)
    return [(int(line) if line else None, html.unescape(text)) for line, text in items]


def result(body):
    """#editor-result's text, whitespace collapsed."""
    found = re.search(r'<div id="editor-result"[^>]*>(.*?)</div>', body, re.DOTALL).group(1)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found)).split())


def textarea(body):
    """The text the page's editor holds (the newline after the tag is the browser's to drop)."""
    text = re.search(r'<textarea id="manifest"[^>]*>\n(.*?)</textarea>', body, re.DOTALL).group(1)
    return html.unescape(text)


def loaded(body):
    found = re.search(r'<textarea id="editor-loaded"[^>]*>\n(.*?)</textarea>', body, re.DOTALL)
    return html.unescape(found.group(1)) if found else None


def deployments():
    return [d["metadata"]["name"] for d in store.list_objects(DEPLOYMENT).items]


def edit_url(name="web", resource="deployments", namespace="default"):
    return reverse("dashboard:edit", args=(resource, namespace, name))


# --- the page ---------------------------------------------------------------------------------

def test_the_page_is_a_form_that_works_without_javascript(client):
    body = client.get(reverse("dashboard:editor")).content.decode()
    assert '<textarea id="manifest" name="manifest"' in body
    assert re.search(r"<button[^>]*>Validate</button>", body)
    assert re.search(r"<button[^>]*>Apply</button>", body)
    assert f'action="{reverse("dashboard:editor-apply")}"' in body
    assert f'formaction="{reverse("dashboard:editor-validate")}"' in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert "Esc, then Tab" in body  # how to leave the editor by keyboard, said on the page
    assert "codemirror.js" in body and "kubesim/js/editor.js" in body
    assert 'aria-current="page">Editor' in body


def test_the_examples_menu_offers_every_kind(client):
    body = client.get(reverse("dashboard:editor")).content.decode()
    offered = re.findall(r'<option value="([a-z]+)">', body)
    assert sorted(offered) == sorted(k.kind.lower() for k in kinds.KINDS)


def test_an_example_loads_as_text_or_into_the_page(client):
    response = client.get(reverse("dashboard:editor-example", args=("deployment",)))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "kind: Deployment" in response.content.decode()
    page = client.get(reverse("dashboard:editor"), {"example": "service"}).content.decode()
    assert "kind: Service" in textarea(page)
    assert client.get(reverse("dashboard:editor-example", args=("nosuch",))).status_code == 404


# --- Validate ---------------------------------------------------------------------------------

def test_validate_is_a_dry_run_that_lists_what_would_be_created(client):
    response, body = post(client, "editor-validate", {"manifest": TWO})
    assert response.status_code == 200
    assert "<html" not in body  # a fragment for htmx
    assert result(body) == ("2 objects valid. Nothing was changed (a dry run). "
                            "configmap/settings created (server dry run) "
                            "deployment.apps/web created (server dry run)")
    assert errors(body) == []
    assert deployments() == []


def test_validate_puts_each_error_at_its_line_in_the_second_document(client):
    text = TWO.replace("replicas: 2", "replicas: -1").replace("image: nginx:1.27", 'image: ""')
    _, body = post(client, "editor-validate", {"manifest": text})
    assert errors(body) == [
        (13, "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
        (22, "spec.template.spec.containers[0].image: Required value"),
    ]
    assert text.splitlines()[12] == "  replicas: -1"
    assert 'Error from server (Invalid): error when creating "manifest": document 1 (line 13): ' \
           'Deployment.apps "web" is invalid' in html.unescape(body)
    assert "1 object valid" in result(body)  # the ConfigMap
    assert '<a class="editor-goto" href="#manifest" data-line="13">Line 13</a>' in body


def test_validate_reports_every_bad_document_not_only_the_first(client):
    text = (CONFIG_MAP.replace("\ndata:", "\nbogus: 1\ndata:") + "---\n"
            + WEB.replace("replicas: 2", "replicas: -2"))
    _, body = post(client, "editor-validate", {"manifest": text})
    assert [line for line, _ in errors(body)] == [5, 14]
    assert errors(body)[0][1] == 'unknown field "bogus"'


def test_a_yaml_syntax_error_shows_at_its_line(client):
    bad = TWO.replace("        image:", "       image:")  # line 22, one space short
    _, body = post(client, "editor-validate", {"manifest": bad})
    [(line, text)] = errors(body)
    assert line == 22
    assert text == ('error: error parsing manifest: document 1 (line 22): error converting YAML '
                    'to JSON: yaml: line 22: did not find expected key')


def test_a_tab_in_the_indentation_shows_at_its_line(client):
    _, body = post(client, "editor-validate", {"manifest": CONFIG_MAP.replace("  mode", "\tmode")})
    [(line, text)] = errors(body)
    assert line == 6 and "found character that cannot start any token" in text


def test_validate_of_nothing_says_so(client):
    _, body = post(client, "editor-validate", {"manifest": "# only a comment\n"})
    assert errors(body) == [(None, "error: no objects passed to apply")]


def test_validate_and_apply_take_posts_only(client):
    assert client.get(reverse("dashboard:editor-validate")).status_code == 405
    assert client.get(reverse("dashboard:editor-apply")).status_code == 405


# --- Apply ------------------------------------------------------------------------------------

def test_apply_creates_the_objects_and_links_to_them(client):
    _, body = post(client, "editor-apply", {"manifest": TWO})
    assert result(body) == "Applied 2 objects. configmap/settings created deployment.apps/web created"
    assert deployments() == ["web"]
    assert store.get(kinds.lookup("configmaps"), "default", "settings")["data"] == {"mode": "demo"}
    describe = reverse("dashboard:describe", args=("deployments", "default", "web"))
    assert f'<a href="{describe}">deployment.apps/web created</a>' in body


def test_apply_again_is_unchanged_and_a_change_is_configured(client):
    post(client, "editor-apply", {"manifest": TWO})
    _, body = post(client, "editor-apply", {"manifest": TWO})
    assert "configmap/settings unchanged deployment.apps/web unchanged" in result(body)
    _, body = post(client, "editor-apply", {"manifest": TWO.replace("replicas: 2", "replicas: 5")})
    assert "configmap/settings unchanged deployment.apps/web configured" in result(body)
    assert store.get(DEPLOYMENT, "default", "web")["spec"]["replicas"] == 5


def test_apply_is_all_or_nothing_and_keeps_the_text(client):
    text = TWO.replace("replicas: 2", "replicas: -1")
    response, body = post(client, "editor-apply", {"manifest": text}, htmx=False)
    assert response.status_code == 200 and "<html" in body  # the whole page without htmx
    assert result(body).startswith("1 error. Nothing was applied")
    assert errors(body) == [(13, "spec.replicas: Invalid value: -1: must be greater than or equal to 0")]
    with pytest.raises(NotFound):
        store.get(kinds.lookup("configmaps"), "default", "settings")
    assert textarea(body) == text


def test_apply_over_an_object_made_without_apply_warns_as_kubectl_does(client):
    store.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"},
                  "data": {"mode": "old"}})
    _, body = post(client, "editor-apply", {"manifest": CONFIG_MAP})
    assert "configmap/settings configured" in result(body)
    assert ("Warning: resource configmaps/settings is missing the "
            "kubectl.kubernetes.io/last-applied-configuration annotation") in result(body)


def test_apply_into_a_missing_namespace_points_at_the_namespace(client):
    text = CONFIG_MAP.replace("  name: settings", "  name: settings\n  namespace: nowhere")
    _, body = post(client, "editor-apply", {"manifest": text})
    assert errors(body) == [(5, ('Error from server (NotFound): error when creating "manifest": '
                                'document 0 (line 5): namespaces "nowhere" not found'))]


# --- uploads ----------------------------------------------------------------------------------

def upload(name, text):
    return SimpleUploadedFile(name, text.encode(), content_type="application/yaml")


def test_an_upload_is_loaded_into_the_editor_not_applied(client):
    _, body = post(client, "editor-upload", {"files": [upload("web.yaml", WEB)]})
    assert loaded(body) == WEB
    assert "Loaded web.yaml into the editor" in result(body)
    assert deployments() == []
    _, page = post(client, "editor-upload", {"files": [upload("web.yaml", WEB)]}, htmx=False)
    assert textarea(page) == WEB and loaded(page) is None


def test_several_files_become_one_stream_of_documents(client):
    files = [upload("a.yml", CONFIG_MAP), upload("b.json", '{"apiVersion": "v1", "kind": "Namespace", '
                                                            '"metadata": {"name": "team-a"}}')]
    _, body = post(client, "editor-upload", {"files": files})
    text = loaded(body)
    assert text.startswith("# a.yml\napiVersion: v1") and "---\n# b.json\n{" in text
    _, body = post(client, "editor-validate", {"manifest": text})
    assert "configmap/settings created (server dry run) namespace/team-a created" in result(body)


def test_an_upload_that_is_not_a_manifest_file_is_refused_and_the_text_kept(client):
    _, body = post(client, "editor-upload",
                          {"files": [upload("notes.txt", "hello")], "manifest": WEB}, htmx=False)
    assert "Nothing was loaded" in result(body)
    assert errors(body) == [(None, ('error: error reading "notes.txt": a manifest file must end in '
                                   '.yaml, .yml, .json'))]
    assert textarea(body) == WEB


def test_an_upload_over_the_size_limit_is_refused(client, settings):
    settings.KUBESIM_MAX_REQUEST_BYTES = 100
    _, body = post(client, "editor-upload", {"files": [upload("web.yaml", WEB)]})
    assert errors(body) == [(None, ("Error from server (RequestEntityTooLarge): Request entity too "
                                   "large: limit is 100"))]
    assert loaded(body) is None


# --- Edit -------------------------------------------------------------------------------------

@pytest.fixture
def web(client):
    post(client, "editor-apply", {"manifest": WEB})
    return store.get(DEPLOYMENT, "default", "web")


def test_edit_shows_the_object_as_kubectl_edit_does(client, web):
    body = client.get(edit_url()).content.decode()
    text = textarea(body)
    assert text.startswith("# Please edit the object below.")
    assert f"resourceVersion: \"{web['metadata']['resourceVersion']}\"" in text
    assert "managedFields" not in text
    assert f'name="resource_version" value="{web["metadata"]["resourceVersion"]}"' in body
    assert re.search(r"<button[^>]*>Save</button>", body)


def test_edit_of_a_cluster_scoped_object(client):
    body = client.get(reverse("dashboard:edit", args=("namespaces", "_", "kube-public"))).content.decode()
    assert "name: kube-public" in textarea(body)
    assert client.get(reverse("dashboard:edit", args=("namespaces", "default", "kube-public"))).status_code == 404
    assert client.get(edit_url("nosuch")).status_code == 404
    assert client.get(edit_url(resource="widgets")).status_code == 404


def test_save_updates_the_object_and_reloads_its_new_version(client, web):
    text = textarea(client.get(edit_url()).content.decode()).replace("replicas: 2", "replicas: 4")
    version = web["metadata"]["resourceVersion"]
    _, body = post(client, "edit", {"manifest": text, "resource_version": version},
                   "deployments", "default", "web")
    saved = store.get(DEPLOYMENT, "default", "web")
    assert saved["spec"]["replicas"] == 4
    assert result(body) == "Saved. The editor holds the object as stored now. deployment.apps/web edited"
    describe = reverse("dashboard:describe", args=("deployments", "default", "web"))
    assert f'<a href="{describe}">deployment.apps/web edited</a>' in body
    new_version = saved["metadata"]["resourceVersion"]
    assert f'resourceVersion: "{new_version}"' in loaded(body)
    assert (f'<input type="hidden" id="resource-version" name="resource_version" '
            f'value="{new_version}" hx-swap-oob="true">') in body
    # Saving the reloaded text again changes nothing: kubectl's words for that.
    _, body = post(client, "edit", {"manifest": loaded(body), "resource_version": new_version},
                   "deployments", "default", "web")
    assert result(body) == "Edit cancelled, no changes made."


def test_validate_on_the_edit_page_is_a_dry_run(client, web):
    text = edits.as_yaml(web).replace("replicas: 2", "replicas: 7")
    _, body = post(client, "edit", {"manifest": text, "dry_run": "1"}, "deployments", "default", "web")
    assert result(body) == "deployment.apps/web edited (server dry run)"
    assert store.get(DEPLOYMENT, "default", "web")["spec"]["replicas"] == 2


def test_a_conflict_keeps_the_text_and_offers_the_latest_version(client, web):
    opened = textarea(client.get(edit_url()).content.decode())
    version = web["metadata"]["resourceVersion"]
    store.guaranteed_update(DEPLOYMENT, "default", "web",
                            lambda d: d["spec"].update(replicas=3))  # someone else, meanwhile
    mine = opened.replace("replicas: 2", "replicas: 9")
    _, body = post(client, "edit", {"manifest": mine, "resource_version": version},
                          "deployments", "default", "web", htmx=False)
    assert "the object changed after you opened it. Your text is kept." in result(body)
    line = mine.splitlines().index(f'  resourceVersion: "{version}"') + 1
    assert errors(body) == [(line, ('Error from server (Conflict): Operation cannot be fulfilled on '
                                   'deployments.apps "web": the object has been modified; please '
                                   'apply your changes to the latest version and try again'))]
    assert textarea(body) == mine  # nothing lost
    latest = store.get(DEPLOYMENT, "default", "web")
    assert latest["spec"]["replicas"] == 3
    assert f"The latest version (resourceVersion {latest['metadata']['resourceVersion']})" in body
    assert "replicas: 3" in html.unescape(re.search(r'<pre class="editor-latest-text"[^>]*>(.*?)</pre>',
                                                    body, re.DOTALL).group(1))
    assert f'name="resource_version" value="{version}"' in body  # still the version they edited


def test_a_status_written_meanwhile_is_no_conflict(client, web):
    """Controllers and kubelets write status all the time; an edit never changes it, so a version
    that differs only there takes the edit (as kubectl edit's patch would), not a conflict."""
    opened = textarea(client.get(edit_url()).content.decode())
    store.guaranteed_update(DEPLOYMENT, "default", "web",
                            lambda d: d["status"].update(observedGeneration=1, replicas=2),
                            subresource="status")
    _, body = post(client, "edit", {"manifest": opened.replace("replicas: 2", "replicas: 6")},
                   "deployments", "default", "web")
    assert "deployment.apps/web edited" in result(body)
    saved = store.get(DEPLOYMENT, "default", "web")
    assert saved["spec"]["replicas"] == 6 and saved["status"]["observedGeneration"] == 1


def test_edit_of_an_object_deleted_meanwhile_keeps_the_text(client, web):
    text = edits.as_yaml(web).replace("replicas: 2", "replicas: 4")
    store.delete(DEPLOYMENT, "default", "web")
    _, body = post(client, "edit", {"manifest": text, "resource_version": web["metadata"]["resourceVersion"]},
                   "deployments", "default", "web", htmx=False)
    assert "the object no longer exists. Your text is kept." in result(body)
    assert errors(body)[0][1] == 'Error from server (NotFound): deployments.apps "web" not found'
    assert textarea(body) == text


def test_an_invalid_edit_shows_its_error_at_its_line(client, web):
    text = edits.as_yaml(web).replace("replicas: 2", "replicas: -1")
    _, body = post(client, "edit", {"manifest": text}, "deployments", "default", "web")
    line = text.splitlines().index("  replicas: -1") + 1
    assert errors(body) == [(line, "spec.replicas: Invalid value: -1: must be greater than or equal to 0")]


def test_an_edit_may_not_turn_into_another_object(client, web):
    text = edits.as_yaml(web).replace("name: web\n  namespace", "name: other\n  namespace")
    _, body = post(client, "edit", {"manifest": text}, "deployments", "default", "web")
    assert errors(body)[0][1] == "error: At least one of apiVersion, kind and name was changed"
    assert deployments() == ["web"]


# --- safety -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["editor-validate", "editor-apply", "editor-upload"])
def test_posts_without_the_csrf_token_are_refused(name):
    guarded = Client(enforce_csrf_checks=True)
    response = guarded.post(reverse(f"dashboard:{name}"), {"manifest": CONFIG_MAP}, headers=HX)
    assert response.status_code == 403
    assert store.list_objects(kinds.lookup("configmaps")).items == []


def test_the_token_the_page_carries_lets_the_post_through(web):
    guarded = Client(enforce_csrf_checks=True)
    page = guarded.get(edit_url()).content.decode()
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    text = textarea(page).replace("replicas: 2", "replicas: 3")
    assert guarded.post(edit_url(), {"manifest": text}).status_code == 403
    response = guarded.post(edit_url(), {"manifest": text}, headers={**HX, "X-CSRFToken": token})
    assert response.status_code == 200
    assert store.get(DEPLOYMENT, "default", "web")["spec"]["replicas"] == 3


def test_hostile_names_and_labels_are_escaped_in_errors(client):
    text = CONFIG_MAP.replace("name: settings", f'name: "{SCRIPT}"\n  labels: {{app: "{SCRIPT}"}}')
    _, body = post(client, "editor-validate", {"manifest": text})
    assert SCRIPT not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert [line for line, _ in errors(body)] == [4, 5]
    assert all(SCRIPT in text for _, text in errors(body))


def test_a_yaml_error_quoting_hostile_text_is_escaped(client):
    _, body = post(client, "editor-validate", {"manifest": f"kind: !!int {SCRIPT}\n"})
    [(line, text)] = errors(body)
    assert line == 1 and f"cannot decode !!str `{SCRIPT}` as a !!int" in text
    assert SCRIPT not in body


def test_hostile_annotations_are_escaped_when_applied_and_edited(client):
    text = CONFIG_MAP.replace("name: settings", f"name: settings\n  annotations: {{note: '{IMG}'}}")
    _, body = post(client, "editor-apply", {"manifest": text})
    assert "configmap/settings created" in result(body)
    page = client.get(reverse("dashboard:edit", args=("configmaps", "default", "settings"))).content.decode()
    assert IMG not in page and "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert IMG in textarea(page)

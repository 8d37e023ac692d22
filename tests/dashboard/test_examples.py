"""The editor's examples: one for every kind the cluster serves, each passing a server dry run
as the Validate button runs it, each with comments that explain it."""
import pytest

from cluster import kinds, manifests
from cluster.apply import apply
from dashboard.manifests import examples

pytestmark = pytest.mark.django_db

CATALOG = ("nginx", "httpd", "redis", "memcached", "postgres", "mysql", "busybox", "alpine",
           "ubuntu", "debian", "python", "node", "hello-world", "curlimages/curl",
           "registry.k8s.io/pause", "hashicorp/http-echo", "registry.k8s.io/e2e-test-images/agnhost")


def test_the_menu_lists_every_kind_once():
    assert sorted(examples.kind_names()) == sorted(k.kind for k in kinds.KINDS)


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.kind)
def test_every_example_passes_a_server_dry_run(kind):
    text = examples.text(examples.slug(kind.kind))
    assert text is not None, f"no example for {kind.kind}"
    documents = manifests.parse(text, f"{kind.kind} example")
    results = apply(documents, dry_run=True)
    assert [r.kind for r in results][:1] == [kind]
    assert all(r.action == "created" for r in results)
    assert text.lstrip().startswith("#"), "an example starts with a comment saying what it is"


def _images(obj):
    """Every container image in an object, however deep its pod template sits."""
    if isinstance(obj, dict):
        found = [obj["image"]] if isinstance(obj.get("image"), str) else []
        return found + [i for v in obj.values() for i in _images(v)]
    if isinstance(obj, list):
        return [i for v in obj for i in _images(v)]
    return []


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.kind)
def test_examples_use_images_from_the_catalog(kind):
    for document in manifests.parse(examples.text(examples.slug(kind.kind))):
        for image in _images(document.obj):
            repository = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
            assert repository in CATALOG, f"{kind.kind}: {image} is not in the README's catalog"


def test_only_kind_names_reach_the_file_system():
    assert examples.text("../../kubesim/settings") is None
    assert examples.text("nosuchkind") is None

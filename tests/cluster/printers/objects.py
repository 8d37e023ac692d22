"""API objects to print, and their rows on a fixed clock."""
from datetime import UTC, datetime, timedelta

from cluster import printers

NOW = datetime(2025, 3, 1, 12, 0, 0, 400000, tzinfo=UTC)  # a clock reading has microseconds


def ago(seconds):
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name="web", created=300, **more):
    return {"name": name, "namespace": "default", "uid": f"uid-{name}",
            "creationTimestamp": ago(created), **more}


def row(kind, obj, wide=True):
    return printers.cells(kind, obj, NOW, wide=wide)


def condition(condition_type, status="True", **more):
    return {"type": condition_type, "status": status, **more}


def template(*images, selector=None):
    containers = [{"name": f"c{i}", "image": image} for i, image in enumerate(images)]
    return {"selector": {"matchLabels": {"app": "web"}} if selector is None else selector,
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": containers}}}

"""Manifests as people write them pass validation, and read back stable."""
import copy

import pytest
import yaml

from cluster import defaults, kinds, store

from .manifests import REAL_WORLD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("manifest", list(yaml.safe_load_all(REAL_WORLD)),
                         ids=lambda m: f"{m['kind']}/{m['metadata']['name']}")
def test_real_world_manifests_pass_and_read_back_stable(manifest):
    created = store.create(manifest)
    again = copy.deepcopy(created)
    defaults.apply(kinds.for_object(created), again)
    assert again == created
    assert store.get(kinds.for_object(created), "default", manifest["metadata"]["name"]) == created
    assert store.get(kinds.for_object(created), "default", manifest["metadata"]["name"]) == created

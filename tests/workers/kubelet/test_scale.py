"""A node with many pods: a sync reads them in a few queries and writes only what changed."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cluster import store
from cluster.models import Pod

pytestmark = pytest.mark.django_db
PODS = 100


@pytest.fixture
def hundred_pods(make_pod, settings):
    settings.KUBESIM_ZERO_DELAYS = True
    for i in range(PODS):
        make_pod(f"web-{i:03d}")


def test_zero_delays_start_every_pod_in_one_sync(hundred_pods, sync):
    sync()
    phases = list(Pod.objects.values_list("phase", flat=True))
    assert phases == ["Running"] * PODS


def test_an_idle_sync_reads_and_writes_little(hundred_pods, sync, step):
    sync()
    revision = store.current_revision()
    with CaptureQueriesContext(connection) as queries:
        sync()
    assert store.current_revision() == revision  # no pod, node or lease write
    assert len(queries) <= 6  # node, kubelet, lease, pods, runtime records (+ savepoints)

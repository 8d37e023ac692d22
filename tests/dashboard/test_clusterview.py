"""dashboard.clusterview: node cards (state, taints, requested against allocatable), pod chips,
grouping by state on a crowded node, the unscheduled lane, the namespace filter; and the control
plane box and event rows beside them."""
import pytest

from cluster import store
from dashboard import clusterview, controlplane, eventstream
from workers import operations

from .clusterobjects import NODE, POD, READY, event, namespace, node, pod, set_status

pytestmark = pytest.mark.django_db


def card_of(name, namespace=None):
    snapshot = clusterview.read()
    return next(c for c in clusterview.node_cards(snapshot, namespace) if c.name == name)


def test_requested_resources_add_up_the_pods_that_hold_them():
    node("node-1", cpu="4", memory="8Gi")
    pod("a", "node-1", requests={"cpu": "250m", "memory": "64Mi"})
    pod("b", "node-1", requests={"cpu": "500m", "memory": "128Mi"})
    done = pod("c", "node-1", requests={"cpu": "2", "memory": "1Gi"})
    set_status(done, {"phase": "Succeeded"})  # a finished pod holds nothing
    card = card_of("node-1")
    cpu, memory = card.bars
    assert (cpu.resource, cpu.text, cpu.percent, cpu.over) == ("CPU", "750m / 4 (19%)", 19, False)
    assert (memory.resource, memory.text) == ("Memory", "192Mi / 8Gi (2%)")
    assert (card.running_pods, card.allowed_pods) == (2, 110)


def test_more_requested_than_allocatable_shows_as_overcommitted():
    node("node-1", cpu="2")
    pod("big", "node-1", requests={"cpu": "3"})
    cpu = card_of("node-1").bars[0]
    assert (cpu.text, cpu.percent, cpu.over) == ("3 / 2 (150%)", 100, True)


def test_a_card_says_ready_cordoned_taints_and_a_stopped_kubelet():
    node("node-1", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
                           {"key": "spot", "effect": "PreferNoSchedule"}])
    operations.cordon("node-1")
    operations.stop_kubelet("node-1")
    card = card_of("node-1")
    assert (card.status, card.ready, card.cordoned, card.kubelet_running) == (
        "Ready", True, True, False)
    assert card.taints == ["dedicated=gpu:NoSchedule", "spot:PreferNoSchedule"]
    assert card.url == "/objects/nodes/_/node-1"


def test_a_node_without_a_ready_condition_is_unknown():
    node("node-1")
    store.guaranteed_update(NODE, None, "node-1",
                            lambda n: n["status"].update(conditions=[]), subresource="status")
    card = card_of("node-1")
    assert (card.status, card.ready) == ("Unknown", False)


def test_chips_say_state_link_to_the_pod_and_explain_themselves():
    node("node-1")
    pod("web-1", "node-1", labels={"app": "web"}, status=READY,
        annotations={"kubesim.io/crash-after": "30", "other.io/x": "hidden"})
    stuck = pod("web-2", "node-1")
    set_status(stuck, {"phase": "Pending", "containerStatuses": [{
        "name": "app", "image": "ngnix", "ready": False, "restartCount": 0,
        "state": {"waiting": {"reason": "ImagePullBackOff",
                              "message": 'Back-off pulling image "ngnix"'}}}]})
    chips = card_of("node-1").pods.chips
    assert [(c.key, c.state, c.css, c.label) for c in chips] == [
        ("default/web-1", "Ready", "state-ok", "Ready"),
        ("default/web-2", "ImagePullBackOff", "state-bad", "ImagePullBackOff")]
    ready, pulling = chips
    assert ready.url == "/objects/pods/default/web-1"
    assert ready.title == "default/web-1: Ready · labels: app=web · kubesim.io/crash-after=30"
    assert pulling.title == ('default/web-2: ImagePullBackOff · Back-off pulling image "ngnix"')


def test_a_crowded_node_groups_its_pods_by_state_with_counts():
    node("node-1", pods="200")
    for i in range(clusterview.GROUP_ABOVE + 1):
        pod(f"p{i:02}", "node-1", status=READY if i % 3 else None)
    pods = card_of("node-1").pods
    assert pods.chips == [] and pods.total == clusterview.GROUP_ABOVE + 1
    assert [(g.state, g.count, g.css) for g in pods.groups] == [
        ("Pending", 9, "state-warn"), ("Ready", 16, "state-ok")]


def test_up_to_the_threshold_every_pod_has_its_chip():
    node("node-1")
    for i in range(clusterview.GROUP_ABOVE):
        pod(f"p{i:02}", "node-1")
    pods = card_of("node-1").pods
    assert len(pods.chips) == clusterview.GROUP_ABOVE and pods.groups == []


def test_the_namespace_filter_picks_chips_but_the_bars_count_every_pod():
    node("node-1")
    namespace("team-a")
    pod("mine", "node-1", namespace="team-a", requests={"cpu": "1"})
    pod("theirs", "node-1", requests={"cpu": "1"})
    card = card_of("node-1", "team-a")
    assert [c.key for c in card.pods.chips] == ["team-a/mine"]
    assert card.bars[0].text == "2 / 4 (50%)"


def test_the_lane_holds_pods_without_a_node():
    node("node-1")
    namespace("team-a")
    pod("waiting", namespace="team-a")
    pod("placed", "node-1")
    snapshot = clusterview.read()
    assert [c.key for c in clusterview.lane(snapshot).chips] == ["team-a/waiting"]
    assert clusterview.lane(snapshot, "default").chips == []


def test_reading_costs_four_queries_however_many_pods_and_three_when_none_changed(
        django_assert_num_queries):
    for n in range(3):
        node(f"node-{n}")
    for i in range(60):
        pod(f"p{i}", f"node-{i % 4}" if i % 4 < 3 else "")
    with django_assert_num_queries(4):  # nodes, pods' versions, the pods, kubelets
        snapshot = clusterview.read()
    assert sum(map(len, snapshot.pods_by_node.values())) == 45 and len(snapshot.lane) == 15
    with django_assert_num_queries(3):  # no pod changed: none decoded again
        again = clusterview.read()
    assert again.pods_by_node == snapshot.pods_by_node
    set_status(store.get(POD, "default", "p1"), READY)
    store.delete(POD, "default", "p2", grace_period_seconds=0)
    changed = clusterview.read()
    p1 = next(p for p in changed.pods_by_node["node-1"] if p["metadata"]["name"] == "p1")
    assert p1["status"]["phase"] == "Running"
    assert "p2" not in {p["metadata"]["name"] for p in changed.pods_by_node["node-2"]}
    with django_assert_num_queries(3):
        partial = clusterview.read({"node-1"}, with_lane=False)
    assert [n["metadata"]["name"] for n in partial.nodes] == ["node-1"]
    assert list(partial.pods_by_node) == ["node-1"] and partial.lane == []


# --- the control plane and the event stream ---------------------------------------------------

def test_the_control_plane_shows_each_components_last_action():
    node("node-1")
    web = pod("web-1", "node-1")
    event(web, "Scheduled", "Successfully assigned default/web-1 to node-1",
          component="default-scheduler")
    event(web, "SuccessfulCreate", "Created pod: web-1", component="replicaset-controller")
    event(web, "Pulling", 'Pulling image "nginx:1.27"')  # the kubelet's: no box of its own
    apiserver, store_box, scheduler, controllers = controlplane.components(
        acting={controlplane.SCHEDULER})
    revision = store.current_revision()
    assert apiserver.action.startswith("create events default/web-1.")
    assert apiserver.detail.endswith("writes/s")
    assert store_box.action == f"revision {revision}"
    assert scheduler.action == "Scheduled: Successfully assigned default/web-1 to node-1"
    assert scheduler.acting and not apiserver.acting
    assert controllers.action == "replicaset-controller: SuccessfulCreate: Created pod: web-1"


def test_event_rows_link_to_their_object_newest_first():
    node("node-1")
    web = pod("web-1", "node-1")
    event(web, "Pulled", "pulled")
    event(web, "BackOff", "Back-off restarting failed container", event_type="Warning")
    rows = eventstream.latest(10)
    assert [(r.reason, r.type, r.warning) for r in rows] == [
        ("BackOff", "Warning", True), ("Pulled", "Normal", False)]
    assert rows[0].target == "pod/web-1"
    assert rows[0].url == "/objects/pods/default/web-1"
    assert rows[0].source == "kubelet" and rows[0].count == 1
    node_event = eventstream.row(event(store.get(NODE, None, "node-1"),
                                       "NodeReady", "ready", component="kubelet"))
    assert node_event.url == "/objects/nodes/_/node-1"

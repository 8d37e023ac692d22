"""The Job controller: pods from the template, completions and parallelism, backoffLimit,
activeDeadlineSeconds, Indexed mode and ttlSecondsAfterFinished; pods finish by hand (no kubelet
runs here), and the clock is stepped."""
import pytest

from cluster import kinds, store, timestamps
from cluster.models import ApiObject
from workers.controllers import job as job_controller

pytestmark = pytest.mark.django_db
JOB = kinds.BY_KIND[("batch", "Job")]
POD = kinds.BY_KIND[("", "Pod")]


def make_job(name="hello", restart_policy="Never", **spec):
    return store.create({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
        "spec": {"template": {"spec": {
            "restartPolicy": restart_policy,
            "containers": [{"name": name, "image": "busybox", "command": ["echo", "hi"]}]}},
            **spec}})


def sync(job):
    return job_controller.reconcile(f"default/{job['metadata']['name']}")


def get(job):
    return store.get(JOB, "default", job["metadata"]["name"])


def finish(pod, phase, exit_code=None, restarts=0):
    """What the kubelet writes when a pod's container exits."""
    now = timestamps.timestamp(timestamps.now())
    code = exit_code if exit_code is not None else (0 if phase == "Succeeded" else 1)

    def done(current):
        current["status"] = {
            **current.get("status", {}), "phase": phase,
            "containerStatuses": [{"name": "c", "image": "busybox", "imageID": "", "ready": False,
                                   "restartCount": restarts, "state": {"terminated": {
                                       "exitCode": code, "reason": "Completed" if code == 0
                                       else "Error", "startedAt": now, "finishedAt": now}}}]}

    return store.guaranteed_update(POD, "default", pod["metadata"]["name"], done,
                                   subresource="status")


def conditions(job):
    return [(c["type"], c["status"], c.get("reason"))
            for c in (get(job).get("status") or {}).get("conditions") or ()]


def test_the_strategy_generates_the_selector_and_labels(cluster):
    job = make_job()
    uid = job["metadata"]["uid"]
    assert job["spec"]["manualSelector"] is False
    assert job["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    labels = {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "hello",
              "controller-uid": uid, "job-name": "hello"}
    assert job["spec"]["template"]["metadata"]["labels"] == labels
    assert job["metadata"]["labels"] == labels


def test_a_job_runs_to_complete(cluster):
    job = make_job()
    assert sync(job) is None
    [pod] = cluster.pods(job)
    assert pod["metadata"]["name"].startswith("hello-")
    assert pod["metadata"]["labels"]["job-name"] == "hello"
    ref = pod["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["name"], ref["controller"]) == ("Job", "hello", True)
    status = get(job)["status"]
    assert status["active"] == 1 and status["ready"] == 0 and status["terminating"] == 0
    assert status["startTime"] == timestamps.timestamp(timestamps.now())

    cluster.step(5)
    finish(pod, "Succeeded")
    sync(job)
    done = get(job)
    assert conditions(job) == [("SuccessCriteriaMet", "True", "CompletionsReached"),
                               ("Complete", "True", "CompletionsReached")]
    assert done["status"]["succeeded"] == 1 and "active" not in done["status"]
    assert done["status"]["completionTime"] == timestamps.timestamp(timestamps.now())
    assert cluster.events(done) == [
        ("Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}"),
        ("Normal", "Completed", "Job completed")]
    assert len(cluster.pods(job)) == 1  # the finished pod is kept for its logs


def test_reconcile_twice_writes_nothing(cluster):
    job = make_job(parallelism=2, completions=3)
    sync(job)
    revision = store.current_revision()
    sync(job)
    assert store.current_revision() == revision
    assert len(cluster.pods(job)) == 2


def test_parallelism_and_completions(cluster):
    job = make_job(parallelism=2, completions=3)
    sync(job)
    pods = cluster.pods(job)
    assert len(pods) == 2
    finish(pods[0], "Succeeded")
    sync(job)
    assert len(cluster.pods(job)) == 3  # one more for the third completion
    assert get(job)["status"]["active"] == 2
    finish(pods[1], "Succeeded")
    sync(job)
    assert len(cluster.pods(job)) == 3  # completions - succeeded = 1 is running
    for pod in cluster.pods(job):
        if pod["status"]["phase"] == "Pending":
            finish(pod, "Succeeded")
    sync(job)
    assert get(job)["status"]["succeeded"] == 3
    assert ("Complete", "True", "CompletionsReached") in conditions(job)


def test_failed_pods_are_replaced_after_a_back_off_until_the_backoff_limit(cluster):
    job = make_job(backoffLimit=1)
    sync(job)
    [first] = cluster.pods(job)
    finish(first, "Failed")
    assert sync(job).requeue_after == 10  # the pod failure back-off
    assert len(cluster.pods(job)) == 1
    cluster.step(10)
    sync(job)
    second = [p for p in cluster.pods(job) if p["status"]["phase"] == "Pending"]
    assert len(second) == 1 and get(job)["status"]["failed"] == 1
    finish(second[0], "Failed")
    cluster.step(1)
    sync(job)
    failed = get(job)
    assert conditions(job) == [("FailureTarget", "True", "BackoffLimitExceeded"),
                               ("Failed", "True", "BackoffLimitExceeded")]
    assert failed["status"]["failed"] == 2 and "completionTime" not in failed["status"]
    assert cluster.events(failed)[-1] == ("Warning", "BackoffLimitExceeded",
                                          "Job has reached the specified backoff limit")
    revision = store.current_revision()
    sync(job)
    assert store.current_revision() == revision


def test_on_failure_restarts_count_against_the_backoff_limit(cluster):
    job = make_job(restart_policy="OnFailure", backoffLimit=2)
    sync(job)
    [pod] = cluster.pods(job)
    cluster.make_ready(pod, restarts=2)
    sync(job)
    assert ("Failed", "True", "BackoffLimitExceeded") in conditions(job)
    assert cluster.pods(job) == []  # the running pod was deleted (it had no node)


def test_active_deadline_seconds(cluster):
    job = make_job(activeDeadlineSeconds=30)
    assert sync(job).requeue_after == 30
    [pod] = cluster.pods(job)
    cluster.step(30)
    sync(job)
    assert conditions(job) == [("FailureTarget", "True", "DeadlineExceeded"),
                               ("Failed", "True", "DeadlineExceeded")]
    events = cluster.events(get(job))
    assert ("Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}") in events
    assert events[-1] == ("Warning", "DeadlineExceeded",
                          "Job was active longer than specified deadline")


def test_indexed_job(cluster):
    job = make_job(completionMode="Indexed", completions=3, parallelism=2)
    sync(job)
    pods = cluster.pods(job)
    indexes = sorted(p["metadata"]["annotations"][job_controller.COMPLETION_INDEX] for p in pods)
    assert indexes == ["0", "1"]
    zero = next(p for p in pods if p["metadata"]["labels"][job_controller.COMPLETION_INDEX] == "0")
    assert zero["metadata"]["name"].startswith("hello-0-")
    assert zero["spec"]["hostname"] == "hello-0"
    assert zero["spec"]["containers"][0]["env"][-1]["name"] == "JOB_COMPLETION_INDEX"
    finish(zero, "Succeeded")
    sync(job)
    status = get(job)["status"]
    assert status["completedIndexes"] == "0" and status["succeeded"] == 1
    created = {p["metadata"]["annotations"][job_controller.COMPLETION_INDEX]
               for p in cluster.pods(job)}
    assert created == {"0", "1", "2"}
    for pod in cluster.pods(job):
        if pod["status"]["phase"] == "Pending":
            finish(pod, "Succeeded")
    sync(job)
    assert get(job)["status"]["completedIndexes"] == "0-2"
    assert ("Complete", "True", "CompletionsReached") in conditions(job)


def test_ttl_seconds_after_finished_deletes_the_job(cluster):
    job = make_job(ttlSecondsAfterFinished=100)
    sync(job)
    [pod] = cluster.pods(job)
    finish(pod, "Succeeded")
    assert sync(job).requeue_after == 100
    cluster.step(60)
    assert sync(job).requeue_after == 40
    cluster.step(40)
    assert sync(job) is None
    gone = get(job)  # Foreground: the garbage collector deletes the pods, then the Job
    assert gone["metadata"]["deletionTimestamp"]
    assert gone["metadata"]["finalizers"] == ["foregroundDeletion"]


def test_suspended_job_makes_no_pods(cluster):
    job = make_job(suspend=True)
    sync(job)
    assert cluster.pods(job) == []
    assert conditions(job) == [("Suspended", "True", "JobSuspended")]
    assert "startTime" not in get(job)["status"]


def test_a_failed_job_waits_for_its_terminating_pods(cluster):
    job = make_job(activeDeadlineSeconds=10)
    sync(job)
    [pod] = cluster.pods(job)
    cluster.bind(pod, "node-1")
    cluster.make_ready(pod)
    cluster.step(10)
    sync(job)
    assert conditions(job) == [("FailureTarget", "True", "DeadlineExceeded")]
    status = get(job)["status"]
    assert status["terminating"] == 1 and "active" not in status
    store.delete(POD, "default", pod["metadata"]["name"], grace_period_seconds=0)
    finish_time = timestamps.timestamp(timestamps.now())
    cluster.step(3)
    sync(job)
    assert conditions(job)[-1] == ("Failed", "True", "DeadlineExceeded")
    assert get(job)["status"]["terminating"] == 0
    assert finish_time != get(job)["status"]["conditions"][-1]["lastTransitionTime"]


def test_the_whole_control_plane_runs_a_job_to_complete(cluster):
    """kubectl create job hello --image=busybox -- echo hi: scheduled, run by the kubelet,
    Complete; its pod kept, Completed."""
    from cluster.management.commands.seed_demo import demo_objects
    from workers import inline

    store.create(next(o for o in demo_objects() if o["metadata"]["name"] == "node-1"))
    job = make_job()
    inline.advance(60)
    [pod] = cluster.pods(job)
    assert pod["status"]["phase"] == "Succeeded"
    assert ("Complete", "True", "CompletionsReached") in conditions(job)
    assert get(job)["status"]["succeeded"] == 1


def test_a_job_whose_selector_cannot_count_its_pods_makes_none(cluster):
    """A Job stored before Jobs got a generated selector: its pods could never be counted."""
    created = store.create({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "old"},
                            "spec": {"template": {"spec": {
                                "restartPolicy": "Never",
                                "containers": [{"name": "x", "image": "busybox"}]}}}})
    row = ApiObject.objects.get(uid=created["metadata"]["uid"])
    row.spec = {k: v for k, v in row.spec.items() if k not in ("selector", "manualSelector")}
    row.spec["template"]["metadata"] = {}
    row.save()
    assert job_controller.reconcile("default/old") is None
    assert store.list_objects(POD, "default").items == []

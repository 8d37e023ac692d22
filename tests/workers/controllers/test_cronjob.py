"""The CronJob controller: Jobs at the schedule's times in cluster time, concurrency policies,
history limits, and the schedule parser; the clock is stepped, Jobs finish by hand."""
from datetime import UTC, datetime

import pytest

from cluster import kinds, store, timestamps
from workers.controllers import cron
from workers.controllers import cronjob as cronjob_controller
from workers.controllers import job as job_controller

pytestmark = pytest.mark.django_db
CRON_JOB = kinds.BY_KIND[("batch", "CronJob")]
JOB = kinds.BY_KIND[("batch", "Job")]


def make_cron_job(name="tick", schedule="*/5 * * * *", **spec):
    return store.create({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
        "spec": {"schedule": schedule, "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "OnFailure",
            "containers": [{"name": "tick", "image": "busybox", "command": ["date"]}]}}}},
            **spec}})


def sync(cj):
    return cronjob_controller.reconcile(f"default/{cj['metadata']['name']}")


def get(cj):
    return store.get(CRON_JOB, "default", cj["metadata"]["name"])


def jobs():
    return sorted(j["metadata"]["name"] for j in store.list_objects(JOB, "default").items)


def step_to_next_run(cluster, cj):
    """Step the clock to the requeue the controller asked for; returns that wait."""
    wait = sync(cj).requeue_after
    cluster.step(wait)
    return wait


def finish_job(name, condition="Complete"):
    """What the Job controller writes when a Job finishes."""
    now = timestamps.timestamp(timestamps.now())

    def done(job):
        extra = {"completionTime": now} if condition == "Complete" else {}
        job["status"] = {**job.get("status", {}), **extra, "conditions": [
            {"type": condition, "status": "True", "lastTransitionTime": now}]}

    return store.guaranteed_update(JOB, "default", name, done, subresource="status")


def minute_name(prefix, when):
    return f"{prefix}-{int(when.timestamp()) // 60}"


def test_creates_the_job_at_the_schedule_time(cluster):
    cj = make_cron_job()
    now = timestamps.now()
    due = cron.parse_standard("*/5 * * * *").next(now)
    assert sync(cj).requeue_after == pytest.approx((due - now).total_seconds() + 0.1)
    assert jobs() == []
    cluster.step((due - now).total_seconds() - 1)
    sync(cj)
    assert jobs() == []  # a second early
    cluster.step(1.1)
    assert sync(cj).requeue_after == pytest.approx(300)  # 0.1s past it now
    name = minute_name("tick", due)
    assert jobs() == [name]
    job = store.get(JOB, "default", name)
    assert job["metadata"]["annotations"][cronjob_controller.SCHEDULED_TIMESTAMP] == \
        timestamps.timestamp(due)
    assert job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert job["spec"]["selector"]["matchLabels"]  # the Job strategy's own
    status = get(cj)["status"]
    assert status["lastScheduleTime"] == timestamps.timestamp(due)
    assert [ref["name"] for ref in status["active"]] == [name]
    assert cluster.events(get(cj)) == [("Normal", "SuccessfulCreate", f"Created job {name}")]

    revision = store.current_revision()
    sync(cj)
    assert store.current_revision() == revision  # a second reconcile changes nothing


def test_completed_job_leaves_the_active_list(cluster):
    cj = make_cron_job()
    step_to_next_run(cluster, cj)
    sync(cj)
    [name] = jobs()
    finish_job(name)
    sync(cj)
    status = get(cj)["status"]
    assert "active" not in status
    assert status["lastSuccessfulTime"] == timestamps.timestamp(timestamps.now())
    assert cluster.events(get(cj))[-1] == ("Normal", "SawCompletedJob",
                                           f"Saw completed job: {name}, condition: Complete")


def test_the_job_controller_runs_the_job_the_cron_job_made(cluster):
    cj = make_cron_job()
    step_to_next_run(cluster, cj)
    sync(cj)
    [name] = jobs()
    job_controller.reconcile(f"default/{name}")
    assert len(cluster.pods(store.get(JOB, "default", name))) == 1


def test_forbid_skips_while_a_job_runs(cluster):
    cj = make_cron_job(concurrencyPolicy="Forbid")
    step_to_next_run(cluster, cj)
    sync(cj)
    first = jobs()
    step_to_next_run(cluster, cj)
    sync(cj)
    assert jobs() == first
    assert cluster.events(get(cj))[-1] == (
        "Normal", "JobAlreadyActive",
        "Not starting job because prior execution is running and concurrency policy is Forbid")
    finish_job(first[0])
    step_to_next_run(cluster, cj)
    sync(cj)
    assert len(jobs()) == 2


def test_replace_deletes_the_running_job(cluster):
    cj = make_cron_job(concurrencyPolicy="Replace")
    step_to_next_run(cluster, cj)
    sync(cj)
    [first] = jobs()
    step_to_next_run(cluster, cj)
    sync(cj)
    [second] = jobs()
    assert second != first
    assert [ref["name"] for ref in get(cj)["status"]["active"]] == [second]
    assert ("Normal", "SuccessfulDelete", f"Deleted job {first}") in cluster.events(get(cj))


def test_allow_runs_jobs_side_by_side(cluster):
    cj = make_cron_job()
    for _ in range(2):
        step_to_next_run(cluster, cj)
        sync(cj)
    assert len(jobs()) == 2
    assert len(get(cj)["status"]["active"]) == 2


def test_history_limits(cluster):
    cj = make_cron_job(successfulJobsHistoryLimit=1, failedJobsHistoryLimit=0)
    for _ in range(2):
        step_to_next_run(cluster, cj)
        sync(cj)
        finish_job(jobs()[-1])
        cluster.step(1)
    sync(cj)
    assert len(jobs()) == 1
    step_to_next_run(cluster, cj)
    sync(cj)
    newest = max(jobs())
    finish_job(newest, "Failed")
    sync(cj)
    assert newest not in jobs() and len(jobs()) == 1
    reasons = [r for _, r, _ in cluster.events(get(cj))]
    assert reasons.count("SuccessfulDelete") == 2


def test_suspend_and_starting_deadline(cluster):
    cj = make_cron_job(suspend=True)
    assert sync(cj) is None
    now = timestamps.now()
    due = cron.parse_standard("*/5 * * * *").next(now)
    cluster.step((due - now).total_seconds() + 60)  # a minute past a schedule time
    sync(cj)
    assert jobs() == []
    store.guaranteed_update(CRON_JOB, "default", "tick",
                            lambda c: c["spec"].update(suspend=False, startingDeadlineSeconds=10))
    sync(cj)
    assert jobs() == []  # the missed times are past their deadline
    step_to_next_run(cluster, cj)
    sync(cj)
    assert len(jobs()) == 1


def test_a_run_missed_beyond_the_starting_deadline_is_skipped(cluster):
    cj = make_cron_job(startingDeadlineSeconds=200)
    wait = sync(cj).requeue_after
    cluster.step(wait + 250)
    assert sync(cj).requeue_after == pytest.approx(50)  # the next run, not the missed one
    assert jobs() == []
    assert cluster.events(get(cj)) == []


def test_parse_standard():
    at = datetime(2026, 1, 1, 10, 7, 30, tzinfo=UTC)  # a Thursday
    assert cron.parse_standard("*/5 * * * *").next(at) == datetime(2026, 1, 1, 10, 10, tzinfo=UTC)
    assert cron.parse_standard("@hourly").next(at) == datetime(2026, 1, 1, 11, 0, tzinfo=UTC)
    assert cron.parse_standard("@daily").next(at) == datetime(2026, 1, 2, 0, 0, tzinfo=UTC)
    assert cron.parse_standard("0 9 * * mon").next(at) == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    # Both day fields restricted: either may match (the 3rd, or a Saturday).
    assert cron.parse_standard("0 0 15 * sat").next(at) == datetime(2026, 1, 3, 0, 0, tzinfo=UTC)
    assert cron.parse_standard("0 0 30 2 *").next(at) is None
    assert cron.parse_standard("@every 90s").next(at) == datetime(2026, 1, 1, 10, 9, tzinfo=UTC)
    tz = cron.parse_standard("CRON_TZ=America/New_York 0 9 * * *")
    assert tz.next(at) == datetime(2026, 1, 1, 14, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        cron.parse_standard("* * *")


def test_the_whole_control_plane_runs_a_cron_job(cluster):
    from cluster.management.commands.seed_demo import demo_objects
    from workers import inline

    store.create(next(o for o in demo_objects() if o["metadata"]["name"] == "node-1"))
    cluster.step(90 - timestamps.now().second)  # half a minute before a schedule time
    cj = make_cron_job(schedule="* * * * *", successfulJobsHistoryLimit=2)
    inline.advance(4 * 60)
    assert len(jobs()) == 2  # four runs, the history limit keeps two
    status = get(cj)["status"]
    assert "active" not in status and status["lastSuccessfulTime"]
    reasons = [r for _, r, _ in cluster.events(get(cj))]
    assert reasons.count("SuccessfulCreate") == 4 and reasons.count("SawCompletedJob") == 4
    assert reasons.count("SuccessfulDelete") == 2


def test_the_scheduled_timestamp_is_in_the_time_zone(cluster):
    cj = make_cron_job(schedule="0 * * * *", timeZone="Asia/Kolkata")
    step_to_next_run(cluster, cj)
    sync(cj)
    [name] = jobs()
    stamp = store.get(JOB, "default", name)["metadata"]["annotations"][
        cronjob_controller.SCHEDULED_TIMESTAMP]
    assert stamp.endswith(":00:00+05:30")

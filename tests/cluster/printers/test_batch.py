"""cluster.printers.batch: jobs and cron jobs."""
import pytest

from .objects import ago, condition, meta, row, template


def job(conditions=(), deleting=False, **status):
    metadata = meta("backup", created=600)
    if deleting:
        metadata["deletionTimestamp"] = ago(1)
    return {"metadata": metadata,
            "spec": {"completions": 1, "parallelism": 1, **template("busybox", selector={
                "matchLabels": {"batch.kubernetes.io/controller-uid": "uid-backup"}})},
            "status": {"conditions": list(conditions), **status}}


def test_job_rows():
    done = job([condition("SuccessCriteriaMet"), condition("Complete")], succeeded=1,
               startTime=ago(600), completionTime=ago(555))
    assert row("Job", done) == ["backup", "Complete", "1/1", "45s", "10m", "c0", "busybox",
                                "batch.kubernetes.io/controller-uid=uid-backup"]
    active = job(active=1, startTime=ago(150))
    assert row("Job", active, wide=False) == ["backup", "Running", "0/1", "2m30s", "10m"]
    assert row("Job", job())[2:4] == ["0/1", ""]  # not started: no duration


@pytest.mark.parametrize(("conditions", "deleting", "expected"), [
    ([condition("FailureTarget"), condition("Failed")], False, "Failed"),
    ([condition("FailureTarget")], False, "FailureTarget"),
    ([condition("Suspended")], False, "Suspended"),
    ([condition("Suspended")], True, "Terminating"),
    ([condition("Complete")], True, "Complete"),
    ([condition("Complete", "False")], False, "Running"),
])
def test_job_status(conditions, deleting, expected):
    assert row("Job", job(conditions, deleting))[1] == expected


def test_job_completions_without_a_count():
    j = job(succeeded=2)
    j["spec"] |= {"completions": None, "parallelism": 3}
    assert row("Job", j)[2] == "2/1 of 3"
    j["spec"]["parallelism"] = 1
    assert row("Job", j)[2] == "2/1"
    j["spec"]["completions"] = 5
    assert row("Job", j)[2] == "2/5"


def test_cron_job_row():
    cj = {"metadata": meta("nightly", created=86400),
          "spec": {"schedule": "0 3 * * *", "suspend": False,
                   "jobTemplate": {"spec": template("busybox", selector={})}},
          "status": {"active": [{"kind": "Job", "name": "nightly-1"}],
                     "lastScheduleTime": ago(3600)}}
    assert row("CronJob", cj) == ["nightly", "0 3 * * *", "<none>", "False", 1, "60m", "24h",
                                  "c0", "busybox", "<none>"]
    cj["spec"] |= {"timeZone": "Europe/Paris", "suspend": True}
    cj["status"] = {}
    assert row("CronJob", cj, wide=False)[1:6] == ["0 3 * * *", "Europe/Paris", "True", 0,
                                                   "<none>"]

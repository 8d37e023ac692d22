"""The CronJob controller (pkg/controller/cronjob/cronjob_controllerv2.go and utils.go).

reconcile(key) is upstream's sync: delete finished Jobs past the history limits
(cleanupFinishedJobs), reconcile status.active with the Jobs that exist (syncCronJob's first
half), then, unless suspended, create the Job of the most recent missed schedule time, named
`<cronjob>-<scheduled time in minutes since the epoch>` so that two workers, or a retry after a
lost status write, cannot make it twice. It comes back at the next schedule time, in cluster time.
"""
import copy
from datetime import timedelta

from cluster import clock, kinds, store, timestamps
from cluster.errors import AlreadyExists, Forbidden, NotFound, StatusError
from cluster.models import ApiObject

from .. import events
from ..result import Result, key_of, split_key
from . import cron
from .controllerref import controller_of, is_controlled_by, new_controller_ref
from .job import finished_condition

CRON_JOB = kinds.BY_KIND[("batch", "CronJob")]
JOB = kinds.BY_KIND[("batch", "Job")]
COMPONENT = "cronjob-controller"
SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
NEXT_SCHEDULE_DELTA = 0.1  # seconds past the schedule time, against clock skew
TOO_MANY_MISSED = 100


def reconcile(key):
    namespace, name = split_key(key)
    try:
        cj = store.get(CRON_JOB, namespace, name)
    except NotFound:
        return None
    jobs = _jobs_to_be_reconciled(cj)
    status = copy.deepcopy(cj.get("status") or {})
    jobs = _cleanup_finished_jobs(cj, status, jobs)
    requeue = _sync_cron_job(cj, status, jobs, clock.now())
    if status != (cj.get("status") or {}):
        try:
            store.update({**cj, "status": status}, subresource="status")
        except NotFound:
            return None
    return requeue


def _jobs_to_be_reconciled(cj):
    """The Jobs whose controller reference names this CronJob (upstream matches by name)."""
    meta = cj["metadata"]
    return [job for job in ApiObject.objects.of_kind(JOB).in_namespace(meta["namespace"])
            .order_by("name").objects()
            if (ref := controller_of(job)) is not None and ref.get("name") == meta["name"]
            and ref.get("kind") == "CronJob"]


# --- history limits ---------------------------------------------------------------------------

def _cleanup_finished_jobs(cj, status, jobs):
    """Delete the oldest finished Jobs beyond successfulJobsHistoryLimit and
    failedJobsHistoryLimit; returns the Jobs left."""
    spec, deleted = cj["spec"], []
    for kind, limit_key in (("Complete", "successfulJobsHistoryLimit"),
                            ("Failed", "failedJobsHistoryLimit")):
        limit = spec.get(limit_key)
        if limit is None:
            continue
        done = [j for j in jobs if (finished_condition(j) or {}).get("type") == kind]
        for job in sorted(done, key=_by_job_start_time)[:max(len(done) - limit, 0)]:
            if _delete_job(cj, status, job):
                deleted.append(job["metadata"]["uid"])
    return [j for j in jobs if j["metadata"]["uid"] not in deleted]


def _by_job_start_time(job):
    """byJobStartTime: oldest start first, Jobs never started last, then by name."""
    start = (job.get("status") or {}).get("startTime")
    return (start is None, start or "", job["metadata"]["name"])


def _delete_job(cj, status, job):
    """deleteJob: the Job (its pods go with it, Background) and its active-list entry."""
    name = job["metadata"]["name"]
    try:
        store.delete(JOB, job["metadata"]["namespace"], name, propagation_policy="Background")
    except NotFound:
        pass  # gone already: what we wanted
    except StatusError as error:
        _event(cj, events.WARNING, "FailedDelete", f"Deleted job: {error.message}")
        return False
    _delete_from_active_list(status, job["metadata"]["uid"])
    _event(cj, events.NORMAL, "SuccessfulDelete", f"Deleted job {name}")
    return True


# --- syncCronJob ------------------------------------------------------------------------------

def _sync_cron_job(cj, status, jobs, now):
    """Reconcile status with the Jobs, then start the Job now due; returns the requeue hint."""
    children = {j["metadata"]["uid"] for j in jobs}
    for job in jobs:
        found = _in_active_list(status, job["metadata"]["uid"])
        finished = finished_condition(job)
        if not found and finished is None:
            _event(cj, events.WARNING, "UnexpectedJob",
                   f"Saw a job that the controller did not create or forgot: "
                   f"{job['metadata']['name']}")
        elif finished is not None:
            if found:
                _delete_from_active_list(status, job["metadata"]["uid"])
                _event(cj, events.NORMAL, "SawCompletedJob",
                       f"Saw completed job: {job['metadata']['name']}, "
                       f"condition: {finished['type']}")
            completed = (job.get("status") or {}).get("completionTime")
            if finished["type"] == "Complete" and completed and (
                    not status.get("lastSuccessfulTime")
                    or timestamps.parse(completed) > timestamps.parse(status["lastSuccessfulTime"])):
                status["lastSuccessfulTime"] = completed
    for ref in list(status.get("active") or ()):
        if ref.get("uid") in children:
            continue
        try:
            store.get(JOB, ref.get("namespace"), ref.get("name", ""))
        except NotFound:
            _event(cj, events.NORMAL, "MissingJob", f"Active job went missing: {ref.get('name')}")
            _delete_from_active_list(status, ref.get("uid"))
    if not status.get("active"):
        status.pop("active", None)

    spec = cj["spec"]
    if cj["metadata"].get("deletionTimestamp") or spec.get("suspend"):
        return None
    try:
        schedule = cron.parse_standard(_format_schedule(cj))
    except ValueError as error:
        _event(cj, events.WARNING, "UnparseableSchedule",
               f'unparseable schedule: "{spec.get("schedule")}" : {error}')
        return None
    scheduled, many_missed = _most_recent_schedule_time(cj, status, now, schedule, True)
    if scheduled is None:
        return _next_schedule_time_duration(cj, status, now, schedule)
    if many_missed:
        _event(cj, events.WARNING, "TooManyMissedTimes",
               "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or "
               "check clock skew")
    deadline = spec.get("startingDeadlineSeconds")
    if deadline is not None and scheduled + timedelta(seconds=deadline) < now:
        _event(cj, events.WARNING, "MissSchedule", "Missed scheduled time to start a job: "
               + scheduled.strftime("%a, %d %b %Y %H:%M:%S +0000"))
        return _next_schedule_time_duration(cj, status, now, schedule)
    name = _job_name(cj, scheduled)
    if (any(ref.get("name") == name for ref in status.get("active") or ())
            or status.get("lastScheduleTime") == timestamps.timestamp(scheduled)):
        return _next_schedule_time_duration(cj, status, now, schedule)
    if spec.get("concurrencyPolicy") == "Forbid" and status.get("active"):
        _event(cj, events.NORMAL, "JobAlreadyActive", "Not starting job because prior execution "
               "is running and concurrency policy is Forbid")
        return _next_schedule_time_duration(cj, status, now, schedule)
    if spec.get("concurrencyPolicy") == "Replace":
        for ref in list(status.get("active") or ()):
            try:
                job = store.get(JOB, ref.get("namespace"), ref.get("name", ""))
            except NotFound as error:
                _event(cj, events.WARNING, "FailedGet", f"Get job: {error.message}")
                return Result.after(1)  # upstream returns the error: the key comes back
            if not _delete_job(cj, status, job):
                return Result.after(1)
    job = _create_job(cj, scheduled)
    if job is None:
        return Result.after(1)
    if not _in_active_list(status, job["metadata"]["uid"]):
        status.setdefault("active", []).append(_reference(job))
    status["lastScheduleTime"] = timestamps.timestamp(scheduled)
    return _next_schedule_time_duration(cj, status, now, schedule)


def _create_job(cj, scheduled):
    """Create the Job of one schedule time; an existing one of ours is taken as made (a status
    write was lost). Returns the Job, or None when there is nothing to record."""
    try:
        job = store.create(_job_from_template(cj, scheduled))
    except AlreadyExists:
        try:
            job = store.get(JOB, cj["metadata"]["namespace"], _job_name(cj, scheduled))
        except NotFound:
            return None
        return job if is_controlled_by(job, cj) else None
    except StatusError as error:
        if not (isinstance(error, Forbidden) and "because it is being terminated" in error.message):
            _event(cj, events.WARNING, "FailedCreate", f"Error creating job: {error.message}")
        return None
    _event(cj, events.NORMAL, "SuccessfulCreate", f"Created job {job['metadata']['name']}")
    return job


def _job_from_template(cj, scheduled):
    """getJobFromTemplate2: the template's labels, annotations and spec, the scheduled time as
    an annotation (RFC 3339, in the CronJob's time zone), a deterministic name."""
    template = cj["spec"].get("jobTemplate") or {}
    template_meta = template.get("metadata") or {}
    annotations = dict(template_meta.get("annotations") or {})
    annotations[SCHEDULED_TIMESTAMP] = _rfc3339(scheduled, cj["spec"].get("timeZone"))
    meta = {"name": _job_name(cj, scheduled), "namespace": cj["metadata"]["namespace"],
            "annotations": annotations, "ownerReferences": [new_controller_ref(cj)]}
    if template_meta.get("labels"):
        meta["labels"] = dict(template_meta["labels"])
    return {"apiVersion": JOB.api_version, "kind": "Job", "metadata": meta,
            "spec": copy.deepcopy(template.get("spec") or {})}


def _rfc3339(moment, zone_name):
    """Go's Format(time.RFC3339) of `moment` in the zone: "Z" for UTC, else the offset."""
    local = moment.astimezone(cron.time_zone(zone_name)) if zone_name else moment
    if not local.utcoffset():
        return timestamps.timestamp(local)
    return local.isoformat()


def _job_name(cj, scheduled):
    return f"{cj['metadata']['name']}-{int(scheduled.timestamp()) // 60}"


# --- schedule times ---------------------------------------------------------------------------

def _format_schedule(cj):
    """formatSchedule: spec.timeZone as the parser's CRON_TZ= prefix (a TZ in the schedule
    itself wins, as upstream)."""
    schedule, zone = cj["spec"].get("schedule", ""), cj["spec"].get("timeZone")
    if "TZ" in schedule or not zone:
        return schedule
    return f"CRON_TZ={zone} {schedule}"


def _most_recent_schedule_time(cj, status, now, schedule, include_starting_deadline):
    """mostRecentScheduleTime: the latest schedule time after the last one (or the CronJob's
    creation) that is not after now, or None; and whether over 100 were missed."""
    earliest = _earliest_time(cj, status, now, include_starting_deadline)
    t1 = schedule.next(earliest)
    if t1 is None or now < t1:
        return None, False
    t2 = schedule.next(t1)
    if t2 is None or now < t2:
        return t1, False
    interval = round((t2 - t1).total_seconds())
    missed = int((now - t1).total_seconds()) // max(interval, 1) + 1
    t, most_recent = schedule.next(t1 + timedelta(seconds=(missed - 2) * interval)), None
    while t is not None and t <= now:
        most_recent, t = t, schedule.next(t)
    return most_recent, missed > TOO_MANY_MISSED


def _earliest_time(cj, status, now, include_starting_deadline):
    last = status.get("lastScheduleTime") or cj["metadata"]["creationTimestamp"]
    earliest = timestamps.parse(last)
    deadline = cj["spec"].get("startingDeadlineSeconds")
    if include_starting_deadline and deadline is not None:
        earliest = max(earliest, now - timedelta(seconds=deadline))
    return earliest


def _next_schedule_time_duration(cj, status, now, schedule):
    """nextScheduleTimeDuration: until the schedule time after the most recent one (or after
    the last scheduled or creation time), a tenth of a second late."""
    most_recent, _ = _most_recent_schedule_time(cj, status, now, schedule, False)
    base = most_recent or _earliest_time(cj, status, now, False)
    upcoming = schedule.next(base)
    if upcoming is None:
        return None  # a schedule that never fires (February 30th)
    return Result.after((upcoming - now).total_seconds() + NEXT_SCHEDULE_DELTA)


# --- status.active ----------------------------------------------------------------------------

def _in_active_list(status, uid):
    return any(ref.get("uid") == uid for ref in status.get("active") or ())


def _delete_from_active_list(status, uid):
    if "active" in status:
        status["active"] = [ref for ref in status["active"] if ref.get("uid") != uid]


def _reference(job):
    """An ObjectReference to a Job, as ref.GetReference makes it."""
    meta = job["metadata"]
    return {"kind": "Job", "namespace": meta["namespace"], "name": meta["name"],
            "uid": meta["uid"], "apiVersion": job["apiVersion"],
            "resourceVersion": meta["resourceVersion"]}


def _event(cj, event_type, reason, message):
    events.record(cj, event_type, reason, message, component=COMPONENT)


# --- which keys a change wakes ----------------------------------------------------------------

def keys_for(event_type, obj):
    """A CronJob's own changes, and the changes of the Jobs it controls."""
    if obj.get("apiVersion") != JOB.api_version:
        return []
    if obj.get("kind") == "CronJob":
        return [key_of(obj)]
    ref = controller_of(obj) if obj.get("kind") == "Job" else None
    if ref is None or ref.get("kind") != "CronJob":
        return []
    return [f"{obj['metadata']['namespace']}/{ref['name']}"]


def resync_keys():
    return [f"{namespace}/{name}" for namespace, name in
            ApiObject.objects.of_kind(CRON_JOB).values_list("namespace", "name")]

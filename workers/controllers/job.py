"""The Job controller (pkg/controller/job/job_controller.go) and the TTL-after-finished
controller (pkg/controller/ttlafterfinished/ttlafterfinished_controller.go) for finished Jobs.

reconcile(key) is upstream's syncJob: claim the pods, count the finished ones, decide whether
the Job failed (backoffLimit, activeDeadlineSeconds) or succeeded, create or delete pods towards
parallelism and completions, then write the status. As upstream since 1.31, a finished Job first
gets the interim FailureTarget or SuccessCriteriaMet condition, and its terminal Failed or
Complete one once none of its pods is still terminating. A finished Job is left alone except for
its ttlSecondsAfterFinished, after which it is deleted (with its pods, Foreground).

Pods are counted as they are in the store: the pods a Job made are kept once finished (`kubectl
logs job/x` reads them), and counts never go down, so a finished pod deleted by hand is still
counted. Upstream's job-tracking finalizer (which also counts a running pod deleted by hand as
failed) is not simulated.
"""
import copy
from datetime import timedelta

from cluster import clock, kinds, selectors, store, timestamps
from cluster.errors import Forbidden, NotFound, StatusError
from cluster.models import ApiObject, Pod, WatchEvent

from .. import events
from ..memo import per_batch
from ..result import Result, key_of, split_key
from . import podutil
from .controllerref import claim, controller_of, new_controller_ref

JOB = kinds.BY_KIND[("batch", "Job")]
POD = kinds.BY_KIND[("", "Pod")]
COMPONENT = "job-controller"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"
MAX_POD_CREATE_DELETE_PER_SYNC = 500
DEFAULT_POD_FAILURE_BACKOFF = 10  # seconds; doubled per failure since the last success
MAX_POD_FAILURE_BACKOFF = 600
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")
COMPLETIONS_REACHED = ("CompletionsReached", "Reached expected number of succeeded pods")


def reconcile(key):
    namespace, name = split_key(key)
    try:
        job = store.get(JOB, namespace, name)
    except NotFound:
        return None
    now = clock.now().replace(microsecond=0)
    if finished_condition(job) is not None:
        return _ttl_after_finished(job, now)
    selector = selectors.from_label_selector(job["spec"].get("selector"))
    if selector.empty or not selector.matches(job["spec"].get("template") or {}):
        # Validation refuses such a Job; one stored before Jobs got their generated selector
        # would have pods made forever that it can never count.
        return None
    pods = claim(POD, job, _owned_and_orphan_pods(job, selector), selector.matches)
    sync = _Sync(job, pods, now)
    sync.run()
    status = sync.status()
    if status != job.get("status"):
        try:
            job = store.update({**job, "status": status}, subresource="status")
        except NotFound:
            return None
        sync.record_finished()
    if finished_condition(job) is not None:
        return _ttl_after_finished(job, now)
    return Result.soonest(*sync.requeue)


def _owned_and_orphan_pods(job, selector):
    return Pod.objects.claimable_by(job, selector).objects()


# --- conditions -------------------------------------------------------------------------------

def _condition(job, kind):
    return next((c for c in (job.get("status") or {}).get("conditions") or ()
                 if c.get("type") == kind and c.get("status") == "True"), None)


def finished_condition(job):
    """IsJobFinished: the Complete or Failed condition, True; else None."""
    return _condition(job, "Complete") or _condition(job, "Failed")


def _new_condition(kind, reason, message, now, status="True"):
    stamp = timestamps.timestamp(now)
    return {"type": kind, "status": status, "lastProbeTime": stamp,
            "lastTransitionTime": stamp, "reason": reason, "message": message}


class _Sync:
    """One syncJob pass over one Job: what it saw, did, and will write."""

    def __init__(self, job, pods, now):
        self.job, self.now, self.spec = job, now, job["spec"]
        self.old = job.get("status") or {}
        self.conditions = copy.deepcopy(self.old.get("conditions") or [])
        self.start_time = self.old.get("startTime")
        self.indexed = self.spec.get("completionMode") == "Indexed"
        self.active = [p for p in pods if podutil.is_active(p)]
        self.terminating = [p for p in pods if podutil.is_terminating(p)]
        self.succeeded_pods = [p for p in pods if _phase(p) == "Succeeded"]
        self.failed_pods = [p for p in pods if _phase(p) == "Failed"]
        self.completed_indexes = self._completed_indexes()
        self.succeeded = (len(self.completed_indexes) if self.indexed else
                          max(self.old.get("succeeded", 0), len(self.succeeded_pods)))
        self.failed = max(self.old.get("failed", 0), len(self.failed_pods))
        self.requeue = []
        self.finished = None  # the terminal condition written by this pass

    # -- the decision ------------------------------------------------------------------------

    def run(self):
        suspended = bool(self.spec.get("suspend"))
        if self.start_time is None and not suspended:
            self.start_time = timestamps.timestamp(self.now)
        target = _condition(self.job, "FailureTarget") or _condition(self.job, "SuccessCriteriaMet")
        if target is None:
            target = self._failure_target(suspended)
            if target is not None:
                self.conditions.append(target)
        if target is not None and target["type"] == "FailureTarget":
            self._delete_pods(self.active)  # a failed Job stops its pods before it is Failed
            self.active = []
        elif target is None and not self.job["metadata"].get("deletionTimestamp"):
            self._suspend_or_resume(suspended)
            self._manage_job()
            if self._complete():
                target = _new_condition("SuccessCriteriaMet", *COMPLETIONS_REACHED, self.now)
                self.conditions.append(target)
        if target is not None and not self.terminating:
            kind = "Failed" if target["type"] == "FailureTarget" else "Complete"
            self.finished = _new_condition(kind, target["reason"], target["message"], self.now)
            self.conditions.append(self.finished)

    def _failure_target(self, suspended):
        """The interim FailureTarget condition of a Job past its backoffLimit or deadline."""
        if self.failed > self.spec.get("backoffLimit", 6) or self._past_backoff_limit_on_failure():
            return _new_condition("FailureTarget", *BACKOFF_LIMIT_EXCEEDED, self.now)
        deadline = self.spec.get("activeDeadlineSeconds")
        if deadline is None or suspended:
            return None
        left = (timestamps.parse(self.start_time) + timedelta(seconds=deadline)
                - self.now).total_seconds()
        if left <= 0:
            return _new_condition("FailureTarget", *DEADLINE_EXCEEDED, self.now)
        self.requeue.append(Result.after(left))
        return None

    def _past_backoff_limit_on_failure(self):
        """With restartPolicy OnFailure failures are container restarts of the pods still
        running (pastBackoffLimitOnFailure)."""
        if (self.spec.get("template") or {}).get("spec", {}).get("restartPolicy") != "OnFailure":
            return False
        restarts = sum(s.get("restartCount", 0)
                       for p in self.active if _phase(p) in ("Pending", "Running")
                       for key in ("initContainerStatuses", "containerStatuses")
                       for s in (p.get("status") or {}).get(key) or ())
        limit = self.spec.get("backoffLimit", 6)
        return restarts > 0 if limit == 0 else restarts >= limit

    def _complete(self):
        if self.active:
            return False
        completions = self.spec.get("completions")
        return self.succeeded > 0 if completions is None else self.succeeded >= completions

    def _suspend_or_resume(self, suspended):
        """The Suspended condition: True with its event while suspended, False once resumed
        (which restarts the clock of activeDeadlineSeconds)."""
        current = next((c for c in self.conditions if c["type"] == "Suspended"), None)
        if suspended and (current is None or current["status"] != "True"):
            self._set_condition(_new_condition("Suspended", "JobSuspended", "Job suspended",
                                               self.now))
            self._event(events.NORMAL, "Suspended", "Job suspended")
        elif not suspended and current is not None and current["status"] == "True":
            self._set_condition(_new_condition("Suspended", "JobResumed", "Job resumed", self.now,
                                               status="False"))
            self.start_time = timestamps.timestamp(self.now)
            self._event(events.NORMAL, "Resumed", "Job resumed")

    def _set_condition(self, condition):
        self.conditions = [c for c in self.conditions if c["type"] != condition["type"]]
        self.conditions.append(condition)

    # -- pods --------------------------------------------------------------------------------

    def _manage_job(self):
        """manageJob: as many active pods as parallelism allows and completions still need."""
        if self.spec.get("suspend"):
            self._delete_pods(self.active)
            self.active = []
            return
        parallelism, completions = self.spec.get("parallelism", 1), self.spec.get("completions")
        if completions is None:
            want = len(self.active) if self.succeeded > 0 else parallelism
        else:
            want = max(0, min(completions - self.succeeded, parallelism))
        if self.indexed:
            self._delete_pods([p for p in self.active if _index(p) in self.completed_indexes])
            self.active = [p for p in self.active if _index(p) not in self.completed_indexes]
        if len(self.active) > want:
            victims = podutil.pods_to_delete(self.active, self.active, len(self.active) - want,
                                             self.now)
            self._delete_pods(victims[:MAX_POD_CREATE_DELETE_PER_SYNC])
            self.active = [p for p in self.active if p not in victims]
        counted = len(self.active) + (len(self.terminating)
                                      if self.spec.get("podReplacementPolicy") == "Failed" else 0)
        if counted >= want:
            return
        wait = self._pod_failure_backoff()
        if wait > 0:
            self.requeue.append(Result.after(wait))
            return
        indexes = self._pending_indexes(want - counted) if self.indexed else [None] * (want - counted)
        self._slow_start(indexes[:MAX_POD_CREATE_DELETE_PER_SYNC])

    def _pod_failure_backoff(self):
        """Seconds until a new pod may replace failed ones: 10s after the last failure, doubled
        for each failure since the last success, at most 10 minutes (backoffRecord)."""
        finished = sorted((_finished_at(p), _phase(p))
                          for p in self.succeeded_pods + self.failed_pods)
        failures = 0
        for _, phase in finished:
            failures = failures + 1 if phase == "Failed" else 0
        if not failures:
            return 0
        backoff = min(DEFAULT_POD_FAILURE_BACKOFF * 2 ** (failures - 1), MAX_POD_FAILURE_BACKOFF)
        return backoff - (self.now - finished[-1][0]).total_seconds()

    def _pending_indexes(self, count):
        """The lowest completion indexes neither succeeded nor running."""
        taken = self.completed_indexes | {_index(p) for p in self.active}
        free = (i for i in range(self.spec["completions"]) if i not in taken)
        return [i for _, i in zip(range(count), free)]

    def _slow_start(self, indexes):
        """Create in batches of 1, 2, 4 ..., stopping after a batch with a failure."""
        start, size = 0, 1
        while start < len(indexes):
            batch = indexes[start:start + size]
            created = [self._create_pod(i) for i in batch]  # the whole batch, as upstream
            if not all(created):
                return
            start, size = start + len(batch), size * 2

    def _create_pod(self, index):
        job = self.job
        pod = podutil.from_template(self.spec["template"], job, new_controller_ref(job))
        if index is not None:
            _add_completion_index(pod, job["metadata"]["name"], index)
        try:
            created = store.create(pod)
        except StatusError as error:
            if isinstance(error, Forbidden) and "because it is being terminated" in error.message:
                return False
            self._event(events.WARNING, "FailedCreate", f"Error creating: {error.message}")
            return False
        self.active.append(created)
        self._event(events.NORMAL, "SuccessfulCreate",
                    f"Created pod: {created['metadata']['name']}")
        return True

    def _delete_pods(self, pods):
        for pod in pods:
            name = pod["metadata"]["name"]
            try:
                obj, gone = store.delete(POD, pod["metadata"]["namespace"], name)
            except NotFound:
                continue
            except StatusError as error:
                self._event(events.WARNING, "FailedDelete", f"Error deleting: {error.message}")
                continue
            if not gone and podutil.is_terminating(obj):
                self.terminating.append(obj)
            self._event(events.NORMAL, "SuccessfulDelete", f"Deleted pod: {name}")

    def _completed_indexes(self):
        if not self.indexed:
            return set()
        done = _parse_indexes(self.old.get("completedIndexes", ""))
        done |= {_index(p) for p in self.succeeded_pods}
        return {i for i in done if i is not None and 0 <= i < self.spec.get("completions", 0)}

    # -- status ------------------------------------------------------------------------------

    def status(self):
        """JobStatus as the API serializes it: zero counts omitted except ready and
        terminating, which are pointers upstream."""
        active = [] if self.finished else self.active
        status = {k: v for k, v in self.old.items()
                  if k not in ("active", "succeeded", "failed", "ready", "terminating",
                               "conditions", "completedIndexes")}
        if self.conditions:
            status["conditions"] = self.conditions
        if self.start_time:
            status["startTime"] = self.start_time
        counts = {"active": len(active), "succeeded": self.succeeded, "failed": self.failed}
        status.update({k: v for k, v in counts.items() if v})
        if self.indexed and self.completed_indexes:
            status["completedIndexes"] = _format_indexes(self.completed_indexes)
        status["ready"] = sum(podutil.is_ready(p) for p in active)
        status["terminating"] = len(self.terminating)
        status["uncountedTerminatedPods"] = {}
        if self.finished is not None and self.finished["type"] == "Complete":
            status["completionTime"] = self.finished["lastTransitionTime"]
        return status

    def record_finished(self):
        """recordJobFinished: the event of the terminal condition, once it is written."""
        if self.finished is None:
            return
        if self.finished["type"] == "Complete":
            self._event(events.NORMAL, "Completed", "Job completed")
        else:
            self._event(events.WARNING, self.finished["reason"], self.finished["message"])

    def _event(self, event_type, reason, message):
        events.record(self.job, event_type, reason, message, component=COMPONENT)


def _phase(pod):
    return (pod.get("status") or {}).get("phase")


def _finished_at(pod):
    """When a pod finished: its containers' last finishedAt, else when it was made."""
    stamps = [s["state"]["terminated"].get("finishedAt")
              for s in (pod.get("status") or {}).get("containerStatuses") or ()
              if (s.get("state") or {}).get("terminated")]
    stamps = [s for s in stamps if s]
    return timestamps.parse(max(stamps) if stamps else pod["metadata"]["creationTimestamp"])


# --- Indexed completion mode -------------------------------------------------------------------

def _index(pod):
    value = (pod["metadata"].get("annotations") or {}).get(COMPLETION_INDEX, "")
    return int(value) if value.isdigit() else None


def _add_completion_index(pod, job_name, index):
    """addCompletionIndexAnnotation, the index label, the hostname and the
    JOB_COMPLETION_INDEX variable of an Indexed Job's pod."""
    meta = pod["metadata"]
    meta["generateName"] = f"{job_name}-{index}-"
    meta.setdefault("annotations", {})[COMPLETION_INDEX] = str(index)
    meta.setdefault("labels", {})[COMPLETION_INDEX] = str(index)
    spec = pod["spec"]
    spec.setdefault("hostname", f"{job_name}-{index}")
    for container in spec.get("initContainers", []) + spec.get("containers", []):
        env = container.setdefault("env", [])
        if not any(v.get("name") == COMPLETION_INDEX_ENV for v in env):
            env.append({"name": COMPLETION_INDEX_ENV, "valueFrom": {"fieldRef": {
                "apiVersion": "v1", "fieldPath": f"metadata.labels['{COMPLETION_INDEX}']"}}})


def _parse_indexes(text):
    found = set()
    for part in filter(None, (text or "").split(",")):
        low, _, high = part.partition("-")
        found.update(range(int(low), int(high or low) + 1))
    return found


def _format_indexes(indexes):
    """"0-2,4": runs of consecutive indexes as intervals."""
    parts, ordered = [], sorted(indexes)
    start = prev = ordered[0]
    for i in ordered[1:] + [None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = i
    return ",".join(parts)


# --- ttlSecondsAfterFinished (the TTL-after-finished controller) ---------------------------------

def _ttl_after_finished(job, now):
    """Delete a finished Job once ttlSecondsAfterFinished has passed since it finished, with its
    pods (Foreground) and only that very Job (a uid precondition); else come back then."""
    ttl = job["spec"].get("ttlSecondsAfterFinished")
    if ttl is None or job["metadata"].get("deletionTimestamp"):
        return None
    finished_at = timestamps.parse(finished_condition(job)["lastTransitionTime"])
    left = (finished_at + timedelta(seconds=ttl) - now).total_seconds()
    if left > 0:
        return Result.after(left)
    meta = job["metadata"]
    try:
        store.delete(JOB, meta["namespace"], meta["name"], propagation_policy="Foreground",
                     preconditions={"uid": meta["uid"]})
    except NotFound:
        pass
    return None


# --- which keys a change wakes ----------------------------------------------------------------

def keys_for(event_type, obj):
    """A Job's own changes; a pod's wake its Job, or for an orphan every Job selecting it."""
    if _is(obj, JOB):
        return [key_of(obj)]
    if not _is(obj, POD):
        return []
    ref = controller_of(obj)
    if ref is not None:
        is_ours = ref.get("kind") == "Job" and ref.get("apiVersion", "").startswith("batch/")
        return [f"{obj['metadata']['namespace']}/{ref['name']}"] if is_ours else []
    if event_type == WatchEvent.DELETED or not obj["metadata"].get("labels"):
        return []
    return [key for key, selector in _job_selectors(obj["metadata"]["namespace"])
            if selector.matches(obj)]


@per_batch
def _job_selectors(namespace):
    """(key, selector) of the Jobs of a namespace that select anything."""
    found = [(key_of(job), selectors.from_label_selector(job["spec"].get("selector")))
             for job in _jobs(namespace)]
    return [(key, selector) for key, selector in found if not selector.empty]


def _jobs(namespace=None):
    return ApiObject.objects.of_kind(JOB).in_namespace(namespace).order_by("namespace",
                                                                           "name").objects()


def _is(obj, kind):
    return obj.get("kind") == kind.kind and obj.get("apiVersion") == kind.api_version


def resync_keys():
    return [f"{namespace}/{name}" for namespace, name in
            ApiObject.objects.of_kind(JOB).values_list("namespace", "name")]

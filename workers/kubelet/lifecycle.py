"""The pod lifecycle on a node: a pure state machine over the kubelet's record of one pod.

`admitted(...)` starts a record (kept in PodRuntime.state), `sync(pod, record, node)` advances
it to the node's `now` and says which events to record and which images were pulled. Nothing
here reads or writes the database. Times are simulated epoch seconds; every transition happens
at its due time, so a kubelet that wakes late replays what it missed in order, with the right
timestamps.

A record holds the pod's sandbox (IP, when it is ready) and, per container, a stage:

    waiting ─turn─▶ pulling ─▶ creating ─▶ running ─▶ exited ─restart─▶ waiting ...
                       └─ErrImagePull─▶ waiting (ImagePullBackOff) ─back-off─▶ pulling
    running ─liveness failed / pod deleted─▶ stopping ─▶ exited

As in the kubelet's SyncPod, one container of a pod is pulled and started at a time: init
containers one after the other (each must exit 0), then the regular ones in order. A sidecar (an
init container with restartPolicy Always) only has to start for the next one to go; it runs
beside the regular containers, and is stopped once they have finished for good.
"""
import copy
import hashlib
import math
from dataclasses import dataclass, field

from . import behaviour, messages

PLEG_SECONDS = 1.0  # a container's exit is noticed at the next relist of the pod lifecycle events
SANDBOX_SECONDS = 1.0  # creating the pod sandbox: the pause container and its network
RESYNC_SECONDS = 10.0  # a pod whose sync failed is synced again after this (backOffPeriod)
RECHECK_SECONDS = 0.5  # "pulling" an image already present (imagePullPolicy: Always)
BACKOFF_INITIAL, BACKOFF_MAX = 10.0, 300.0  # crash and image pull back-off: 10 s doubling to 5 min
MIN_GRACE_SECONDS = 2  # minimumGracePeriodInSeconds: every kill gets at least this

NORMAL, WARNING = "Normal", "Warning"
PENDING, RUNNING, SUCCEEDED, FAILED = "Pending", "Running", "Succeeded", "Failed"
INIT, REGULAR = "initContainers", "containers"


@dataclass(frozen=True)
class NodeView:
    """What a pod's sync needs from its node."""

    name: str
    now: float
    images: frozenset = frozenset()  # normalized references of the images the node has
    zero_delays: bool = False


@dataclass
class Outcome:
    record: dict
    events: list = field(default_factory=list)  # (type, reason, message, fieldPath)
    pulled: list = field(default_factory=list)  # Behaviours whose image was pulled
    removable: bool = False  # deleted and every container stopped: remove the pod


def admitted(pod, now, ip, *, zero_delays=False):
    """The record of a pod the kubelet has just admitted: its sandbox is being created."""
    spec = pod["spec"]
    return {
        "startTime": now, "ip": ip,
        "sandboxDue": now + (0.0 if zero_delays else SANDBOX_SECONDS),
        INIT: {c["name"]: _new_container() for c in spec.get(INIT) or ()},
        REGULAR: {c["name"]: _new_container() for c in spec[REGULAR]},
    }


def rejected(now, reason, message):
    return {"startTime": now, "rejected": {"reason": reason, "message": message}, "done": True}


def _new_container():
    return {"stage": "waiting", "due": None, "restarts": 0}


def sync(pod, record, node):
    """Advance one pod's record to node.now: (Outcome)."""
    next_due = due(record)
    newly_deleted = pod["metadata"].get("deletionTimestamp") and "deleting" not in record
    if not newly_deleted and (next_due is None or next_due > node.now):
        return Outcome(record, removable=bool(record.get("deleting") and record.get("done")))
    run = _Sync(pod, copy.deepcopy(record), node)
    run.sync()
    return Outcome(run.record, run.events, run.pulled, run.removable)


def due(record):
    """When the record next changes by itself (None: not until the pod does)."""
    times = [record.get("sandboxDue")] + [c["due"] for _, c in _all(record)]
    return min((t for t in times if t is not None), default=None)


def busy(record):
    """Whether a pull or a create is under way: the kubelet starts one container at a time."""
    return any(c["stage"] in ("pulling", "creating") for _, c in _all(record))


def _all(record):
    for kind in (INIT, REGULAR):
        for name, container in (record.get(kind) or {}).items():
            yield (kind, name), container


def phase(pod, record):
    """The pod's phase from its containers, as the kubelet's getPhase works it out."""
    if record.get("rejected"):
        return FAILED
    spec = pod["spec"]
    policy = spec.get("restartPolicy", "Always")
    pending_init = failed_init = running = waiting = stopped = succeeded = 0
    for c in spec.get(INIT) or ():
        ctr = record[INIT][c["name"]]
        code = (ctr.get("run") or {}).get("exitCode")
        if is_sidecar(c):
            running += ctr["stage"] in ("running", "stopping")
            pending_init += not ctr.get("run")
        elif ctr["stage"] != "exited" or code is None:
            pending_init += 1
        elif code != 0:
            failed_init += 1
    for c in spec[REGULAR]:
        ctr = record[REGULAR][c["name"]]
        run = ctr.get("run")
        if ctr["stage"] in ("running", "stopping"):
            running += 1
        elif run is None or "exitCode" not in run:
            waiting += 1
        else:
            stopped += 1
            finished = ctr["stage"] == "exited" and not ctr.get("waiting")
            succeeded += finished and run["exitCode"] == 0
    if record.get("deleting") and record.get("done"):  # the kubelet marks a killed pod terminal
        return SUCCEEDED if stopped == succeeded == len(spec[REGULAR]) else FAILED
    if failed_init and policy == "Never":
        return FAILED
    if (pending_init and not running and not stopped) or waiting:
        return PENDING
    if running:
        return RUNNING
    if policy == "Always":
        return RUNNING  # every container is between two runs
    if stopped == succeeded:
        return SUCCEEDED
    return FAILED if policy == "Never" else RUNNING


def is_sidecar(container):
    """A restartable init container: it keeps running beside the regular ones."""
    return container.get("restartPolicy") == "Always"


def container_id(pod, name, attempt):
    """A stable 64-hex-digit ID per container run, as containerd's."""
    return hashlib.sha256(f"{pod['metadata']['uid']}/{name}/{attempt}".encode()).hexdigest()


# --- back-off (client-go's flowcontrol.Backoff, as the kubelet keys it) ------------------------

def _expired(event_time, last_update):
    return event_time - last_update > 2 * BACKOFF_MAX


def _next_backoff(entry, event_time, now):
    if not entry or _expired(event_time, entry[1]):
        return [BACKOFF_INITIAL, now]
    return [min(entry[0] * 2, BACKOFF_MAX), now]


def _in_backoff_since(entry, event_time, now):
    """IsInBackOffSince: the crash back-off counts from the container's exit."""
    return bool(entry) and not _expired(event_time, entry[1]) and now - event_time < entry[0]


def _in_backoff_since_update(entry, now):
    """IsInBackOffSinceUpdate: the pull back-off counts from the failed pull."""
    return bool(entry) and not _expired(now, entry[1]) and now - entry[1] < entry[0]


# --- the machine ------------------------------------------------------------------------------

class _Sync:
    def __init__(self, pod, record, node):
        self.pod, self.record, self.node = pod, record, node
        self.spec = pod["spec"]
        self.specs = {(kind, c["name"]): c for kind in (INIT, REGULAR)
                      for c in self.spec.get(kind) or ()}
        self.images = set(node.images)
        self.events, self.pulled, self.behaviours = [], [], {}
        self.removable = False

    def sync(self):
        record, now = self.record, self.node.now
        if record.get("rejected"):
            return
        if self.pod["metadata"].get("deletionTimestamp") and "deleting" not in record:
            self._terminate_pod(now)
        while (t := due(record)) is not None and t <= now:
            self._step(t)
            self._kick(t)
            self._check_done()
        self._check_done()
        self.removable = bool(record.get("deleting") and record.get("done"))

    def _step(self, t):
        record = self.record
        if record.get("sandboxDue") is not None and record["sandboxDue"] <= t:
            del record["sandboxDue"]
            record["sandbox"] = True
            return
        key, ctr = next((k, c) for k, c in _all(record) if c["due"] is not None and c["due"] <= t)
        ctr["due"] = None
        step = {"waiting": self._start, "pulling": self._pulled, "creating": self._created,
                "running": self._running, "stopping": self._stopped, "exited": self._restart}
        step[ctr["stage"]](key, ctr, t)

    def _kick(self, t):
        """Start the next container whose turn it is (one pull or create at a time)."""
        record = self.record
        if not record.get("sandbox") or record.get("deleting") or record.get("done") \
                or busy(record):
            return
        for c in self.spec.get(INIT) or ():
            ctr = record[INIT][c["name"]]
            if is_sidecar(c) and (ctr.get("started") or ctr.get("run")
                                  and ctr["stage"] != "running"):
                continue  # a sidecar that has started once
            if not is_sidecar(c) and (ctr.get("run") or {}).get("exitCode") == 0:
                continue  # succeeded
            if ctr["stage"] == "waiting" and ctr["due"] is None:
                self._start((INIT, c["name"]), ctr, t)
            return  # the regular containers wait for every init container to succeed
        for c in self.spec[REGULAR]:
            ctr = record[REGULAR][c["name"]]
            if ctr["stage"] == "waiting" and ctr["due"] is None:
                self._start((REGULAR, c["name"]), ctr, t)
                if busy(record):
                    return

    # --- image and start ----------------------------------------------------------------------

    def _start(self, key, ctr, t):
        """EnsureImageExists, then create and start (kuberuntime's startContainer)."""
        ctr["stage"] = "waiting"
        if busy(self.record):
            return  # not its turn: _kick comes back to it
        spec, b = self.specs[key], self._behaviour(key)
        image, policy = spec.get("image", ""), spec.get("imagePullPolicy", "IfNotPresent")
        present = b.image in self.images
        if policy == "Never" and not present:
            message = messages.never_pull(image)
            ctr["waiting"] = {"reason": messages.NEVER_PULL, "message": message}
            self._event(key, WARNING, messages.NEVER_PULL, message)
            self._event(key, WARNING, messages.FAILED, messages.error(messages.NEVER_PULL))
            ctr["due"] = t + RESYNC_SECONDS
        elif present and policy != "Always":
            self._event(key, NORMAL, messages.PULLED, messages.already_present(image))
            self._create(ctr, t, b)
        elif _in_backoff_since_update(ctr.get("pullBackoff"), t):
            message = messages.pull_backoff(image)
            ctr["waiting"] = {"reason": messages.IMAGE_PULL_BACKOFF, "message": message}
            self._event(key, NORMAL, messages.BACKOFF, message)
            self._event(key, WARNING, messages.FAILED, messages.error(messages.IMAGE_PULL_BACKOFF))
            ctr["due"] = sum(ctr["pullBackoff"])
        else:
            self._event(key, NORMAL, messages.PULLING, messages.pulling(image))
            seconds = min(b.pull_seconds, RECHECK_SECONDS) if present else b.pull_seconds
            ctr.update(stage="pulling", pullStarted=t, due=t + seconds)

    def _pulled(self, key, ctr, t):
        spec, b = self.specs[key], self._behaviour(key)
        if b.pull_error:
            ctr["pullBackoff"] = _next_backoff(ctr.get("pullBackoff"), t, t)
            ctr["waiting"] = {"reason": messages.ERR_IMAGE_PULL, "message": b.pull_error}
            self._event(key, WARNING, messages.FAILED, messages.pull_failed(spec["image"],
                                                                           b.pull_error))
            self._event(key, WARNING, messages.FAILED, messages.error(messages.ERR_IMAGE_PULL))
            # The next sync, right after, finds the pull backing off: ImagePullBackOff.
            ctr.update(stage="waiting", due=t + PLEG_SECONDS)
            return
        self._event(key, NORMAL, messages.PULLED,
                    messages.pulled(spec["image"], t - ctr.pop("pullStarted"), b.size))
        if b.image not in self.images:
            self.images.add(b.image)
            self.pulled.append(b)
        ctr.pop("pullBackoff", None)
        self._create(ctr, t, b)

    def _create(self, ctr, t, b):
        ctr.pop("pullStarted", None)
        ctr.update(stage="creating", due=t + b.start_seconds)

    def _created(self, key, ctr, t):
        b = self._behaviour(key)
        if ctr.get("run"):
            ctr["last"] = ctr["run"]
            ctr["restarts"] += 1
        ctr["run"] = {"id": container_id(self.pod, key[1], ctr["restarts"]), "image": b.image,
                      "imageID": b.image_id, "startedAt": t}
        ctr.pop("waiting", None)
        ctr.update(stage="running", ready=False, started=False)
        self._event(key, NORMAL, messages.CREATED, "Container created")
        self._event(key, NORMAL, messages.STARTED, "Container started")
        if b.program.runs is not None:
            ctr["exitAt"] = t + b.program.runs
        spec = self.specs[key]
        if spec.get("startupProbe"):
            ctr["startupTick"] = _first_tick(t, spec["startupProbe"])
        else:
            self._started(key, ctr, t)
        liveness = spec.get("livenessProbe")
        if liveness and b.liveness_fails_after is not None:
            ctr["livenessTick"] = _first_tick(t, liveness, t + b.liveness_fails_after)
            ctr["failures"] = 0
        self._schedule(ctr)

    def _started(self, key, ctr, t):
        """The startup probe passed (or there is none): readiness probing begins."""
        ctr["started"] = True
        readiness = self.specs[key].get("readinessProbe")
        if key[0] == INIT and not is_sidecar(self.specs[key]):
            return  # an init container is ready once it has succeeded
        if readiness:
            ctr.update(readinessTick=_first_tick(t, readiness), successes=0)
        else:
            ctr["ready"] = True

    # --- running ------------------------------------------------------------------------------

    def _schedule(self, ctr):
        times = [ctr.get(k) for k in ("exitAt", "startupTick", "readinessTick", "livenessTick")]
        ctr["due"] = min((x for x in times if x is not None), default=None)

    def _running(self, key, ctr, t):
        """Whatever fell due for a running container: its exit or a probe."""
        b, spec = self._behaviour(key), self.specs[key]
        def reached(name):
            return ctr.get(name) is not None and ctr[name] <= t

        if reached("exitAt"):
            return self._exited(key, ctr, t, b.program.exit_code, b.program.reason)
        if reached("startupTick"):
            del ctr["startupTick"]
            self._started(key, ctr, t)
        if reached("readinessTick"):
            self._readiness(key, ctr, t, b, spec["readinessProbe"])
        if reached("livenessTick") and self._liveness(key, ctr, t, spec["livenessProbe"]):
            return
        self._schedule(ctr)

    def _readiness(self, key, ctr, t, b, probe):
        started = ctr["run"]["startedAt"]
        if b.ready_after is not None and t >= started + b.ready_after:
            ctr["successes"] += 1
            if ctr["successes"] >= probe.get("successThreshold", 1):
                ctr["ready"] = True
                del ctr["readinessTick"]
                return
        else:
            ctr["successes"] = 0
            self._event(key, WARNING, messages.UNHEALTHY,
                        messages.probe_failed("Readiness", self._probe_output(probe)))
        ctr["readinessTick"] = t + probe.get("periodSeconds", 10)

    def _liveness(self, key, ctr, t, probe):
        """One failed liveness probe; True once it has failed often enough to kill."""
        ctr["failures"] += 1
        self._event(key, WARNING, messages.UNHEALTHY,
                    messages.probe_failed("Liveness", self._probe_output(probe)))
        if ctr["failures"] < probe.get("failureThreshold", 3):
            ctr["livenessTick"] = t + probe.get("periodSeconds", 10)
            return False
        restart = self.spec.get("restartPolicy", "Always") != "Never"
        self._event(key, NORMAL, messages.KILLING, messages.liveness_kill(key[1], restart))
        grace = probe.get("terminationGracePeriodSeconds",
                          self.spec.get("terminationGracePeriodSeconds", 30))
        self._stop(key, ctr, t, grace, "liveness")
        return True

    def _probe_output(self, probe):
        """What a failing probe reports, by kind: what the app would answer."""
        if "httpGet" in probe:
            return "HTTP probe failed with statuscode: 503"
        if "tcpSocket" in probe:
            port = probe["tcpSocket"].get("port")
            return f"dial tcp {self.record.get('ip')}:{port}: connect: connection refused"
        if "grpc" in probe:
            return 'service unhealthy (responded with "NOT_SERVING")'
        return ""  # an exec probe's command printed nothing

    # --- stopping and exits -------------------------------------------------------------------

    def _stop(self, key, ctr, t, grace, why):
        """SIGTERM now; the container exits when it handles it, or SIGKILL when the grace ends."""
        b = self._behaviour(key)
        grace = max(grace, MIN_GRACE_SECONDS)
        by_itself = b.stop_seconds is not None and b.stop_seconds < grace
        for k in ("exitAt", "startupTick", "readinessTick", "livenessTick"):
            ctr.pop(k, None)
        # Readiness stands until it exits: a terminating pod may still be serving.
        ctr.update(stage="stopping", kill=why,
                   stopCode=b.sigterm_exit_code if by_itself else 137,
                   due=t + (b.stop_seconds if by_itself else grace))

    def _stopped(self, key, ctr, t):
        code = ctr.pop("stopCode")
        why = ctr.pop("kill")
        self._exited(key, ctr, t, code, "Completed" if code == 0 else "Error")
        if why == "liveness" and not self.record.get("deleting") \
                and self.spec.get("restartPolicy", "Always") != "Never":
            ctr["due"] = None  # restarted in the same sync that killed it: no back-off
            ctr["stage"] = "waiting"
            self._start(key, ctr, t)

    def _exited(self, key, ctr, t, code, reason):
        ctr["run"].update(finishedAt=t, exitCode=code, reason=reason)
        for k in ("exitAt", "startupTick", "readinessTick", "livenessTick", "successes",
                  "failures"):
            ctr.pop(k, None)
        ctr.update(stage="exited", ready=False, started=False, due=None)
        if not self.record.get("deleting") and self._restarts(key, code):
            ctr["due"] = t + PLEG_SECONDS

    def _restarts(self, key, code):
        policy = self.spec.get("restartPolicy", "Always")
        if is_sidecar(self.specs[key]):
            return not self._finished()
        if key[0] == INIT:
            return code != 0 and policy != "Never"
        return policy == "Always" or (policy == "OnFailure" and code != 0)

    def _finished(self):
        """Whether every regular container has exited for good (never, with Always)."""
        return all(self.record[REGULAR][c["name"]]["stage"] == "exited"
                   and self.record[REGULAR][c["name"]]["due"] is None
                   for c in self.spec[REGULAR]) \
            and self.spec.get("restartPolicy", "Always") != "Always"

    def _restart(self, key, ctr, t):
        """The sync after an exit: restart now, or wait out the crash back-off."""
        finished, entry = ctr["run"]["finishedAt"], ctr.get("crashBackoff")
        if _in_backoff_since(entry, finished, t):
            self._event(key, WARNING, messages.BACKOFF,
                        messages.crash_backoff_event(key[1], self.pod))
            ctr["waiting"] = {"reason": messages.CRASH_LOOP_BACKOFF, "message":
                              messages.crash_backoff_waiting(entry[0], key[1], self.pod)}
            ctr["due"] = finished + entry[0]
            return
        ctr["crashBackoff"] = _next_backoff(entry, finished, t)
        self._start(key, ctr, t)

    def _terminate_pod(self, now):
        """The pod was deleted: stop every running container within its grace period."""
        record = self.record
        record["deleting"] = now
        record.pop("sandboxDue", None)
        grace = self.pod["metadata"].get("deletionGracePeriodSeconds") or 0
        for key, ctr in _all(record):
            ctr.pop("waiting", None)
            if ctr["stage"] == "running":
                self._event(key, NORMAL, messages.KILLING, messages.stopping(key[1]))
                self._stop(key, ctr, now, grace, "delete")
            elif ctr["stage"] != "stopping":
                ctr.update(stage="exited" if ctr.get("run") else "waiting", due=None)
                ctr.pop("pullStarted", None)

    def _check_done(self):
        record = self.record
        if record.get("done"):
            return
        if record.get("deleting"):
            if not any(c["stage"] == "stopping" for _, c in _all(record)):
                record["done"] = True
        elif self._finished() and self._stop_sidecars():
            return
        elif phase(self.pod, record) in (SUCCEEDED, FAILED) and due(record) is None:
            record["done"] = True  # the sandbox goes too

    def _stop_sidecars(self):
        """The regular containers are done: stop the sidecars still running. True if any."""
        grace = self.spec.get("terminationGracePeriodSeconds", 30)
        stopping = False
        for c in self.spec.get(INIT) or ():
            key, ctr = (INIT, c["name"]), self.record[INIT][c["name"]]
            if is_sidecar(c) and ctr["stage"] == "running":
                self._event(key, NORMAL, messages.KILLING, messages.stopping(c["name"]))
                self._stop(key, ctr, self.node.now, grace, "done")
            elif is_sidecar(c) and ctr["due"] is not None and ctr["stage"] != "stopping":
                ctr["due"] = None  # no restart for it now
            stopping |= ctr["stage"] == "stopping"
        return stopping

    # --- helpers ------------------------------------------------------------------------------

    def _behaviour(self, key):
        if key not in self.behaviours:
            self.behaviours[key] = behaviour.for_container(self.pod, self.specs[key],
                                                           zero_delays=self.node.zero_delays)
        return self.behaviours[key]

    def _event(self, key, event_type, reason, message):
        self.events.append((event_type, reason, message, f"spec.{key[0]}{{{key[1]}}}"))


def _first_tick(start, probe, not_before=None):
    """The first probe at or after initialDelaySeconds (and `not_before`), on the probe's
    period from the container's start."""
    period = probe.get("periodSeconds", 10)
    earliest = max(start + probe.get("initialDelaySeconds", 0), not_before or start)
    return start + math.ceil(round((earliest - start) / period, 9)) * period

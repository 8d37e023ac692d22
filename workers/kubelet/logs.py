"""Simulated container logs: what `kubectl logs` shows, as the kubelet would serve it.

The lines come from the container's behaviour (its catalog image's lines, what its command
echoes, a teacher's simulated crash) placed at the times the run printed them; chatty servers
(nginx, httpd) add an access log line now and then, and one per httpGet probe. Everything is
derived from the pod's uid and the run's start, so asking twice gives the same text, and a
running container's log grows with simulated time.

Errors are upstream's, as 400 Bad Request: no container named, a container waiting to start,
no previous run.
"""
import hashlib
from datetime import UTC, datetime

from django.conf import settings

from cluster import clock
from cluster.errors import BadRequest
from workers.models import PodRuntime

from . import behaviour, messages, status
from .lifecycle import INIT, REGULAR

SLOT_SECONDS = 10  # chatty servers get 0-2 requests per slot
_AGENTS = ("curl/8.11.1", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
           "Wget/1.25.0", "python-requests/2.32.3")


def logs(pod, container=None, *, tail_lines=None, previous=False, timestamps=False, since=None):
    """The log of one container's current run (or previous one), as text.

    `since` is an aware datetime (the API turns sinceSeconds and sinceTime into one); lines
    printed before it are left out, then `tail_lines` keeps the last ones.
    """
    kind, spec = _container(pod, container)
    record = PodRuntime.objects.filter(pod_uid=pod["metadata"]["uid"]).values_list(
        "state", flat=True).first()
    run = _run(pod, kind, spec, record, previous)
    now = clock.current().seconds()
    lines = _window(pod, spec, run, record.get("ip"), since.timestamp() if since else None,
                    run.get("finishedAt", now), tail_lines)
    if tail_lines is not None:
        lines = lines[-tail_lines:] if tail_lines > 0 else []
    return "".join(f"{_nano(t) + ' ' if timestamps else ''}{text}\n" for t, text in lines)


def _container(pod, name):
    """The container the request means (upstream's LogLocation rules)."""
    spec, pod_name = pod["spec"], pod["metadata"]["name"]
    if not name:
        if len(spec[REGULAR]) == 1:
            return REGULAR, spec[REGULAR][0]
        names = " ".join(c["name"] for c in spec[REGULAR])
        message = f"a container name must be specified for pod {pod_name}, choose one of: [{names}]"
        if spec.get(INIT):
            message += (" or one of the init containers: "
                        f"[{' '.join(c['name'] for c in spec[INIT])}]")
        raise BadRequest(message)
    for kind in (REGULAR, INIT):
        for c in spec.get(kind) or ():
            if c["name"] == name:
                return kind, c
    raise BadRequest(f"container {name} is not valid for pod {pod_name}")


def _run(pod, kind, spec, record, previous):
    """The run whose log is asked for, chosen from the container's status as the kubelet's
    validateContainerLogStatus chooses it."""
    name, pod_name = spec["name"], pod["metadata"]["name"]
    if not record or record.get("rejected"):
        raise BadRequest(f'container "{name}" in pod "{pod_name}" is not available')
    view = status.container_status(pod, kind, spec, record)
    state, last = view["state"], view["lastState"]
    if previous:
        container_id = last.get("terminated", {}).get("containerID")
        if not container_id:
            raise BadRequest(f'previous terminated container "{name}" in pod "{pod_name}" '
                             "not found")
    elif "running" in state:
        container_id = view["containerID"]
    elif state.get("terminated", {}).get("containerID") or last.get("terminated"):
        container_id = (state.get("terminated", {}).get("containerID")
                        or last["terminated"]["containerID"])
    elif "terminated" in state:
        raise BadRequest(f'container "{name}" in pod "{pod_name}" is terminated')
    else:
        reason = state["waiting"]["reason"]
        why = {messages.ERR_IMAGE_PULL: "image can't be pulled",
               messages.IMAGE_PULL_BACKOFF: "trying and failing to pull image"}.get(reason, reason)
        raise BadRequest(f'container "{name}" in pod "{pod_name}" is waiting to start: {why}')
    ctr = record[kind][name]
    return next(r for r in (ctr.get("run"), ctr.get("last"))
                if r and "containerd://" + r["id"] == container_id)


def _window(pod, spec, run, ip, since, end, tail_lines):
    """The run's lines up to `end` (and from `since`). With a tail, look back from the end in
    growing spans rather than generate a long-running server's whole history."""
    start = run["startedAt"]
    lo = max(start, since) if since is not None else start
    if tail_lines is None:
        return _lines(pod, spec, run, ip, lo, end)
    span = 600.0
    while True:
        first = max(lo, end - span)
        lines = _lines(pod, spec, run, ip, first, end)
        if len(lines) >= tail_lines or first <= lo:
            return lines
        span *= 8


def _lines(pod, spec, run, ip, lo, hi):
    """(time, text) printed by the run in [lo, hi], oldest first."""
    b = behaviour.for_container(pod, spec)
    program, start = b.program, run["startedAt"]
    exited_by_itself = program.runs is not None and "finishedAt" in run \
        and abs(start + program.runs - run["finishedAt"]) < 1e-6
    lines = [(start + offset, text) for offset, text in program.lines]
    if program.loop:
        lines += _loop(program, start, lo, hi)
    if b.access_log:
        up = max((offset for offset, _ in program.lines), default=0.0)
        lines += _requests(b.access_log, spec, run, ip, lo, hi, up)
    if "finishedAt" in run and not exited_by_itself and run["exitCode"] == b.sigterm_exit_code:
        lines += [(run["finishedAt"], text) for text in b.stop_logs]  # it stopped on SIGTERM
    return [(t, _render(text, t, ip or "")) for t, text in sorted(lines, key=lambda x: x[0])
            if lo <= t <= hi]


def _loop(program, start, lo, hi):
    first = start + program.loop_start
    k = max(0, int((lo - first) // program.period))
    lines = []
    while (round_start := first + k * program.period) <= hi:
        lines += [(round_start + offset, text) for offset, text in program.loop]
        k += 1
    return lines


def _requests(template, spec, run, ip, lo, hi, up):
    """Access log lines: a little deterministic traffic once the server is up (`up` seconds
    after it started), plus the kubelet's httpGet probes."""
    start, lines = run["startedAt"], []
    gateway = ip.rsplit(".", 1)[0] + ".1" if ip else "10.244.0.1"
    first = max(0, int((max(lo, start + up) - start) // SLOT_SECONDS))
    for slot in range(first, int((hi - start) // SLOT_SECONDS) + 1):
        digest = hashlib.sha256(f"{run['id']}:{slot}".encode()).digest()
        for i in range((0, 0, 0, 0, 0, 1, 1, 1, 2, 2)[digest[0] % 10]):
            client = f"10.244.{digest[1 + i] % 3}.{2 + digest[3 + i] % 200}"
            lines.append((start + max(up, slot * SLOT_SECONDS + digest[5 + i] % SLOT_SECONDS),
                          template.replace("{client}", client).replace("{path}", "/")
                          .replace("{agent}", _AGENTS[digest[7 + i] % len(_AGENTS)])))
    agent = "kube-probe/" + ".".join(settings.KUBESIM_KUBERNETES_VERSION.split(".")[:2])
    for probe in (spec.get("readinessProbe"), spec.get("livenessProbe")):
        http = (probe or {}).get("httpGet")
        if not http:
            continue
        period, delay = probe.get("periodSeconds", 10), probe.get("initialDelaySeconds", 0)
        k = max(0, int((lo - start - delay) // period))
        while (t := start + delay + k * period) <= hi:
            lines.append((t, template.replace("{client}", gateway)
                          .replace("{path}", http.get("path", "/")).replace("{agent}", agent)))
            k += 1
    return lines


def _render(text, t, ip):
    """A catalog line with its placeholders filled in (see catalog)."""
    moment = datetime.fromtimestamp(t, UTC)
    try:
        return text.format(t=moment, epoch=int(t), ip=ip)
    except (KeyError, IndexError, ValueError):
        return text  # a line with braces of its own (an echo of JSON): print it as is


def _nano(t):
    """RFC 3339 with nanoseconds, trailing zeros trimmed (Go's RFC3339Nano)."""
    micros = round(t * 1e6)  # simulated times are good to the microsecond, not beyond
    moment = datetime.fromtimestamp(micros // 10 ** 6, UTC)
    fraction = f".{micros % 10 ** 6 * 1000:09d}".rstrip("0").rstrip(".")
    return f"{moment:%Y-%m-%dT%H:%M:%S}{fraction}Z"

"""Pod logs for the logs page and its websocket (dashboard.consumers.logs).

The kubelet's log (workers.kubelet.logs) is read with timestamps, so that each line carries the
simulated time it was printed: the page shows the lines up to its last one's time, and the
stream sends only lines printed after it, asking the kubelet for nothing older (`since`). A
container that is waiting to start is waited for; following ends, as `kubectl logs -f` does,
when the container stops or the pod goes.
"""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from cluster import kinds, store
from cluster.errors import BadRequest, NotFound
from workers.kubelet.logs import logs

POD = kinds.lookup("pods")
PAGE_TAIL_LINES = 5000  # the page starts with the last lines, as `kubectl logs --tail` would
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"
FOLLOWING, WAITING, STOPPED = "following", "waiting", "stopped"
_STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?Z"  # RFC 3339, as the kubelet stamps lines
_STAMPED = re.compile(f"({_STAMP}) (.*)", re.DOTALL)
_SLACK = timedelta(milliseconds=1)  # `since` is inclusive and a float: ask from a little before


@dataclass
class Chunk:
    text: str  # lines, each ending in "\n"
    last: str  # the RFC 3339 time of the last line ("" when there is none yet)
    state: str = FOLLOWING
    message: str = ""  # why it waits or stopped


def containers(pod):
    """The names of the pod's containers, init containers first (all have logs)."""
    spec = pod.get("spec") or {}
    return [c["name"] for key in ("initContainers", "containers") for c in spec.get(key) or ()]


def default_container(pod):
    """The container `kubectl logs` picks: the default-container annotation's, else the first."""
    named = (pod["metadata"].get("annotations") or {}).get(DEFAULT_CONTAINER)
    regular = [c["name"] for c in (pod.get("spec") or {}).get("containers") or ()]
    return named if named in regular else (regular[0] if regular else "")


def parse_stamp(text):
    """An RFC 3339 time as the log stamps it; ValueError if it is not one."""
    if not re.fullmatch(_STAMP, text or ""):
        raise ValueError(f"not a log time: {text!r}")
    return datetime.fromisoformat(text)


def read(pod, container, *, previous=False, after="", tail_lines=None):
    """The log lines printed after the time `after` ("" for all), as a Chunk. Raises the
    kubelet's BadRequest when there is no log to read (a container still waiting to start)."""
    since = parse_stamp(after) - _SLACK if after else None
    stamped = logs(pod, container, previous=previous, timestamps=True, since=since,
                   tail_lines=tail_lines)
    lines, last = [], after
    cutoff = parse_stamp(after) if after else None
    for stamp, text in _split(stamped):
        if cutoff is None or parse_stamp(stamp) > cutoff:
            lines.append(text + "\n")
            last = stamp
    return Chunk("".join(lines), last)


def _split(stamped):
    """(stamp, text) pairs; a line a program printed with newlines in it stays one."""
    pairs = []
    for line in stamped.split("\n")[:-1] if stamped.endswith("\n") else stamped.split("\n"):
        match = _STAMPED.fullmatch(line)
        if match:
            pairs.append([match.group(1), match.group(2)])
        elif pairs:
            pairs[-1][1] += "\n" + line
    return pairs


def page(pod, container, previous):
    """What the logs page starts with: the last lines, or why there are none; stopped when
    there is nothing more to come (a previous run, a container no longer running)."""
    try:
        chunk = read(pod, container, previous=previous, tail_lines=PAGE_TAIL_LINES)
    except BadRequest as e:
        return Chunk("", "", WAITING, e.message)
    stopped = "the previous run's log is complete" if previous else not_running(pod, container)
    if stopped:
        chunk.state, chunk.message = STOPPED, stopped
    return chunk


def poll(namespace, name, container, after):
    """The lines printed since `after`, and whether to keep following."""
    try:
        pod = store.get(POD, namespace, name)
    except NotFound:
        return Chunk("", after, STOPPED, f'pod "{name}" is gone')
    if container not in containers(pod):
        return Chunk("", after, STOPPED, f"container {container} is not valid for pod {name}")
    try:
        chunk = read(pod, container, after=after)
    except BadRequest as e:
        return Chunk("", after, WAITING, e.message)
    stopped = not_running(pod, container)
    if stopped:
        chunk.state, chunk.message = STOPPED, stopped
    return chunk


def not_running(pod, container):
    """"" while the container runs; otherwise what it is doing instead, in words."""
    status = pod.get("status") or {}
    found = next((s for key in ("initContainerStatuses", "containerStatuses")
                  for s in status.get(key) or () if s.get("name") == container), None)
    state = (found or {}).get("state") or {}
    if "running" in state:
        return ""
    if "terminated" in state:
        done = state["terminated"]
        return (f"container {container} terminated ({done.get('reason') or 'Completed'}, "
                f"exit code {done.get('exitCode', 0)})")
    reason = (state.get("waiting") or {}).get("reason")
    return f"container {container} is not running" + (f" ({reason})" if reason else "")

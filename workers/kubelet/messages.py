"""What the kubelet says, word for word: event and status messages as upstream formats them
(pkg/kubelet/images, pkg/kubelet/kuberuntime, pkg/kubelet/prober, pkg/kubelet/lifecycle)."""

# Event reasons (pkg/kubelet/events/event.go).
PULLING, PULLED, FAILED, BACKOFF = "Pulling", "Pulled", "Failed", "BackOff"
CREATED, STARTED, KILLING, UNHEALTHY = "Created", "Started", "Killing", "Unhealthy"
NEVER_PULL = "ErrImageNeverPull"

# Container waiting reasons.
CONTAINER_CREATING, POD_INITIALIZING = "ContainerCreating", "PodInitializing"
ERR_IMAGE_PULL, IMAGE_PULL_BACKOFF = "ErrImagePull", "ImagePullBackOff"
CRASH_LOOP_BACKOFF = "CrashLoopBackOff"


def go_duration(seconds):
    """Go's time.Duration.String(): 0s, 512ms, 2.1s, 1m20s, 5m0s, 1h0m0s."""
    ns = round(seconds * 1e9)
    if ns == 0:
        return "0s"
    if ns < 10 ** 9:
        unit, size = next((u, s) for u, s in (("ms", 10 ** 6), ("µs", 10 ** 3), ("ns", 1))
                          if ns >= s)
        return _decimal(ns, size) + unit
    hours, ns = divmod(ns, 3600 * 10 ** 9)
    minutes, ns = divmod(ns, 60 * 10 ** 9)
    text = _decimal(ns, 10 ** 9) + "s"
    if hours or minutes:
        text = f"{minutes}m{text}"
    return f"{hours}h{text}" if hours else text


def _decimal(value, unit):
    whole, fraction = divmod(value, unit)
    digits = str(fraction).rjust(len(str(unit)) - 1, "0").rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


def pod_full_name(pod):
    """format.Pod: `web_default(<uid>)`."""
    meta = pod["metadata"]
    return f"{meta['name']}_{meta.get('namespace', 'default')}({meta['uid']})"


def pulling(image):
    return f'Pulling image "{image}"'


def pulled(image, seconds, size):
    # Upstream truncates to the millisecond; round first, as simulated times carry float noise.
    took = go_duration(int(round(seconds, 6) * 1000) / 1000)
    return (f'Successfully pulled image "{image}" in {took} ({took} including waiting). '
            f"Image size: {size} bytes.")


def already_present(image):
    return f'Container image "{image}" already present on machine and can be accessed by the pod'


def never_pull(image):
    return f'Container image "{image}" is not present with pull policy of Never'


def pull_failed(image, error):
    return f'Failed to pull image "{image}": {error}'


def error(reason):
    """The Failed event startContainer records for any start error: `Error: ErrImagePull`."""
    return f"Error: {reason}"


def pull_backoff(image):
    return f'Back-off pulling image "{image}"'


def crash_backoff_event(container, pod):
    return f"Back-off restarting failed container {container} in pod {pod_full_name(pod)}"


def crash_backoff_waiting(delay, container, pod):
    return (f"back-off {go_duration(delay)} restarting failed container={container} "
            f"pod={pod_full_name(pod)}")


def stopping(container):
    return f"Stopping container {container}"


def liveness_kill(container, restarts):
    message = f"Container {container} failed liveness probe"
    return f"{message}, will be restarted" if restarts else message


def probe_failed(probe_type, output):
    """`Readiness probe failed: HTTP probe failed with statuscode: 503` (the prober's event)."""
    return f"{probe_type} probe failed: {output}"


def insufficient(resource, requested, used, capacity):
    """The admission failure (lifecycle.InsufficientResourceError)."""
    return (f"Node didn't have enough resource: {resource}, requested: {requested}, "
            f"used: {used}, capacity: {capacity}")


def rejected(message):
    return f"Pod was rejected: {message}"


def not_found(reference):
    """containerd's error for a tag or digest the registry does not have."""
    return (f"rpc error: code = NotFound desc = failed to pull and unpack image \"{reference}\": "
            f"failed to resolve reference \"{reference}\": {reference}: not found")


def access_denied(reference):
    """containerd's error for a repository that does not exist (or needs credentials)."""
    return (f"rpc error: code = Unknown desc = failed to pull and unpack image \"{reference}\": "
            f"failed to resolve reference \"{reference}\": pull access denied, repository does "
            "not exist or may require authorization: server message: insufficient_scope: "
            "authorization failed")

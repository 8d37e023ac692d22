"""The measurements behind `manage.py bench_api`: the API's latency for calls shaped as kubectl
v1.32.4 sends them, over real HTTP/1.1 keep-alive connections to a daphne.

The shapes were read off `kubectl -v=9` and a socket capture: the headers every kubectl request
carries, `kubectl apply -f`'s POST of a new object and its strategic merge PATCH of a changed one
(with the last-applied-configuration annotation and `$setElementOrder`), and `kubectl get`'s
Accept header asking for a Table, with lists read in chunks of 500 (`?limit=500`, then
`&continue=`). Each function returns the latencies in seconds; the command prints them.
"""
import gzip
import http.client
import json
import math
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote, urlparse

from django.db import transaction

from . import binding, kinds, store

POD = kinds.BY_KIND[("", "Pod")]
NAMESPACE = "bench"
WARM_UP_NAMESPACE = "bench-warm-up"
USER_AGENT = "kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07"
JSON = "application/json"
TABLE = ("application/json;as=Table;v=v1;g=meta.k8s.io,"
         "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")
STRATEGIC_MERGE = "application/strategic-merge-patch+json"
APPLY = "?fieldManager=kubectl-client-side-apply&fieldValidation=Strict"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
CHUNK_SIZE = 500  # kubectl get's default --chunk-size


# --- one kubectl's connection ------------------------------------------------------------------

@dataclass
class Answer:
    seconds: float
    status: int
    content_type: str
    body: dict

    @property
    def is_table(self):
        return self.body.get("kind") == "Table"

    @property
    def shape(self):
        """What came back, as the report shows it: "Table in application/json"."""
        return f"{self.body.get('kind', '?')} in {self.content_type}"


class Client:
    """One keep-alive HTTP connection, sending the headers each kubectl request carries.

    kubectl v1.32.4 sends no Authorization header to a plain-http server (a socket capture shows
    none); the bearer token is sent all the same, as the Python client sends it, so that its
    check is in every figure.
    """

    def __init__(self, base, token=None, command="kubectl get"):
        url = urlparse(base)
        self.connection = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        self.headers = {"User-Agent": USER_AGENT, "Kubectl-Command": command,
                        "Kubectl-Session": str(uuid.uuid4()), "Accept-Encoding": "gzip"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.reconnects = 0

    def call(self, method, path, *, accept=JSON, body=None, content_type=None, expect=200):
        headers = {**self.headers, "Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        data = json.dumps(body, separators=(",", ":")).encode() if body is not None else None
        start = time.perf_counter()
        status, response_type, raw = self._send(method, path, data, headers)
        seconds = time.perf_counter() - start
        if status != expect:
            raise RuntimeError(f"{method} {path}: {status}, {expect} expected: {raw[:300]!r}")
        return Answer(seconds, status, response_type, json.loads(raw))

    def _send(self, method, path, data, headers):
        for attempt in (1, 2):  # a keep-alive connection the server closed is opened again, once
            try:
                self.connection.request(method, path, data, headers)
                response = self.connection.getresponse()
                raw = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if attempt == 2:
                    raise
                self.reconnects += 1
                continue
            if response.getheader("Content-Encoding") == "gzip":  # Go's transport unzips too
                raw = gzip.decompress(raw)
            return response.status, response.getheader("Content-Type", ""), raw
        raise AssertionError("unreachable")

    def close(self):
        self.connection.close()


# --- the calls ---------------------------------------------------------------------------------

def manifest(name, namespace=NAMESPACE, image="nginx:1.27"):
    """A Pod as a student writes it in pod.yaml."""
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": image,
                                     "ports": [{"containerPort": 80}],
                                     "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}]}}


def _last_applied(obj):
    # As kubectl writes it: the manifest with an empty annotations map, keys sorted, newline.
    applied = json.loads(json.dumps(obj))
    applied["metadata"].setdefault("annotations", {})
    return json.dumps(applied, sort_keys=True, separators=(",", ":")) + "\n"


def _pods(namespace):
    return f"/api/v1/namespaces/{namespace}/pods"


def create(client, name, namespace=NAMESPACE):
    """`kubectl apply -f pod.yaml` of a new pod: the POST after its GET found nothing."""
    obj = manifest(name, namespace)
    obj["metadata"]["annotations"] = {LAST_APPLIED: _last_applied(obj)}
    return client.call("POST", _pods(namespace) + APPLY, body=obj, content_type=JSON, expect=201)


def get(client, name, table, namespace=NAMESPACE):
    """`kubectl get pod NAME` (as a Table) or `kubectl get pod NAME -o json` (the object)."""
    return client.call("GET", f"{_pods(namespace)}/{name}", accept=TABLE if table else JSON)


def patch(client, name, version, namespace=NAMESPACE):
    """`kubectl apply -f pod.yaml` again after the image was changed: the three-way strategic
    merge patch kubectl computes (the image, the new last-applied-configuration)."""
    image = f"nginx:1.27.{version}"
    body = {"metadata": {"annotations": {LAST_APPLIED: _last_applied(manifest(name, namespace, image))}},
            "spec": {"$setElementOrder/containers": [{"name": "app"}],
                     "containers": [{"image": image, "name": "app"}]}}
    return client.call("PATCH", f"{_pods(namespace)}/{name}" + APPLY, body=body,
                       content_type=STRATEGIC_MERGE)


def list_chunked(client, namespace=NAMESPACE):
    """`kubectl get pods`: pages of 500 as Tables until no continue token is left."""
    answers, token = [], None
    while token != "":
        path = f"{_pods(namespace)}?limit={CHUNK_SIZE}"
        if token:
            path += f"&continue={quote(token, safe='')}"
        answers.append(client.call("GET", path, accept=TABLE))
        token = answers[-1].body.get("metadata", {}).get("continue", "")
    return answers


def list_whole(client, namespace=NAMESPACE):
    """`kubectl get pods --chunk-size=0`: every pod in one answer."""
    return client.call("GET", _pods(namespace), accept=TABLE)


def listed(answer):
    """How many pods an answer lists, whether it is a Table (rows) or a PodList (items)."""
    return len(answer.body["rows"] if answer.is_table else answer.body["items"])


# --- running them from several clients ---------------------------------------------------------

@dataclass
class Samples:
    """The latencies of one kind of call, and what the server answered it with."""
    what: str
    asked_table: bool = False
    single_object: bool = True  # what the p99 target is for
    seconds: list = field(default_factory=list)
    shapes: set = field(default_factory=set)  # Answer.shape of each answer
    wall: float = 0.0  # the whole round's time, for calls/s
    requests: int = 1  # HTTP requests per sample (a chunked list makes several)

    def add(self, seconds, shapes):
        self.seconds.append(seconds)
        self.shapes.update(shapes)

    def percentile(self, p):
        return percentile(self.seconds, p)


def percentile(samples, p):
    """The nearest-rank percentile: the smallest sample with at least p% of them at or below it."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def run(samples, clients, items, call):
    """`samples` filled with `call(client, item)` for every item, the items dealt out among the
    clients, each in a thread of its own (one client: in this thread).

    `call` returns an Answer or a list of them (one sample: their seconds summed).
    """
    lock, errors = threading.Lock(), []
    concurrency = len(clients)

    def work(client, share):
        try:
            for item in share:
                answers = call(client, item)
                answers = answers if isinstance(answers, list) else [answers]
                with lock:
                    samples.add(sum(a.seconds for a in answers), {a.shape for a in answers})
                    samples.requests = len(answers)
        except Exception as e:  # noqa: BLE001 (re-raised below, not lost in the thread)
            errors.append(e)

    items = list(items)
    threads = [threading.Thread(target=work, args=(c, items[i::concurrency]), daemon=True)
               for i, c in enumerate(clients)] if concurrency > 1 else []
    start = time.perf_counter()
    if not threads:  # in this thread: a profile of in-process calls sees them
        work(clients[0], items)
    else:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    samples.wall = time.perf_counter() - start
    if errors:
        raise errors[0]
    return samples


# --- the cluster behind the calls --------------------------------------------------------------

def create_namespaces():
    for name in (NAMESPACE, WARM_UP_NAMESPACE):
        store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def fill(total, have, namespace=NAMESPACE, batch=500):
    """Top the namespace up to `total` pods through the store, many per commit (fast)."""
    for first in range(have, total, batch):
        with transaction.atomic():
            for i in range(first, min(first + batch, total)):
                store.create(manifest(pod_name(i), namespace))


def pod_name(i):
    return f"web-{i:05d}"


def run_every_pod(namespace=NAMESPACE, nodes=3, batch=200):
    """Bind every pod and give it a Running, Ready status, as the scheduler and a kubelet would
    (the control plane is off): the listed pods are as big as a running cluster's, and the
    Table's rows show Running, an IP and a node."""
    pods = store.list_objects(POD, namespace).items
    for start in range(0, len(pods), batch):
        with transaction.atomic():
            for i, pod in enumerate(pods[start:start + batch], start):
                bound = binding.bind(namespace, pod["metadata"]["name"], f"node-{i % nodes + 1}",
                                     pod=pod)
                bound["status"].update(_running(bound, i))
                store.update(bound, subresource="status")
    return len(pods)


def _running(pod, i):
    started = pod["metadata"]["creationTimestamp"]
    ip = f"10.244.{i // 250}.{i % 250 + 2}"
    ready = [{"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": started}
             for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")]
    containers = [{"name": c["name"], "image": c["image"], "imageID": f"docker.io/library/{c['image']}",
                   "containerID": f"containerd://{uuid.uuid4().hex}", "ready": True,
                   "started": True, "restartCount": 0, "state": {"running": {"startedAt": started}}}
                  for c in pod["spec"]["containers"]]
    return {"phase": "Running", "conditions": ready + pod["status"].get("conditions", []),
            "hostIP": f"172.18.0.{i % 3 + 2}", "podIP": ip, "podIPs": [{"ip": ip}],
            "startTime": started, "qosClass": "Burstable", "containerStatuses": containers}


# --- the rounds the command runs ---------------------------------------------------------------

def connector(base, token, concurrency):
    """make_clients(command): `concurrency` new connections to `base` as that kubectl command."""
    return lambda command: [Client(base, token, command) for _ in range(concurrency)]


def warm_up(base, token, calls=5):
    """Each kind of call a few times in a namespace of its own: the server's first requests
    import and compile what later ones reuse."""
    client = Client(base, token)
    for i in range(calls):
        create(client, pod_name(i), WARM_UP_NAMESPACE)
        get(client, pod_name(i), True, WARM_UP_NAMESPACE)
        get(client, pod_name(i), False, WARM_UP_NAMESPACE)
        patch(client, pod_name(i), i, WARM_UP_NAMESPACE)
        list_chunked(client, WARM_UP_NAMESPACE)
    client.close()


def create_round(make_clients, names, namespace=NAMESPACE):
    samples = Samples("create: POST pod (kubectl apply, new)")
    return run(samples, make_clients("kubectl apply"), names,
               lambda client, name: create(client, name, namespace))


def single_object_rounds(make_clients, names, namespace=NAMESPACE):
    gets = make_clients("kubectl get")
    applies = make_clients("kubectl apply")
    return [
        run(Samples("get: GET pod as Table (kubectl get pod NAME)", asked_table=True), gets,
            names, lambda client, name: get(client, name, True, namespace)),
        run(Samples("get: GET pod as JSON (-o json; apply's read)"), applies, names,
            lambda client, name: get(client, name, False, namespace)),
        run(Samples("patch: PATCH pod, strategic merge (kubectl apply)"), applies,
            list(enumerate(names)), lambda client, item: patch(client, item[1], item[0], namespace)),
    ]


def list_rounds(make_clients, pods, runs, namespace=NAMESPACE):
    """`kubectl get pods` as kubectl sends it (pages of 500) and in one request, after checking
    that both list every pod."""
    clients = make_clients("kubectl get")
    for answers in (list_chunked(clients[0], namespace), [list_whole(clients[0], namespace)]):
        if sum(listed(a) for a in answers) != pods:
            raise RuntimeError(f"{sum(listed(a) for a in answers)} pods listed, {pods} expected")
    chunks = -(-pods // CHUNK_SIZE)
    return [
        run(Samples(f"list: {pods:,} pods as Table, {chunks} x ?limit={CHUNK_SIZE} (kubectl)",
                    asked_table=True, single_object=False), clients, range(runs),
            lambda client, _: list_chunked(client, namespace)),
        run(Samples(f"list: {pods:,} pods as Table, 1 request (--chunk-size=0)",
                    asked_table=True, single_object=False), clients, range(runs),
            lambda client, _: list_whole(client, namespace)),
    ]


# --- in process, for the profile ----------------------------------------------------------------

class InProcessClient(Client):
    """The same requests through Django's test client: the whole request path but daphne's."""

    def __init__(self, token, command):
        from django.test import Client as DjangoClient

        self.django = DjangoClient(HTTP_HOST="127.0.0.1")
        self.headers = {"User-Agent": USER_AGENT, "Kubectl-Command": command,
                        "Authorization": f"Bearer {token}"}
        self.reconnects = 0

    def _send(self, method, path, data, headers):
        headers = dict(headers)
        content_type = headers.pop("Content-Type", "application/octet-stream")
        response = self.django.generic(method, path, data or b"", content_type, headers=headers)
        return response.status_code, response.get("Content-Type", ""), response.content

    def close(self):
        pass


def in_process_rounds(calls, pods, lists, namespace, profile=None):
    """The command's rounds again in process, one client, under `profile` if given: creates in
    a new namespace, the lists on the benchmark's."""
    from .api import auth

    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    token = auth.token()

    def make_clients(command):
        return [InProcessClient(token, command)]

    names = [pod_name(i) for i in range(calls)]
    if profile:
        profile.enable()
    try:
        rounds = [create_round(make_clients, names, namespace)]
        rounds += single_object_rounds(make_clients, names, namespace)
        rounds += list_rounds(make_clients, pods, lists)
    finally:
        if profile:
            profile.disable()
    return rounds


# --- the report --------------------------------------------------------------------------------

def answered_as(samples):
    """What the server answered with (the kind, in its Content-Type; upstream names no Table in
    it), marked when a Table was asked for and none came."""
    shown = ", ".join(sorted(samples.shapes))
    if samples.asked_table and not any(s.startswith("Table ") for s in samples.shapes):
        return shown + " (not a Table)"
    return shown


def report(rounds, target, concurrency):
    header = ["call", "n", "p50", "p95", "p99", "max", "calls/s", "answered as",
              f"p99 <= {target * 1000:.0f} ms"]
    rows = [header]
    for r in rounds:
        ms = [f"{r.percentile(p) * 1000:.1f} ms" for p in (50, 95, 99, 100)]
        verdict = ("met" if r.percentile(99) <= target else "MISSED") if r.single_object else ""
        rows.append([r.what, str(len(r.seconds)), *ms, f"{len(r.seconds) / r.wall:,.0f}",
                     answered_as(r), verdict])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i in (0, 7) else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    note = (f"{concurrency} client{'s' if concurrency > 1 else ''} at once, each on its own "
            "keep-alive connection; a list's sample is its requests' times summed")
    return "\n".join([note, *lines]) + "\n"

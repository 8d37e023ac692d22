"""manage.py bench_api's statistics and plumbing, at small N: the percentiles, the report, the
kubectl-shaped calls through the real request path, and the command end to end."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cluster import benchapi, kinds, store

ROOT = Path(__file__).resolve().parents[2]


def test_percentile_is_the_nearest_rank():
    samples = [i / 1000 for i in range(100, 0, -1)]  # 1..100 ms, unordered
    assert benchapi.percentile(samples, 50) == 0.050
    assert benchapi.percentile(samples, 99) == 0.099
    assert benchapi.percentile(samples, 100) == 0.100
    assert benchapi.percentile([0.007], 99) == 0.007
    # With 10 samples, p99 is the slowest: a single outlier is not hidden.
    assert benchapi.percentile([0.001] * 9 + [0.5], 99) == 0.5


def _answer(seconds, content_type="application/json", kind="Pod"):
    return benchapi.Answer(seconds, 200, content_type, {"kind": kind})


def test_run_deals_the_items_out_and_sums_a_lists_requests():
    served = []

    def call(client, item):
        served.append((client, item))
        if item == "chunked":  # two pages: one sample of their summed time
            return [_answer(0.010), _answer(0.020)]
        return _answer(0.001 * item)

    samples = benchapi.run(benchapi.Samples("get"), ["a", "b"], [1, 2, 3, 4], call)
    assert sorted(samples.seconds) == [0.001, 0.002, 0.003, 0.004]
    assert sorted(served) == [("a", 1), ("a", 3), ("b", 2), ("b", 4)]
    assert samples.shapes == {"Pod in application/json"} and samples.wall > 0

    lists = benchapi.run(benchapi.Samples("list"), ["a"], ["chunked"], call)
    assert lists.seconds == [pytest.approx(0.030)] and lists.requests == 2


def test_run_raises_what_a_client_thread_raised():
    def call(client, item):
        raise RuntimeError(f"GET pod {item}: 500")

    with pytest.raises(RuntimeError, match="500"):
        benchapi.run(benchapi.Samples("get"), ["a", "b"], [1, 2], call)


def test_the_report_judges_single_object_calls_and_says_when_no_table_came():
    fast = benchapi.Samples("get as Table", asked_table=True, seconds=[0.004] * 99 + [0.09],
                            shapes={"Pod in application/json"}, wall=1.0)
    slow = benchapi.Samples("patch", seconds=[0.004] * 98 + [0.2, 0.3],
                            shapes={"Pod in application/json"}, wall=1.0)
    listing = benchapi.Samples("list", asked_table=True, single_object=False, seconds=[0.5],
                               shapes={"Table in application/json"}, wall=0.5)
    lines = benchapi.report([fast, slow, listing], 0.100, 1).splitlines()
    by_call = {line.split("  ")[0].strip(): line for line in lines[2:]}
    assert by_call["get as Table"].endswith("met")
    assert "Pod in application/json (not a Table)" in by_call["get as Table"]
    assert "90.0 ms" in by_call["get as Table"]  # p99 of 100 samples: the 99th, not the max
    assert by_call["patch"].endswith("MISSED") and "200.0 ms" in by_call["patch"]
    assert by_call["list"].endswith("Table in application/json")  # no target for a list


@pytest.mark.django_db
def test_the_calls_go_through_the_real_request_path_in_process(monkeypatch):
    monkeypatch.setattr(benchapi, "CHUNK_SIZE", 3)  # 7 pods: three pages, two continue tokens
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}})
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "mine"}})
    client = benchapi.InProcessClient("the-wrong-token", "kubectl get")
    with pytest.raises(RuntimeError, match="401"):  # the token is checked: it is sent
        benchapi.get(client, "web-00000", True)

    from cluster.api import auth

    make_clients = lambda command: [benchapi.InProcessClient(auth.token(), command)]
    names = [benchapi.pod_name(i) for i in range(3)]
    created = benchapi.create_round(make_clients, names, "mine")
    assert len(created.seconds) == 3 and created.shapes == {"Pod in application/json"}
    gets, _, patches = benchapi.single_object_rounds(make_clients, names, "mine")
    assert len(gets.seconds) == len(patches.seconds) == 3
    assert patches.shapes == {"Pod in application/json"}

    pod = store.get(kinds.BY_KIND[("", "Pod")], "mine", "web-00002")
    assert pod["spec"]["containers"][0]["image"] == "nginx:1.27.2"  # the strategic merge landed
    assert "nginx:1.27.2" in pod["metadata"]["annotations"][benchapi.LAST_APPLIED]

    benchapi.fill(7, 0)
    assert benchapi.run_every_pod() == 7
    chunked, whole = benchapi.list_rounds(make_clients, 7, 2)  # each checked to list all 7
    assert len(chunked.seconds) == len(whole.seconds) == 2
    assert chunked.requests == 3 and whole.requests == 1
    assert chunked.shapes == whole.shapes == {"Table in application/json"}
    pod = store.get(kinds.BY_KIND[("", "Pod")], "bench", "web-00006")
    assert pod["status"]["phase"] == "Running" and pod["spec"]["nodeName"]


@pytest.mark.e2e
def test_the_command_prints_each_calls_percentiles():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    done = subprocess.run([sys.executable, "manage.py", "bench_api", "--calls", "10",
                           "--pods", "20", "--lists", "2", "--concurrency", "2"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "load average" in out and "SQLite" in out and "2 clients at once" in out
    for call in ("create: POST pod", "get: GET pod as Table", "get: GET pod as JSON",
                 "patch: PATCH pod", "list: 20 pods as Table, 1 x ?limit=500",
                 "list: 20 pods as Table, 1 request"):
        line = next(line for line in out.splitlines() if line.startswith(call))
        assert " ms" in line and "application/json" in line and "not a Table" not in line

"""`kubectl describe` for the workload kinds: Deployments, ReplicaSets, StatefulSets, DaemonSets
and Jobs. Each shows its pod template, its pods' phases and links to what it controls."""
from cluster import printers, rollout
from cluster.models import Pod
from cluster.printers.fields import get
from workers.controllers import deploymentutil

from . import common
from .parts import NONE, UNSET, Field, Lines, Link, go_text, rfc1123z
from .pods import pod_template


def describe_deployment(d, now):
    spec, status = d.get("spec") or {}, d.get("status") or {}
    owned = rollout.replica_sets(d)
    new = deploymentutil.find_new_replica_set(d, owned)
    old = [rs for rs in deploymentutil.find_old_replica_sets(d, owned)
           if get(rs, "spec.replicas", 1) != 0]
    strategy = spec.get("strategy") or {}
    fields = [common.name(d), common.namespace(d), common.created(d),
              common.labels(d["metadata"].get("labels")),
              common.annotations(d["metadata"].get("annotations")),
              Field("Selector", printers.selector_string(spec.get("selector")) or ""),
              Field("Replicas", replicas_line(spec, status)),
              Field("StrategyType", strategy.get("type", "")),
              Field("MinReadySeconds", str(spec.get("minReadySeconds", 0)))]
    rolling = strategy.get("rollingUpdate")
    if rolling:
        fields.append(Field("RollingUpdateStrategy",
                            f"{rolling.get('maxUnavailable', '25%')} max unavailable, "
                            f"{rolling.get('maxSurge', '25%')} max surge"))
    fields += [pod_template(spec.get("template"))] + common.conditions(d)
    fields += [Field("OldReplicaSets", _replica_sets(old)),
               Field("NewReplicaSet", _replica_sets([new] if new else []))]
    return fields + common.dependents(d, now) + [common.events(d, now)]


def replicas_line(spec, status):
    """`3 desired | 3 updated | 3 total | 3 available | 0 unavailable`."""
    return (f"{spec.get('replicas', 1)} desired | {status.get('updatedReplicas', 0)} updated | "
            f"{status.get('replicas', 0)} total | {status.get('availableReplicas', 0)} available"
            f" | {status.get('unavailableReplicas', 0)} unavailable")


def _replica_sets(found):
    """printReplicaSetsByLabels: `web-5d8f (3/3 replicas created)`, each linked."""
    return Lines(Link(f"{rs['metadata']['name']} ({get(rs, 'status.replicas', 0)}/"
                      f"{get(rs, 'spec.replicas', 1)} replicas created)", common.object_url(rs))
                 for rs in found) or NONE


def describe_replica_set(rs, now):
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    fields = [common.name(rs), common.namespace(rs),
              Field("Selector", printers.format_label_selector(spec.get("selector"))),
              common.labels(rs["metadata"].get("labels")),
              common.annotations(rs["metadata"].get("annotations"))]
    fields += common.controlled_by(rs)
    fields += [Field("Replicas", f"{status.get('replicas', 0)} current / "
                                 f"{spec.get('replicas', 1)} desired"),
               pods_status(rs), pod_template(spec.get("template"))]
    fields += common.conditions(rs)
    return fields + common.dependents(rs, now) + [common.events(rs, now)]


def pods_status(owner, label="Pods Status"):
    """`2 Running / 1 Waiting / 0 Succeeded / 0 Failed`: the phases of the pods it controls."""
    meta = owner["metadata"]
    phases = list(Pod.objects.in_namespace(meta.get("namespace")).owned_by(meta["uid"])
                  .values_list("phase", flat=True))
    return Field(label, f"{phases.count('Running')} Running / {phases.count('Pending')} Waiting / "
                        f"{phases.count('Succeeded')} Succeeded / {phases.count('Failed')} Failed")


def describe_stateful_set(sts, now):
    spec, status = sts.get("spec") or {}, sts.get("status") or {}
    update = spec.get("updateStrategy") or {}
    fields = [common.name(sts), common.namespace(sts), common.created(sts),
              Field("Selector", printers.selector_string(spec.get("selector")) or ""),
              common.labels(sts["metadata"].get("labels")),
              common.annotations(sts["metadata"].get("annotations")),
              Field("Replicas", f"{spec.get('replicas', 1)} desired | "
                                f"{status.get('replicas', 0)} total"),
              Field("Update Strategy", update.get("type", ""))]
    partition = (update.get("rollingUpdate") or {}).get("partition")
    if partition is not None:
        fields.append(Field("Partition", str(partition)))
    fields += [pods_status(sts), pod_template(spec.get("template"))]
    return fields + common.dependents(sts, now) + [common.events(sts, now)]


def describe_daemon_set(ds, now):
    spec, status = ds.get("spec") or {}, ds.get("status") or {}
    node_selector = get(spec, "template.spec.nodeSelector")
    fields = [common.name(ds), common.namespace(ds),
              Field("Selector", printers.selector_string(spec.get("selector")) or ""),
              Field("Node-Selector", printers.format_labels(node_selector)),
              common.labels(ds["metadata"].get("labels")),
              common.annotations(ds["metadata"].get("annotations"))]
    for label, key in (("Desired Number of Nodes Scheduled", "desiredNumberScheduled"),
                       ("Current Number of Nodes Scheduled", "currentNumberScheduled"),
                       ("Number of Nodes Scheduled with Up-to-date Pods",
                        "updatedNumberScheduled"),
                       ("Number of Nodes Scheduled with Available Pods", "numberAvailable"),
                       ("Number of Nodes Misscheduled", "numberMisscheduled")):
        fields.append(Field(label, str(status.get(key, 0))))
    fields += [pods_status(ds), pod_template(spec.get("template"))]
    return fields + common.dependents(ds, now) + [common.events(ds, now)]


def describe_job(job, now):
    spec, status = job.get("spec") or {}, job.get("status") or {}
    fields = [common.name(job), common.namespace(job),
              Field("Selector", printers.selector_string(spec.get("selector")) or ""),
              common.labels(job["metadata"].get("labels")),
              common.annotations(job["metadata"].get("annotations"))]
    fields += common.controlled_by(job)
    if spec.get("parallelism") is not None:
        fields.append(Field("Parallelism", str(spec["parallelism"])))
    fields.append(Field("Completions", str(spec["completions"])
                        if spec.get("completions") is not None else UNSET))
    for label, key in (("Completion Mode", "completionMode"), ("Suspend", "suspend"),
                       ("Backoff Limit", "backoffLimit")):
        if spec.get(key) is not None:
            fields.append(Field(label, go_text(spec[key])))
    for label, key in (("Start Time", "startTime"), ("Completed At", "completionTime")):
        if status.get(key):
            fields.append(Field(label, rfc1123z(status[key])))
    ready = f" ({status['ready']} Ready)" if status.get("ready") is not None else ""
    fields += [Field("Pods Statuses", f"{status.get('active', 0)} Active{ready} / "
                                      f"{status.get('succeeded', 0)} Succeeded / "
                                      f"{status.get('failed', 0)} Failed"),
               pod_template(spec.get("template"))]
    return fields + common.dependents(job, now) + [common.events(job, now)]

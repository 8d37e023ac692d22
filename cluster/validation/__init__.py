"""Validation of API objects: the Kubernetes OpenAPI schemas, then the semantic rules.

As kube-apiserver does, a body that does not decode into the kind's types is a 400 BadRequest;
one that decodes but breaks the kind's rules is a 422 Invalid listing every bad field at once.
"""
from ..errors import Invalid
from . import core, meta, names, pods, schema, workloads


def _cluster_scoped(obj, name_errors=names.subdomain_name_errors):
    return meta.validate_object_meta(obj["metadata"], "metadata", name_errors, False)


# Per kind: the rules for the object, and the extra rules an update must keep (given new, old).
_RULES = {
    "Pod": (pods.validate_pod, pods.validate_pod_update),
    "Deployment": (workloads.validate_deployment, workloads.validate_selector_update),
    "ReplicaSet": (workloads.validate_replica_set, workloads.validate_selector_update),
    "DaemonSet": (workloads.validate_daemon_set, workloads.validate_selector_update),
    "StatefulSet": (workloads.validate_stateful_set, workloads.validate_stateful_set_update),
    "Job": (workloads.validate_job, workloads.validate_job_update),
    "Service": (core.validate_service, core.validate_service_update),
    "ConfigMap": (core.validate_config_map,
                  lambda new, old: core.validate_immutable_data(new, old, ("data", "binaryData"))),
    "Secret": (core.validate_secret, core.validate_secret_update),
    "PersistentVolumeClaim": (core.validate_pvc, core.validate_pvc_update),
    "Namespace": (lambda obj: _cluster_scoped(obj, names.label_name_errors), None),
}


def validate(kind, obj, old=None, subresource=None):
    """Raise BadRequest if `obj` does not decode as `kind`, or Invalid listing every bad field
    (checked as an update when `old` is given; `subresource` "status" checks only metadata)."""
    schema.check(kind, obj)
    causes = _semantic(kind, obj, old, subresource)
    if causes:
        raise Invalid(kind, obj["metadata"].get("name", ""), _unique(causes))


def _unique(causes):
    """Each error once, as ErrorList.ToAggregate reports them."""
    seen = set()
    return [c for c in causes
            if (c["field"], c["message"]) not in seen and not seen.add((c["field"], c["message"]))]


def _semantic(kind, obj, old, subresource):
    causes = [] if old is None else meta.validate_object_meta_update(obj["metadata"],
                                                                     old["metadata"])
    if subresource == "status":  # the spec is carried over unchanged from `old`
        return causes
    if kind.kind == "CronJob":
        return causes + workloads.validate_cron_job(obj, old)
    rules, update_rules = _RULES.get(kind.kind, (None, None))
    if rules is None:
        rules = (lambda o: core.validate_metadata(o, True)) if kind.namespaced else _cluster_scoped
    causes += rules(obj)
    # Updates through other subresources (binding, scale) set what the store allows.
    if old is not None and update_rules is not None and subresource is None:
        causes += update_rules(obj, old)
    return causes

"""Workload controllers (pkg/apis/apps/validation, pkg/apis/batch/validation)."""
import re
import zoneinfo

from . import cron, field, meta, names, pods

_SELECTOR_MISMATCH = "`selector` does not match template `labels`"
_STATEFULSET_UPDATABLE = ("updates to statefulset spec for fields other than 'replicas', "
                          "'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', "
                          "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
                          "forbidden")
_STATEFULSET_MUTABLE = ("replicas", "ordinals", "template", "updateStrategy",
                        "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy",
                        "minReadySeconds")
CRONJOB_NAME_MAX = 52  # the controller appends an 11-character suffix to a 63-character limit


def _metadata(obj):
    return meta.validate_object_meta(obj["metadata"], "metadata", names.subdomain_name_errors, True)


def _selector(spec, path, workload, unusable_detail="invalid label selector"):
    """Required, well formed, not empty; and whether it can be matched against the template."""
    selector = spec.get("selector")
    if selector is None:
        return [field.required(f"{path}.selector")], True
    causes = meta.validate_label_selector(selector, f"{path}.selector")
    usable = not causes  # LabelSelectorAsSelector fails exactly when the selector is malformed
    if _empty(selector):
        causes.append(field.invalid(f"{path}.selector", field.go_label_selector(selector),
                                    f"empty selector is invalid for {workload}"))
    if not usable:
        causes.append(field.invalid(f"{path}.selector", field.go_label_selector(selector),
                                    unusable_detail))
    return causes, usable


def _template_matches(spec, path):
    """An unset selector selects nothing, so never matches; an empty one is not checked."""
    selector, labels = spec.get("selector"), _template_labels(spec)
    if _empty(selector) or meta.selector_matches(selector, labels):
        return []
    return [field.invalid(f"{path}.template.metadata.labels", field.go_string_map(labels),
                          _SELECTOR_MISMATCH)]


def _empty(selector):
    return selector is not None and not selector.get("matchLabels") and not selector.get(
        "matchExpressions")


def _template_labels(spec):
    return ((spec.get("template") or {}).get("metadata") or {}).get("labels")


def _always_restarting(spec, path, workload):
    template_spec = (spec.get("template") or {}).get("spec") or {}
    causes, policy = [], template_spec.get("restartPolicy") or ""
    if policy != "Always":
        causes.append(field.not_supported(f"{path}.template.spec.restartPolicy", policy,
                                          ("Always",)))
    deadline = template_spec.get("activeDeadlineSeconds")
    if deadline is not None:
        causes.append(field.invalid(f"{path}.template.spec.activeDeadlineSeconds", deadline,
                                    f"activeDeadlineSeconds in {workload} is not Supported"))
    return causes


# --- Deployment and ReplicaSet ----------------------------------------------------------------

def validate_deployment(obj):
    spec, path = obj.get("spec") or {}, "spec"
    causes = _metadata(obj) + field.nonnegative(f"{path}.replicas", spec.get("replicas"))
    causes += _replica_set_like(spec, path, "deployment")
    causes += _validate_deployment_strategy(spec.get("strategy") or {}, f"{path}.strategy")
    causes += field.nonnegative(f"{path}.minReadySeconds", spec.get("minReadySeconds"))
    causes += field.nonnegative(f"{path}.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is not None:
        causes += field.nonnegative(f"{path}.progressDeadlineSeconds", deadline)
        if deadline <= (spec.get("minReadySeconds") or 0):
            causes.append(field.invalid(f"{path}.progressDeadlineSeconds", deadline,
                                        "must be greater than minReadySeconds"))
    return causes


def validate_replica_set(obj):
    spec, path = obj.get("spec") or {}, "spec"
    causes = _metadata(obj) + field.nonnegative(f"{path}.replicas", spec.get("replicas"))
    causes += field.nonnegative(f"{path}.minReadySeconds", spec.get("minReadySeconds"))
    # Upstream's ReplicaSet check shares the Deployment's wording, "for deployment" included.
    return causes + _replica_set_like(spec, path, "deployment")


def _replica_set_like(spec, path, workload):
    causes, usable = _selector(spec, path, workload)
    if not usable:
        return causes
    causes += _template_matches(spec, path)
    causes += pods.validate_pod_template(spec.get("template"), f"{path}.template")
    return causes + _always_restarting(spec, path, "ReplicaSet")


def _validate_deployment_strategy(strategy, path):
    kind, rolling = strategy.get("type") or "", strategy.get("rollingUpdate")
    if kind == "Recreate":
        if rolling is not None:
            return [field.forbidden(f"{path}.rollingUpdate", "may not be specified when strategy "
                                                             "`type` is 'Recreate'")]
        return []
    if kind != "RollingUpdate":
        return [field.not_supported(f"{path}.type", kind, ("Recreate", "RollingUpdate"))]
    if rolling is None:
        return [field.required(f"{path}.rollingUpdate", "this should be defaulted and never be nil")]
    path = f"{path}.rollingUpdate"
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    causes = _int_or_percent(unavailable, f"{path}.maxUnavailable")
    causes += _int_or_percent(surge, f"{path}.maxSurge")
    if _int_or_percent_value(unavailable) == 0 and _int_or_percent_value(surge) == 0:
        causes.append(field.invalid(f"{path}.maxUnavailable", field.go_int_or_string(unavailable),
                                    "may not be 0 when `maxSurge` is 0"))
    return causes + _not_over_100_percent(unavailable, f"{path}.maxUnavailable")


def _int_or_percent(value, path):
    """ValidatePositiveIntOrPercent."""
    if isinstance(value, str):
        return [field.invalid(path, field.go_int_or_string(value), m)
                for m in names.percent_errors(value)]
    return field.nonnegative(path, value or 0)


def _percent(value):
    if isinstance(value, str) and not names.percent_errors(value):
        return int(value[:-1])
    return None


def _int_or_percent_value(value):
    if _percent(value) is not None:
        return _percent(value)
    if isinstance(value, str):  # IntValue of a string: its number, or 0
        return int(value) if re.fullmatch(r"[-+]?[0-9]+", value) else 0
    return value or 0


def _not_over_100_percent(value, path):
    if (_percent(value) or 0) > 100:
        return [field.invalid(path, field.go_int_or_string(value), "must not be greater than 100%")]
    return []


# --- DaemonSet and StatefulSet ----------------------------------------------------------------

def validate_daemon_set(obj):
    spec, path = obj.get("spec") or {}, "spec"
    selector = spec.get("selector")
    selector_causes = meta.validate_label_selector(selector, f"{path}.selector")
    causes = _metadata(obj) + selector_causes
    if not selector_causes:
        causes += _template_matches(spec, path)
    if _empty(selector):
        causes.append(field.invalid(f"{path}.selector", field.go_label_selector(selector),
                                    "empty selector is invalid for daemonset"))
    causes += pods.validate_pod_template(spec.get("template"), f"{path}.template")
    causes += _always_restarting(spec, path, "DaemonSet")
    causes += field.nonnegative(f"{path}.minReadySeconds", spec.get("minReadySeconds"))
    causes += _validate_daemon_set_strategy(spec.get("updateStrategy") or {},
                                            f"{path}.updateStrategy")
    return causes + field.nonnegative(f"{path}.revisionHistoryLimit",
                                      spec.get("revisionHistoryLimit"))


def _validate_daemon_set_strategy(strategy, path):
    kind, rolling = strategy.get("type") or "", strategy.get("rollingUpdate")
    if kind == "OnDelete":
        return []
    if kind != "RollingUpdate":
        return [field.not_supported(f"{path}.type", kind, ("RollingUpdate", "OnDelete"))]
    if rolling is None:
        return [field.required(f"{path}.rollingUpdate")]
    path = f"{path}.rollingUpdate"
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    causes = _int_or_percent(unavailable, f"{path}.maxUnavailable")
    causes += _int_or_percent(surge, f"{path}.maxSurge")
    causes += _not_over_100_percent(unavailable, f"{path}.maxUnavailable")
    causes += _not_over_100_percent(surge, f"{path}.maxSurge")
    has_unavailable, has_surge = (_int_or_percent_value(unavailable) != 0,
                                  _int_or_percent_value(surge) != 0)
    if has_unavailable and has_surge:
        causes.append(field.invalid(f"{path}.maxSurge", field.go_int_or_string(surge),
                                    "may not be set when maxUnavailable is non-zero"))
    elif not has_unavailable and not has_surge:
        causes.append(field.required(f"{path}.maxUnavailable", "cannot be 0 when maxSurge is 0"))
    return causes


def validate_stateful_set(obj):
    spec, path = obj.get("spec") or {}, "spec"
    causes = _metadata(obj)
    policy = spec.get("podManagementPolicy") or ""
    if not policy:
        causes.append(field.required(f"{path}.podManagementPolicy"))
    elif policy not in ("OrderedReady", "Parallel"):
        causes.append(field.invalid(f"{path}.podManagementPolicy", policy,
                                    "must be 'OrderedReady' or 'Parallel'"))
    causes += _validate_stateful_set_strategy(spec.get("updateStrategy") or {},
                                              f"{path}.updateStrategy")
    causes += field.nonnegative(f"{path}.replicas", spec.get("replicas"))
    causes += field.nonnegative(f"{path}.minReadySeconds", spec.get("minReadySeconds"))
    selector_causes, usable = _selector(spec, path, "statefulset", unusable_detail="")
    causes += selector_causes
    if usable:
        causes += _template_matches(spec, path)
        causes += _stateful_set_template(spec, f"{path}.template")
    template_spec = (spec.get("template") or {}).get("spec") or {}
    if (template_spec.get("restartPolicy") or "") != "Always":
        causes.append(field.not_supported(f"{path}.template.spec.restartPolicy",
                                          template_spec.get("restartPolicy") or "", ("Always",)))
    if template_spec.get("activeDeadlineSeconds") is not None:
        causes.append(field.forbidden(f"{path}.template.spec.activeDeadlineSeconds",
                                      "activeDeadlineSeconds in StatefulSet is not Supported"))
    return causes


def _stateful_set_template(spec, path):
    """The template, whose containers may also mount the volumeClaimTemplates' claims."""
    claims = {(c.get("metadata") or {}).get("name") for c in spec.get("volumeClaimTemplates") or ()}
    return pods.validate_pod_template(spec.get("template"), path, claims)


def _validate_stateful_set_strategy(strategy, path):
    kind, rolling = strategy.get("type") or "", strategy.get("rollingUpdate")
    if not kind:
        return [field.required(path)]
    if kind == "OnDelete":
        if rolling is not None:
            return [field.invalid(f"{path}.rollingUpdate", field.GoValue(
                f"apps.RollingUpdateStatefulSetStrategy{{Partition:{rolling.get('partition') or 0}"
                ", MaxUnavailable:(*intstr.IntOrString)(nil)}"),
                "only allowed for updateStrategy 'RollingUpdate'")]
        return []
    if kind != "RollingUpdate":
        return [field.invalid(path, field.GoValue(
            f"apps.StatefulSetUpdateStrategy{{Type:{field.go_quote(kind)}, "
            "RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}"),
            "must be 'RollingUpdate' or 'OnDelete'")]
    return field.nonnegative(f"{path}.rollingUpdate.partition", (rolling or {}).get("partition"))


# --- Job and CronJob --------------------------------------------------------------------------

def validate_job(obj):
    spec = obj.get("spec") or {}
    causes = _metadata(obj) + _validate_job_spec(spec, "spec")
    # Without manualSelector the Job strategy generates the selector (from the uid, which the
    # store assigns later): only a manual selector is checked here.
    if spec.get("manualSelector"):
        selector = spec.get("selector")
        selector_causes = meta.validate_label_selector(selector, "spec.selector")
        causes += [field.required("spec.selector")] if selector is None else selector_causes
        if not selector_causes:
            causes += _template_matches(spec, "spec")
    return causes


def _validate_job_spec(spec, path):
    causes = []
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                "ttlSecondsAfterFinished"):
        causes += field.nonnegative(f"{path}.{key}", spec.get(key))
    mode = spec.get("completionMode")
    if mode is not None and mode not in ("NonIndexed", "Indexed"):
        causes.append(field.not_supported(f"{path}.completionMode", mode, ("NonIndexed", "Indexed")))
    if mode == "Indexed" and spec.get("completions") is None:
        causes.append(field.required(f"{path}.completions", "when completion mode is Indexed"))
    causes += pods.validate_pod_template(spec.get("template"), f"{path}.template")
    template_spec = (spec.get("template") or {}).get("spec") or {}
    if template_spec.get("restartPolicy") not in ("OnFailure", "Never"):
        causes.append(field.required(f"{path}.template.spec.restartPolicy",
                                     'valid values: "OnFailure", "Never"'))
    return causes


def validate_cron_job(obj, old=None):
    spec, path = obj.get("spec") or {}, "spec"
    causes = _metadata(obj) + _validate_cron_job_spec(spec, (old or {}).get("spec"), path)
    name = obj["metadata"].get("name") or ""
    if old is None and len(name) > CRONJOB_NAME_MAX:
        causes.append(field.invalid("metadata.name", name,
                                    f"must be no more than {CRONJOB_NAME_MAX} characters"))
    return causes


def _validate_cron_job_spec(spec, old_spec, path):
    schedule, causes = spec.get("schedule") or "", []
    if not schedule:
        causes.append(field.required(f"{path}.schedule"))
    else:
        causes += _validate_schedule(schedule, "TZ" in (old_spec or {}).get("schedule", ""),
                                     f"{path}.schedule")
    causes += field.nonnegative(f"{path}.startingDeadlineSeconds",
                                spec.get("startingDeadlineSeconds"))
    if old_spec is None or old_spec.get("timeZone") != spec.get("timeZone"):
        causes += _validate_time_zone(spec.get("timeZone"), f"{path}.timeZone")
    policy = spec.get("concurrencyPolicy") or ""
    if not policy:
        causes.append(field.required(f"{path}.concurrencyPolicy"))
    elif policy not in ("Allow", "Forbid", "Replace"):
        causes.append(field.not_supported(f"{path}.concurrencyPolicy", policy,
                                          ("Allow", "Forbid", "Replace")))
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    causes += _validate_job_spec(job_spec, f"{path}.jobTemplate.spec")
    if job_spec.get("selector") is not None:
        causes.append(field.invalid(f"{path}.jobTemplate.spec.selector",
                                    field.go_label_selector(job_spec["selector"]),
                                    "`selector` will be auto-generated"))
    if job_spec.get("manualSelector"):
        causes.append(field.not_supported(f"{path}.jobTemplate.spec.manualSelector", True,
                                          ("nil", "false")))
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        causes += field.nonnegative(f"{path}.{key}", spec.get(key))
    return causes


def _validate_schedule(schedule, tz_allowed, path):
    error = cron.schedule_error(schedule)
    causes = [field.invalid(path, schedule, error)] if error else []
    if "TZ" in schedule and not tz_allowed:
        causes.append(field.invalid(path, schedule, "cannot use TZ or CRON_TZ in schedule, use "
                                                    "timeZone field instead"))
    return causes


def _validate_time_zone(zone, path):
    if zone is None:
        return []
    if not zone:
        return [field.invalid(path, zone, "timeZone must be nil or non-empty string")]
    if zone.lower() == "local":
        return [field.invalid(path, zone, "timeZone must be an explicit time zone as defined in "
                                          "https://www.iana.org/time-zones")]
    try:
        zoneinfo.ZoneInfo(zone)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return [field.invalid(path, zone, f"unknown time zone {zone}")]
    return []


# --- updates ----------------------------------------------------------------------------------

def validate_selector_update(new, old):
    """apps/v1 selectors may not change (Deployment, ReplicaSet, DaemonSet)."""
    selector = (new.get("spec") or {}).get("selector")
    if selector != (old.get("spec") or {}).get("selector"):
        return [field.immutable("spec.selector", field.go_label_selector(selector))]
    return []


def validate_stateful_set_update(new, old):
    spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    fixed = {k: v for k, v in spec.items() if k not in _STATEFULSET_MUTABLE}
    if fixed != {k: v for k, v in old_spec.items() if k not in _STATEFULSET_MUTABLE}:
        return [field.forbidden("spec", _STATEFULSET_UPDATABLE)]
    return []


def validate_job_update(new, old):
    spec, old_spec, causes = new.get("spec") or {}, old.get("spec") or {}, []
    for key in ("completions", "selector"):
        if spec.get(key) != old_spec.get(key):
            value = spec.get(key)
            causes.append(field.immutable(f"spec.{key}", field.go_label_selector(value)
                                          if key == "selector" else value))
    if spec.get("template") != old_spec.get("template"):
        causes.append(field.immutable("spec.template", field.GoValue("core.PodTemplateSpec{...}")))
    if spec.get("completionMode") != old_spec.get("completionMode"):
        causes.append(field.immutable("spec.completionMode", spec.get("completionMode")))
    return causes

"""Pods, pod templates and their specs (ValidatePodSpec, ValidatePodUpdate...)."""
from . import containers, field, meta, names

RESTART_POLICIES = ("Always", "Never", "OnFailure")
DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
TOLERATION_OPERATORS = ("Equal", "Exists")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
MAX_INT32 = 2 ** 31 - 1
UPDATABLE_POD_SPEC_FIELDS = (
    "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
    "`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)")
# Volume sources in the order validateVolumeSource checks them: the second one found is reported.
_VOLUME_SOURCES = ("emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore",
                   "secret", "nfs", "iscsi", "glusterfs", "flexVolume", "persistentVolumeClaim",
                   "rbd", "cinder", "cephfs", "downwardAPI", "fc", "azureFile", "vsphereVolume",
                   "photonPersistentDisk", "portworxVolume", "azureDisk", "storageos",
                   "configMap", "scaleIO", "projected", "csi", "ephemeral", "image")
# The field a volume source cannot do without.
_VOLUME_SOURCE_REQUIRED = {"hostPath": "path", "secret": "secretName", "configMap": "name",
                           "persistentVolumeClaim": "claimName", "nfs": "server"}


def validate_pod(pod):
    causes = meta.validate_object_meta(pod["metadata"], "metadata", names.subdomain_name_errors, True)
    return causes + validate_pod_spec(pod.get("spec") or {}, "spec")


def validate_pod_template(template, path, claims=()):
    """A template's metadata and spec; `claims` names volumes a StatefulSet's claims provide."""
    template = template or {}
    template_meta = template.get("metadata") or {}
    # Upstream checks a template's labels and annotations at `<path>.labels`, not under metadata.
    causes = meta.validate_labels(template_meta.get("labels"), f"{path}.labels")
    causes += meta.validate_annotations(template_meta.get("annotations"), f"{path}.annotations")
    return causes + validate_pod_spec(template.get("spec") or {}, f"{path}.spec", claims)


def validate_pod_spec(spec, path, claims=()):
    volumes, causes = _validate_volumes(spec.get("volumes") or (), f"{path}.volumes")
    volumes |= set(claims)
    causes += containers.validate_containers(spec.get("containers"), volumes, f"{path}.containers")
    causes += containers.validate_init_containers(spec.get("initContainers"), spec.get("containers"),
                                                  volumes, f"{path}.initContainers")
    causes += field.supported_value(f"{path}.restartPolicy", spec.get("restartPolicy"),
                                    RESTART_POLICIES)
    causes += field.supported_value(f"{path}.dnsPolicy", spec.get("dnsPolicy"), DNS_POLICIES)
    causes += meta.validate_labels(spec.get("nodeSelector"), f"{path}.nodeSelector")
    account = spec.get("serviceAccountName")
    if account:
        causes += [field.invalid(f"{path}.serviceAccountName", account, m)
                   for m in names.subdomain_name_errors(account)]
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and not 1 <= deadline <= MAX_INT32:
        causes.append(field.invalid(f"{path}.activeDeadlineSeconds", deadline,
                                    f"must be between 1 and {MAX_INT32}, inclusive"))
    for key in ("hostname", "subdomain"):
        if spec.get(key):
            causes += [field.invalid(f"{path}.{key}", spec[key], m)
                       for m in names.dns1123_label_errors(spec[key])]
    return causes + _validate_tolerations(spec.get("tolerations") or (), f"{path}.tolerations")


def _validate_volumes(volumes, path):
    """The causes, and the names of the volumes containers may mount."""
    causes, valid = [], set()
    for i, volume in enumerate(volumes):
        at, name = f"{path}[{i}]", volume.get("name") or ""
        errors = _validate_volume_source(volume, at)
        if not name:
            errors.append(field.required(f"{at}.name"))
        else:
            errors += [field.invalid(f"{at}.name", name, m) for m in names.dns1123_label_errors(name)]
        if name in valid:
            errors.append(field.duplicate(f"{at}.name", name))
        if errors:
            causes += errors
        else:
            valid.add(name)
    return valid, causes


def _validate_volume_source(volume, path):
    sources = [s for s in _VOLUME_SOURCES if volume.get(s) is not None]
    if not sources:
        return [field.required(path, "must specify a volume type")]
    causes = [field.forbidden(f"{path}.{s}", "may not specify more than 1 volume type")
              for s in sources[1:]]
    source = sources[0]
    needed = _VOLUME_SOURCE_REQUIRED.get(source)
    if needed and not volume[source].get(needed):
        causes.append(field.required(f"{path}.{source}.{needed}"))
    return causes


def _validate_tolerations(tolerations, path):
    causes = []
    for i, toleration in enumerate(tolerations):
        at = f"{path}[{i}]"
        key, operator = toleration.get("key") or "", toleration.get("operator") or ""
        effect = toleration.get("effect") or ""
        if key:
            causes += [field.invalid(f"{at}.key", key, m) for m in names.label_key_errors(key)]
        elif operator != "Exists":
            causes.append(field.invalid(f"{at}.operator", operator, "operator must be Exists when "
                                        "`key` is empty, which means \"match all values and all "
                                        "keys\""))
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            causes.append(field.invalid(f"{at}.effect", effect, "effect must be 'NoExecute' when "
                                                                "`tolerationSeconds` is set"))
        if operator in ("", "Equal"):
            errors = names.label_value_errors(toleration.get("value") or "")
            if errors:
                causes.append(field.invalid(f"{at}.operator", toleration.get("value") or "",
                                            ";".join(errors)))
        elif operator != "Exists":
            causes.append(field.not_supported(f"{at}.operator", operator, TOLERATION_OPERATORS))
        if effect and effect not in TAINT_EFFECTS:
            causes.append(field.not_supported(f"{at}.effect", effect, TAINT_EFFECTS))
    return causes


# --- updates ----------------------------------------------------------------------------------

def validate_pod_update(new, old):
    """What a pod's spec may change once created: images, a shorter deadline, more tolerations."""
    spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    for key in ("containers", "initContainers"):
        if len(spec.get(key) or ()) != len(old_spec.get(key) or ()):
            return [field.forbidden(f"spec.{key}", "pod updates may not add or remove containers")]
    causes = _validate_deadline_update(spec.get("activeDeadlineSeconds"),
                                       old_spec.get("activeDeadlineSeconds"))
    causes += _validate_added_tolerations(spec.get("tolerations") or [],
                                          old_spec.get("tolerations") or [])
    if _significant(_munged(spec, old_spec)) != _significant(old_spec):
        causes.append(field.forbidden("spec", "pod updates may not change fields other than "
                                              + UPDATABLE_POD_SPEC_FIELDS))
    return causes


def _validate_deadline_update(new, old):
    if new is None:
        if old is None:
            return []
        return [field.invalid("spec.activeDeadlineSeconds", None,
                              "must not update from a positive integer to nil value")]
    if old is not None and old < new:
        return [field.invalid("spec.activeDeadlineSeconds", new,
                              "must be less than or equal to previous value")]
    return []


def _validate_added_tolerations(new, old):
    for toleration in old:
        if not any({**toleration, "tolerationSeconds": t.get("tolerationSeconds")} ==
                   {**t, "tolerationSeconds": t.get("tolerationSeconds")} for t in new):
            return [field.forbidden("spec.tolerations", "existing toleration can not be modified "
                                                        "except its tolerationSeconds")]
    return []


def _munged(spec, old_spec):
    """The new spec with the updatable fields put back as they were."""
    munged = {**spec, "tolerations": old_spec.get("tolerations"),
              "activeDeadlineSeconds": old_spec.get("activeDeadlineSeconds")}
    for key in ("containers", "initContainers"):
        if key in spec:
            munged[key] = [{**c, "image": o.get("image")}
                           for c, o in zip(spec[key], old_spec.get(key) or [])]
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if old_grace is not None and old_grace < 0 and spec.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    return munged


def _significant(spec):
    """The spec as Semantic.DeepEqual compares it: unset and empty lists are the same."""
    return {k: v for k, v in spec.items() if v is not None and v != []}

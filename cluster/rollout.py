"""`kubectl rollout history`, `undo` and `restart` for Deployments.

All three are client-side in kubectl: history reads the Deployment's ReplicaSets, undo copies an
old ReplicaSet's pod template (minus its pod-template-hash label) back into the Deployment, and
restart stamps the template with a restartedAt annotation. The Deployment controller does the rest.
Errors are kubectl's own words (k8s.io/kubectl/pkg/polymorphichelpers/rollback.go, objectrestarter.go).
"""
import copy

from workers.controllers import deploymentutil as util

from . import kinds, store, timestamps
from .models import ReplicaSet

DEPLOYMENT = kinds.BY_KIND[("apps", "Deployment")]
CHANGE_CAUSE = "kubernetes.io/change-cause"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
ROLLED_BACK = "rolled back"
ROLLBACK_SKIPPED = "skipped rollback"
# Annotations undo keeps from the Deployment rather than copying from the ReplicaSet.
ANNOTATIONS_TO_SKIP = ("kubectl.kubernetes.io/last-applied-configuration", util.REVISION,
                       util.REVISION_HISTORY, util.DESIRED_REPLICAS, util.MAX_REPLICAS,
                       "deprecated.deployment.rollback.to")


class RolloutError(Exception):
    """What kubectl refuses on its own side (it prints these as `error: ...`)."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def replica_sets(deployment):
    """The ReplicaSets the Deployment controls (kubectl's GetAllReplicaSets)."""
    meta = deployment["metadata"]
    return ReplicaSet.objects.in_namespace(meta["namespace"]).owned_by(meta["uid"]).objects()


def history(namespace, name):
    """`kubectl rollout history`: one entry per revision, oldest first."""
    deployment = store.get(DEPLOYMENT, namespace, name)
    owned = replica_sets(deployment)
    current = util.find_new_replica_set(deployment, owned)
    entries = []
    for rs in owned:
        number = util.revision(rs)
        if number is None:
            continue  # not a number: kubectl skips it too
        template = rs["spec"]["template"]
        entries.append({
            "revision": number,
            "replicaset": rs["metadata"]["name"],
            "change_cause": (rs["metadata"].get("annotations") or {}).get(CHANGE_CAUSE, ""),
            "images": [c.get("image", "") for c in template.get("spec", {}).get("containers", ())],
            "template": template,
            "current": current is not None and rs["metadata"]["uid"] == current["metadata"]["uid"],
        })
    return sorted(entries, key=lambda e: e["revision"])


def undo(namespace, name, to_revision=0):
    """`kubectl rollout undo [--to-revision=N]`: returns "rolled back" or kubectl's "skipped
    rollback (...)"; RolloutError for what kubectl refuses, the store's errors as they come."""
    if to_revision < 0:
        raise RolloutError(_not_found(to_revision))
    outcome = {"result": ROLLED_BACK}

    def roll_back(deployment):
        rs = _revision_to_restore(deployment, to_revision)
        if deployment["spec"].get("paused"):
            raise RolloutError("you cannot rollback a paused deployment; resume it first with "
                               f"'kubectl rollout resume deployment/{name}' and try again")
        if util.equal_ignore_hash(rs["spec"]["template"], deployment["spec"]["template"]):
            outcome["result"] = (f"{ROLLBACK_SKIPPED} (current template already matches "
                                 f"revision {util.revision(rs)})")
            return False
        deployment["spec"]["template"] = template_without_hash(rs["spec"]["template"])
        deployment["metadata"]["annotations"] = _restored_annotations(deployment, rs)
        outcome["result"] = ROLLED_BACK
        return True

    store.guaranteed_update(DEPLOYMENT, namespace, name, roll_back)
    return outcome["result"]


def _revision_to_restore(deployment, to_revision):
    """deploymentRevision: the ReplicaSet of that revision, or for 0 the second newest."""
    numbered = [(util.revision(rs), rs) for rs in replica_sets(deployment)]
    numbered = sorted(((n, rs) for n, rs in numbered if n is not None), key=lambda p: p[0])
    if to_revision:
        found = next((rs for n, rs in numbered if n == to_revision), None)
        if found is None:
            raise RolloutError(_not_found(to_revision))
        return found
    if len(numbered) < 2:
        raise RolloutError(f'no rollout history found for deployment "{deployment["metadata"]["name"]}"')
    return numbered[-2][1]


def _restored_annotations(deployment, rs):
    """The Deployment's own bookkeeping annotations, and every other one from the ReplicaSet."""
    own = deployment["metadata"].get("annotations") or {}
    kept = {k: own[k] for k in ANNOTATIONS_TO_SKIP if k in own}
    copied = {k: v for k, v in (rs["metadata"].get("annotations") or {}).items()
              if k not in ANNOTATIONS_TO_SKIP}
    return {**kept, **copied}


def _not_found(revision):
    return f"unable to find specified revision {revision} in history"


def restart(namespace, name):
    """`kubectl rollout restart`: a new template annotation, so a new ReplicaSet rolls out.
    The time is the cluster's simulated clock's, in RFC 3339 as kubectl writes it."""
    at = timestamps.timestamp(timestamps.now())

    def stamp(deployment):
        if deployment["spec"].get("paused"):
            raise RolloutError("can't restart paused deployment (run rollout resume first)")
        template = deployment["spec"]["template"]
        template.setdefault("metadata", {}).setdefault("annotations", {})[RESTARTED_AT] = at

    return store.guaranteed_update(DEPLOYMENT, namespace, name, stamp)


def template_without_hash(template):
    """A ReplicaSet's pod template as its Deployment had it: without the pod-template-hash label."""
    template = copy.deepcopy(template)
    labels = (template.get("metadata") or {}).get("labels") or {}
    labels.pop(util.POD_TEMPLATE_HASH, None)
    return template

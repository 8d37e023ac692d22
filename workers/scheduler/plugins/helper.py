"""What several plugins share, as upstream's plugins/helper and component-helpers' scheduling
helpers: tolerating taints, matching node selectors, normalizing scores."""


def tolerates(toleration, taint):
    """Toleration.ToleratesTaint: an empty key or effect matches any; Exists ignores the value."""
    effect, key = toleration.get("effect"), toleration.get("key")
    if (effect and effect != taint.get("effect")) or (key and key != taint.get("key")):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def untolerated_taint(taints, tolerations):
    """FindMatchingUntoleratedTaint: the first taint no toleration tolerates, or None."""
    return next((t for t in taints if not any(tolerates(tol, t) for tol in tolerations)), None)


def tolerations_of(pod):
    return pod.pod["spec"].get("tolerations") or ()


# --- node selectors ---------------------------------------------------------------------------

def _requirement_matches(requirement, value):
    """A NodeSelectorRequirement against the node's value for its key (None: no such label)."""
    operator, values = requirement.get("operator"), requirement.get("values") or ()
    if operator == "In":
        return value is not None and value in values
    if operator == "NotIn":
        return value is None or value not in values
    if operator == "Exists":
        return value is not None
    if operator == "DoesNotExist":
        return value is None
    if operator in ("Gt", "Lt") and value is not None and len(values) == 1:
        try:
            mine, theirs = int(value), int(values[0])
        except ValueError:
            return False
        return mine > theirs if operator == "Gt" else mine < theirs
    return False


def term_matches(term, node):
    """A NodeSelectorTerm: all its label expressions and field (metadata.name) expressions.
    A term with neither matches no node."""
    expressions, fields = term.get("matchExpressions") or (), term.get("matchFields") or ()
    if not expressions and not fields:
        return False
    return (all(_requirement_matches(r, node.labels.get(r.get("key"))) for r in expressions)
            and all(r.get("key") == "metadata.name" and _requirement_matches(r, node.name)
                    for r in fields))


class RequiredNodeAffinity:
    """nodeaffinity.GetRequiredNodeAffinity: the pod's nodeSelector and its required node affinity
    (any one of its terms) together."""

    __slots__ = ("node_selector", "terms")

    def __init__(self, pod):
        spec = pod.pod["spec"]
        self.node_selector = spec.get("nodeSelector") or {}
        required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution")
        self.terms = None if required is None else required.get("nodeSelectorTerms") or ()

    def empty(self):
        return not self.node_selector and self.terms is None

    def match(self, node):
        labels = node.labels
        if any(labels.get(key) != value for key, value in self.node_selector.items()):
            return False
        return self.terms is None or any(term_matches(term, node) for term in self.terms)


# --- scores -----------------------------------------------------------------------------------

def default_normalize_score(max_priority, reverse, scores):
    """helper.DefaultNormalizeScore: scale to 0..max_priority by the highest score (reversed:
    the lowest raw score is best)."""
    highest = max(scores, default=0)
    if highest == 0:
        if reverse:
            scores[:] = [max_priority] * len(scores)
        return
    for i, score in enumerate(scores):
        score = max_priority * score // highest
        scores[i] = max_priority - score if reverse else score

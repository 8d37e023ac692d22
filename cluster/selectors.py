"""Label and field selectors, as the API's labelSelector and fieldSelector parameters take them.

Each parsed selector both matches objects in Python and narrows a queryset in SQL. Requirements that
also match objects *without* the key (`!=`, `notin`, `!key`) are checked in Python only, so that
SQL's NULL never drops an object the selector should keep.
"""
import base64
import json
import re
from dataclasses import dataclass

from django.db.models import F, Q
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.lookups import Exact, In

from .errors import BadRequest

_TOKEN = re.compile(r"\s*(!=|==|=|!|,|\(|\)|[^\s!=,()]+)")
_LABELS = KeyTransform("labels", "metadata")


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # In, NotIn, Exists, DoesNotExist (= is In with one value, != NotIn)
    values: tuple = ()

    def matches(self, labels):
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            return not present or labels[self.key] not in self.values
        if self.operator == "Exists":
            return present
        return not present

    def to_q(self):
        if self.operator == "In":
            return Q(In(KeyTextTransform(self.key, _LABELS), list(self.values)))
        if self.operator == "Exists":
            return Q(metadata__labels__has_key=self.key)
        return Q()  # negative requirements: Python only (see the module's docstring)


@dataclass(frozen=True)
class LabelSelector:
    requirements: tuple = ()

    def matches(self, obj):
        labels = obj.get("metadata", {}).get("labels") or {}
        return all(r.matches(labels) for r in self.requirements)

    def to_q(self):
        q = Q()
        for r in self.requirements:
            q &= r.to_q()
        return q

    @property
    def empty(self):
        return not self.requirements


def _tokens(text):
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise BadRequest(f"unable to parse requirement: {text!r}")
        out.append(m.group(1))
        pos = m.end()
    return out


def parse_labels(text):
    """Parse `app=web,tier in (a,b),!legacy` (the string form kubectl -l sends)."""
    tokens, reqs, i = _tokens(text or ""), [], 0

    def take():
        nonlocal i
        if i >= len(tokens):
            raise BadRequest(f"unable to parse requirement: found '', expected: identifier in {text!r}")
        i += 1
        return tokens[i - 1]

    while i < len(tokens):
        if tokens[i] == "!":
            i += 1
            reqs.append(Requirement(take(), "DoesNotExist"))
        else:
            key = take()
            op = tokens[i] if i < len(tokens) else ","
            if op in ("=", "==", "!="):
                i += 1
                value = tokens[i] if i < len(tokens) and tokens[i] != "," else ""
                i += value != ""
                reqs.append(Requirement(key, "NotIn" if op == "!=" else "In", (value,)))
            elif op in ("in", "notin"):
                i += 1
                if take() != "(":
                    raise BadRequest(f"unable to parse requirement: found '{tokens[i - 1]}', "
                                     f"expected: '('")
                values = []
                while (tok := take()) != ")":
                    if tok != ",":
                        values.append(tok)
                reqs.append(Requirement(key, "In" if op == "in" else "NotIn", tuple(values)))
            elif op == ",":
                reqs.append(Requirement(key, "Exists"))
            else:
                raise BadRequest(f"unable to parse requirement: found '{op}', expected: "
                                 f"'=', '!=', '==', 'in', notin'")
        if i < len(tokens):
            if tokens[i] != ",":
                raise BadRequest(f"unable to parse requirement: found '{tokens[i]}', expected: ','")
            i += 1
    for r in reqs:
        _check_label_key(r.key)
    return LabelSelector(tuple(reqs))


def _check_label_key(key):
    from .validation.names import label_key_errors  # the same rule validation applies

    errors = label_key_errors(key)
    if errors:
        raise BadRequest(f'unable to parse requirement: invalid label key "{key}": {errors[0]}')


def from_label_selector(selector):
    """A metav1.LabelSelector (matchLabels, matchExpressions) as a LabelSelector.

    None matches nothing (as a nil selector does in controllers); {} matches everything.
    """
    if selector is None:
        return LabelSelector((Requirement("", "In", ()),))
    reqs = [Requirement(k, "In", (v,)) for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or ():
        reqs.append(Requirement(expr["key"], expr["operator"], tuple(expr.get("values") or ())))
    return LabelSelector(tuple(reqs))


def format_label_selector(selector):
    """`app=web,tier in (a,b)`: a LabelSelector dict as kubectl shows it."""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or ():
        op = expr["operator"]
        if op in ("In", "NotIn"):
            parts.append(f"{expr['key']} {op.lower()} ({','.join(expr.get('values') or ())})")
        else:
            parts.append(("" if op == "Exists" else "!") + expr["key"])
    return ",".join(parts)


# --- field selectors --------------------------------------------------------------------------

# Fields every kind supports, and those a kind adds, with the column that holds them if any: a
# column name, or a JSON path ("body__involvedObject__name") that narrows equality in SQL.
_COMMON_FIELDS = {"metadata.name": "name", "metadata.namespace": "namespace"}
_KIND_FIELDS = {
    "Pod": {"spec.nodeName": "node_name", "status.phase": "phase", "spec.schedulerName": None,
            "spec.restartPolicy": None, "spec.serviceAccountName": None, "status.podIP": None,
            "status.nominatedNodeName": None, "spec.hostNetwork": None},
    # `kubectl describe` finds an object's events by involvedObject: the database filters
    # them, rather than every event of the namespace being decoded in Python.
    "Event": {f"involvedObject.{f}": f"body__involvedObject__{f}" for f in
              ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")}
    | {"reason": "body__reason", "reportingComponent": "body__reportingComponent",
       "source": "body__source__component", "type": "body__type"},
    "Node": {"spec.unschedulable": None},
    "Namespace": {"status.phase": None},
    "Secret": {"type": None},
    "ReplicaSet": {"status.replicas": None},
    "Job": {"status.successful": None},
}


def _field_value(obj, path):
    value = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if path == "source" and isinstance(value, dict):
        value = value.get("component")
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


@dataclass(frozen=True)
class FieldRequirement:
    path: str
    column: str | None
    equal: bool
    value: str

    def matches(self, obj):
        return (_field_value(obj, self.path) == self.value) == self.equal


@dataclass(frozen=True)
class FieldSelector:
    requirements: tuple

    def matches(self, obj):
        return all(r.matches(obj) for r in self.requirements)

    def to_q(self):
        """What SQL can decide; `matches` decides the rest (the caller applies both)."""
        q = Q()
        for r in self.requirements:
            if r.column and "__" in r.column:
                # A JSON value: only `path=value` with a value narrows (an empty value also
                # matches a missing field, which JSON equality would not).
                if r.equal and r.value:
                    q &= Q(**{r.column: r.value})
            elif r.column:
                cond = Exact(F(r.column), r.value)
                q &= Q(cond) if r.equal else ~Q(cond)
        return q


def parse_fields(kind, text):
    supported = _COMMON_FIELDS | _KIND_FIELDS.get(kind.kind, {})
    reqs = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        m = re.fullmatch(r"([^=!]+?)\s*(==|=|!=)\s*(.*)", part)
        if not m:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{part}'")
        path, op, value = m.groups()
        if path not in supported:
            raise BadRequest(f'field label not supported: {path}')
        reqs.append(FieldRequirement(path, supported[path], op != "!=", value))
    return FieldSelector(tuple(reqs))


# --- paging -----------------------------------------------------------------------------------

def encode_continue(revision, namespace, name):
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": [namespace, name]})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_continue(token):
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        namespace, name = data["start"]
        return int(data["rv"]), (namespace, name)
    except (ValueError, KeyError, TypeError):
        raise BadRequest("continue key is not valid: incorrect encoded start resourceVersion "
                         "(version meta.k8s.io/v1)") from None


def after_key(namespace, name):
    return Q(namespace__gt=namespace) | Q(namespace=namespace, name__gt=name)

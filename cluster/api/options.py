"""Query parameters and DeleteOptions, read and validated as kube-apiserver's ParameterCodec and
apimachinery's options validation do (with their messages)."""
import json
from dataclasses import dataclass

from .. import kinds
from ..errors import BadRequest, Invalid, StatusError
from ..patch import APPLY_PATCH, json_type
from . import bodies


def _meta_kind(name):
    return kinds.Kind("meta.k8s.io", "v1", name, name.lower(), name.lower(), False)


CREATE_OPTIONS = _meta_kind("CreateOptions")
UPDATE_OPTIONS = _meta_kind("UpdateOptions")
PATCH_OPTIONS = _meta_kind("PatchOptions")
DELETE_OPTIONS = _meta_kind("DeleteOptions")
PROPAGATION_POLICIES = ("Foreground", "Background", "Orphan")


def boolean(values):
    """A bool parameter as apimachinery converts it: absent is false, and so are "0" and "false";
    anything else, even an empty value (`?watch`), is true."""
    return bool(values) and values[0] != "0" and values[0].lower() != "false"


def integer(value):
    """An integer parameter; None when absent or empty."""
    if not value:
        return None
    try:
        return int(value, 10)
    except ValueError:
        raise BadRequest(f'strconv.ParseInt: parsing "{value}": invalid syntax') from None


def not_supported(field, shown, supported):
    """A FieldValueNotSupported cause; `shown` is the bad value as Go's %#v prints it."""
    allowed = ", ".join(json.dumps(s) for s in supported)
    return {"reason": "FieldValueNotSupported", "field": field,
            "message": f"Unsupported value: {shown}: supported values: {allowed}"}


def _dry_run_causes(values):
    if all(v == "All" for v in values):
        return []
    shown = "[]string{" + ", ".join(json.dumps(v) for v in values) + "}"
    return [not_supported("dryRun", shown, ["All"])]


def dry_run(request, options_kind, patch_type=None):
    """Whether a write is a dry run (`dryRun=All`); other values are invalid options (422)."""
    values = request.GET.getlist("dryRun")
    causes = _field_manager_causes(request, options_kind, patch_type) + _dry_run_causes(values)
    causes += _field_validation_causes(request)
    if causes:
        raise Invalid(options_kind, "", causes)
    return bool(values)


FIELD_VALIDATIONS = ("", "Ignore", "Strict", "Warn")


def _field_validation_causes(request):
    value = field_validation(request, default="")
    if value in FIELD_VALIDATIONS:
        return []
    return [not_supported("fieldValidation", json.dumps(value), FIELD_VALIDATIONS)]


def field_validation(request, default="Warn"):
    """fieldValidation (Ignore, Warn or Strict; Warn when absent, as upstream), checked with the
    other options by dry_run(). Like Go's parameter decoding, the first value counts."""
    values = request.GET.getlist("fieldValidation")
    return values[0] if values and values[0] else default


FIELD_MANAGER_MAX_LENGTH = 128


def _field_manager_causes(request, options_kind, patch_type):
    """ValidatePatchOptions' force and fieldManager checks, then ValidateFieldManager's."""
    causes = []
    manager = request.GET.get("fieldManager", "")
    if options_kind is PATCH_OPTIONS and patch_type != APPLY_PATCH and "force" in request.GET:
        causes.append({"reason": "FieldValueForbidden", "field": "force",
                       "message": "Forbidden: may not be specified for non-apply patch"})
    elif options_kind is PATCH_OPTIONS and patch_type == APPLY_PATCH and not manager:
        causes.append({"reason": "FieldValueRequired", "field": "fieldManager",
                       "message": "Required value: is required for apply patch"})
    if len(manager.encode()) > FIELD_MANAGER_MAX_LENGTH:
        causes.append({"reason": "FieldValueTooLong", "field": "fieldManager",
                       "message": "Too long: may not be more than "
                                  f"{FIELD_MANAGER_MAX_LENGTH} bytes"})
    for i, char in enumerate(manager):
        if not char.isprintable():
            causes.append({"reason": "FieldValueInvalid", "field": "fieldManager",
                           "message": f"Invalid value: {json.dumps(manager)}: invalid character "
                                      f"U+{ord(char):04X} (at position {i})"})
    return causes


def field_manager(request):
    """The fieldManager a write records: the parameter, else the User-Agent up to its first "/"
    (printable characters only, at most 128 bytes), as upstream's prefixFromUserAgent."""
    manager = request.GET.get("fieldManager", "")
    if manager:
        return manager
    prefix = request.META.get("HTTP_USER_AGENT", "").split("/")[0]
    out = ""
    for char in prefix:
        if char.isprintable() and len((out + char).encode()) <= FIELD_MANAGER_MAX_LENGTH:
            out += char
        elif char.isprintable():
            break
    return out


def force(request):
    return boolean(request.GET.getlist("force"))


@dataclass
class DeleteOptions:
    grace_period_seconds: int | None = None
    propagation_policy: str | None = None
    orphan_dependents: bool | None = None
    preconditions: dict | None = None
    dry_run: tuple = ()

    def store_arguments(self):
        """The keyword arguments store.delete takes."""
        policy = self.propagation_policy
        if self.orphan_dependents is not None:  # the deprecated spelling of Orphan / Background
            policy = "Orphan" if self.orphan_dependents else "Background"
        grace = self.grace_period_seconds
        if grace is not None and grace < 0:
            grace = 1  # as rest.BeforeDelete treats a negative grace period
        return {"grace_period_seconds": grace, "propagation_policy": policy,
                "preconditions": self.preconditions, "dry_run": bool(self.dry_run)}


_DELETE_FIELDS = {"gracePeriodSeconds": int, "propagationPolicy": str, "orphanDependents": bool,
                  "preconditions": dict, "dryRun": list}
_GO_TYPES = {int: "int64", str: "v1.DeletionPropagation", bool: "bool", dict: "v1.Preconditions",
             list: "[]string"}


def delete_options(request, data):
    """DeleteOptions from the body when there is one, else from the query, as upstream reads."""
    if data.strip():
        body = bodies.decode(request, data, "DeleteOptions")
        if body.get("kind", "DeleteOptions") != "DeleteOptions":
            raise _NotDeleteOptions()
        return from_body(body)
    query = request.GET
    return _validated(DeleteOptions(
        grace_period_seconds=integer(query.get("gracePeriodSeconds")),
        propagation_policy=query.get("propagationPolicy"),
        orphan_dependents=(boolean(query.getlist("orphanDependents"))
                           if "orphanDependents" in query else None),
        dry_run=tuple(query.getlist("dryRun")),
    ))


def from_body(body):
    """DeleteOptions given as an object (a DELETE body, or an Eviction's deleteOptions)."""
    for field, expected in _DELETE_FIELDS.items():
        value = body.get(field)
        if value is not None and (not isinstance(value, expected) or
                                  (expected is int and isinstance(value, bool))):
            raise BadRequest(f"json: cannot unmarshal {json_type(value)} into Go struct field "
                             f"DeleteOptions.{field} of type {_GO_TYPES[expected]}")
    return _validated(DeleteOptions(
        grace_period_seconds=body.get("gracePeriodSeconds"),
        propagation_policy=body.get("propagationPolicy"),
        orphan_dependents=body.get("orphanDependents"),
        preconditions=body.get("preconditions"),
        dry_run=tuple(body.get("dryRun") or ()),
    ))


def _validated(options):
    causes = []
    policy = options.propagation_policy
    if options.orphan_dependents is not None and policy is not None:
        causes.append({"reason": "FieldValueInvalid", "field": "propagationPolicy",
                       "message": f"Invalid value: {json.dumps(policy)}: orphanDependents and "
                                  "deletionPropagation cannot be both set"})
    if policy is not None and policy not in PROPAGATION_POLICIES:
        causes.append(not_supported("propagationPolicy", json.dumps(policy),
                                    [*PROPAGATION_POLICIES, "nil"]))
    causes += _dry_run_causes(options.dry_run)
    if causes:
        raise Invalid(DELETE_OPTIONS, "", causes)
    return options


class _NotDeleteOptions(StatusError):
    # Upstream fails this with an error that is not a Status: a 500 with no reason.
    code, reason = 500, ""

    def __init__(self):
        super().__init__("decoded object cannot be converted to DeleteOptions")


@dataclass
class ListOptions:
    label_selector: str = ""
    field_selector: str = ""
    limit: int | None = None
    continue_token: str = ""
    resource_version: str = ""
    watch: bool = False
    allow_watch_bookmarks: bool = False
    timeout_seconds: int | None = None
    send_initial_events: bool | None = None


def list_options(request):
    query = request.GET
    options = ListOptions(
        label_selector=query.get("labelSelector", ""),
        field_selector=query.get("fieldSelector", ""),
        limit=max(integer(query.get("limit")) or 0, 0) or None,  # 0 and below: no limit
        continue_token=query.get("continue", ""),
        resource_version=query.get("resourceVersion", ""),
        watch=boolean(query.getlist("watch")),
        allow_watch_bookmarks=boolean(query.getlist("allowWatchBookmarks")),
        timeout_seconds=integer(query.get("timeoutSeconds")),
        send_initial_events=(boolean(query.getlist("sendInitialEvents"))
                             if "sendInitialEvents" in query else None),
    )
    if options.continue_token and options.resource_version not in ("", "0"):
        raise BadRequest("specifying resource version is not allowed when using continue")
    return options

"""Who am I, and may I: SelfSubjectReview (`kubectl auth whoami`), SelfSubjectAccessReview
(`kubectl auth can-i VERB RESOURCE`) and SelfSubjectRulesReview (`kubectl auth can-i --list`).

Kubesim authorizes as kube-apiserver's AlwaysAllow mode does: every request is allowed, so every
access review answers allowed (with no reason: RBAC's name the binding that allows, and there is
none), and the rules review answers `*` for everything.
"""
from django.urls import re_path

from ..errors import Invalid, MethodNotAllowed
from ..kinds import Kind
from . import auth, bodies
from .discovery import apart_urlpatterns
from .responses import api_view, respond

AUTHENTICATION, AUTHORIZATION = "authentication.k8s.io", "authorization.k8s.io"
SELF_SUBJECT_REVIEW = Kind(AUTHENTICATION, "v1", "SelfSubjectReview", "selfsubjectreviews",
                           "selfsubjectreview", False)
ACCESS_REVIEW = Kind(AUTHORIZATION, "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
                     "selfsubjectaccessreview", False)
RULES_REVIEW = Kind(AUTHORIZATION, "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews",
                    "selfsubjectrulesreview", False)
# For discovery: {group: (version, [(resource, kind, namespaced, singular, verbs)])}.
GROUPS = {group: ("v1", [(k.plural, k.kind, False, k.singular, ["create"]) for k in served])
          for group, served in ((AUTHENTICATION, [SELF_SUBJECT_REVIEW]),
                                (AUTHORIZATION, [ACCESS_REVIEW, RULES_REVIEW]))}
EVERYTHING = {"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}],
              "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
              "incomplete": False}


def _review(request, kind):
    """The review the POST body holds: a create that stores nothing."""
    if request.method != "POST":
        raise MethodNotAllowed("the server does not allow this method on the requested resource")
    review = bodies.object_of(request, kind, bodies.read(request))
    review["metadata"] = {"creationTimestamp": None}  # as upstream answers: nothing is stored
    return review


def self_subject_review(request):
    review = _review(request, SELF_SUBJECT_REVIEW)
    review["status"] = {"userInfo": auth.user_info(request)}
    return respond(request, review, status=201)


def self_subject_access_review(request):
    review = _review(request, ACCESS_REVIEW)
    spec = review.get("spec") or {}
    if bool(spec.get("resourceAttributes")) == bool(spec.get("nonResourceAttributes")):
        raise Invalid(ACCESS_REVIEW, "", [{
            "reason": "FieldValueInvalid", "field": "spec.resourceAttributes",
            "message": f"Invalid value: {_go_struct(spec)}: exactly one of "
                       "nonResourceAttributes or resourceAttributes must be specified"}])
    review["status"] = {"allowed": True}
    return respond(request, review, status=201)


def _go_struct(spec):
    """How the invalid value prints: the Go struct, roughly (`{nil nil}` when both are unset)."""
    parts = ["&{...}" if spec.get(k) else "nil" for k in ("resourceAttributes",
                                                            "nonResourceAttributes")]
    return "v1.SelfSubjectAccessReviewSpec{" + " ".join(parts) + "}"


def self_subject_rules_review(request):
    review = _review(request, RULES_REVIEW)
    review["status"] = EVERYTHING
    return respond(request, review, status=201)


urlpatterns = [
    *apart_urlpatterns(AUTHENTICATION, "v1"),
    *apart_urlpatterns(AUTHORIZATION, "v1"),
    re_path(r"^apis/authentication\.k8s\.io/v1/selfsubjectreviews/?$",
            api_view(self_subject_review)),
    re_path(r"^apis/authorization\.k8s\.io/v1/selfsubjectaccessreviews/?$",
            api_view(self_subject_access_review)),
    re_path(r"^apis/authorization\.k8s\.io/v1/selfsubjectrulesreviews/?$",
            api_view(self_subject_rules_review)),
]

"""SelfSubjectReview, SelfSubjectAccessReview and SelfSubjectRulesReview: who a request is, and
everything allowed (AlwaysAllow); served in discovery like upstream's groups."""
import time

import pytest

from cluster import store
from cluster.api.auth import AUDIENCES, service_account_token, token

pytestmark = pytest.mark.django_db

WHOAMI = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
CAN_I = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
CAN_I_LIST = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"
REVIEW = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}


def access_review(spec):
    return {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": spec}


def test_whoami_names_the_admin_a_service_account_or_anonymous(api):
    status, review = api.post(WHOAMI, REVIEW, HTTP_AUTHORIZATION=f"Bearer {token()}")
    assert status == 201 and review["metadata"] == {"creationTimestamp": None}
    assert review["status"]["userInfo"] == {
        "username": "kubesim-admin", "groups": ["system:masters", "system:authenticated"]}
    account = store.create({"apiVersion": "v1", "kind": "ServiceAccount",
                            "metadata": {"name": "robot"}})
    signed = service_account_token(account, AUDIENCES, int(time.time()), 600)
    user = api.post(WHOAMI, REVIEW, HTTP_AUTHORIZATION=f"Bearer {signed}")[1]["status"]["userInfo"]
    assert user["username"] == "system:serviceaccount:default:robot"
    assert user["uid"] == account["metadata"]["uid"]
    assert user["groups"] == ["system:serviceaccounts", "system:serviceaccounts:default",
                              "system:authenticated"]
    assert user["extra"]["authentication.kubernetes.io/credential-id"][0].startswith("JTI=")
    assert api.post(WHOAMI, {})[1]["status"]["userInfo"] == {
        "username": "system:anonymous", "groups": ["system:unauthenticated"]}


def test_every_access_is_allowed_and_the_spec_comes_back(api):
    spec = {"resourceAttributes": {"namespace": "default", "verb": "create", "resource": "pods"}}
    status, review = api.post(CAN_I, access_review(spec))
    assert status == 201 and review["spec"] == spec and review["status"] == {"allowed": True}
    spec = {"nonResourceAttributes": {"path": "/healthz", "verb": "get"}}
    assert api.post(CAN_I, access_review(spec))[1]["status"] == {"allowed": True}


@pytest.mark.parametrize("spec", [{}, {"resourceAttributes": {"verb": "get"},
                                       "nonResourceAttributes": {"path": "/", "verb": "get"}}])
def test_an_access_review_needs_exactly_one_kind_of_attributes(api, spec):
    status, error = api.post(CAN_I, access_review(spec))
    assert status == 422 and error["reason"] == "Invalid"
    assert error["message"].startswith(
        'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: ')
    assert error["message"].endswith(
        "exactly one of nonResourceAttributes or resourceAttributes must be specified")


def test_the_rules_review_allows_everything(api):
    status, review = api.post(CAN_I_LIST, {"spec": {"namespace": "default"}})
    assert status == 201 and review["kind"] == "SelfSubjectRulesReview"
    assert review["status"]["resourceRules"] == [
        {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]
    assert review["status"]["incomplete"] is False


def test_reviews_are_created_not_read(api):
    assert api.get(CAN_I)[0] == 405


def test_discovery_serves_both_groups(api):
    groups = {g["name"]: g for g in api.get("/apis")[1]["groups"]}
    assert groups["authorization.k8s.io"]["preferredVersion"]["version"] == "v1"
    assert "authentication.k8s.io" in groups
    resources = api.get("/apis/authorization.k8s.io/v1")[1]["resources"]
    assert [(r["name"], r["kind"], r["verbs"]) for r in resources] == [
        ("selfsubjectaccessreviews", "SelfSubjectAccessReview", ["create"]),
        ("selfsubjectrulesreviews", "SelfSubjectRulesReview", ["create"])]
    assert api.get("/apis/authentication.k8s.io")[1]["preferredVersion"] == {
        "groupVersion": "authentication.k8s.io/v1", "version": "v1"}
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    aggregated = api.get("/apis", HTTP_ACCEPT=accept)[1]["items"]
    by_name = {item["metadata"]["name"]: item for item in aggregated}
    [version] = by_name["authentication.k8s.io"]["versions"]
    assert version["resources"][0]["resource"] == "selfsubjectreviews"
    assert by_name["metrics.k8s.io"]["versions"][0]["resources"][0]["singularResource"] == \
        "nodemetrics"

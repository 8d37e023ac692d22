"""Bearer tokens on the API paths: the kubeconfig's token passes, a wrong one is 401, none is
anonymous (the README's curl examples), and the dashboard is never checked."""
import json

import pytest
from django.test import Client

from cluster.api.auth import token

pytestmark = pytest.mark.django_db


def test_the_kubeconfig_token_is_accepted():
    response = Client().get("/api/v1/namespaces", HTTP_AUTHORIZATION=f"Bearer {token()}")
    assert response.status_code == 200


@pytest.mark.parametrize("header", ["Bearer wrong", "Basic YWRtaW46YWRtaW4=", "Bearer "])
def test_a_wrong_token_is_unauthorized(header):
    response = Client().get("/api/v1/namespaces", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert json.loads(response.content) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "Unauthorized", "reason": "Unauthorized", "code": 401}


def test_no_token_stays_anonymous():
    assert Client().get("/api/v1/namespaces").status_code == 200


def test_the_dashboard_is_not_checked():
    response = Client().get("/", HTTP_AUTHORIZATION="Bearer wrong")
    assert response.status_code != 401


# --- service account tokens ---------------------------------------------------------------------

def _account():
    from cluster import store
    return store.create({"apiVersion": "v1", "kind": "ServiceAccount",
                         "metadata": {"name": "robot", "namespace": "default"}})


def test_a_service_account_token_carries_upstreams_claims_and_is_accepted():
    import base64
    import time

    from cluster.api.auth import AUDIENCES, service_account_token
    account = _account()
    now = int(time.time())
    signed = service_account_token(account, AUDIENCES, now, 3600)
    header, claims, _ = (json.loads(base64.urlsafe_b64decode(p + "==")) if i < 2 else p
                         for i, p in enumerate(signed.split(".")))
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert claims | {"jti": None} == {
        "aud": ["https://kubernetes.default.svc.cluster.local"], "exp": now + 3600, "iat": now,
        "iss": "https://kubernetes.default.svc.cluster.local", "jti": None, "nbf": now,
        "kubernetes.io": {"namespace": "default", "serviceaccount": {
            "name": "robot", "uid": account["metadata"]["uid"]}},
        "sub": "system:serviceaccount:default:robot"}
    response = Client().get("/api/v1/namespaces", HTTP_AUTHORIZATION=f"Bearer {signed}")
    assert response.status_code == 200


def test_an_expired_or_forged_token_is_unauthorized():
    import time

    from cluster.api.auth import AUDIENCES, service_account_token
    account = _account()
    expired = service_account_token(account, AUDIENCES, int(time.time()) - 7200, 3600)
    header, claims, signature = service_account_token(
        account, AUDIENCES, int(time.time()), 3600).split(".")
    forged = f"{header}.{claims}x.{signature}"
    for bad in (expired, forged, "a.b.c"):
        response = Client().get("/api/v1/namespaces", HTTP_AUTHORIZATION=f"Bearer {bad}")
        assert response.status_code == 401

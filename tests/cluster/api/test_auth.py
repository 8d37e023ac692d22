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

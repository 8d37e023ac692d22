"""The dashboard's kubeconfig download."""
import pytest
import yaml
from django.test import Client

from cluster.api.auth import token

pytestmark = pytest.mark.django_db


def test_downloads_a_kubeconfig_for_this_server():
    response = Client().get("/kubeconfig", HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    config = yaml.safe_load(response.content)
    assert config["clusters"][0]["cluster"]["server"] == "http://127.0.0.1:8000"
    assert config["users"][0]["user"]["token"] == token()

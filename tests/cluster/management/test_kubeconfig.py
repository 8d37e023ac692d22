"""`manage.py kubeconfig`: a kubeconfig kubectl reads with no other flag."""
import stat

import yaml

from cluster.api.auth import token

from .conftest import run


def test_prints_a_kubeconfig_for_the_server():
    config = yaml.safe_load(run("kubeconfig", "--server", "http://10.0.0.5:9000/").out)
    assert config["current-context"] == "kubesim"
    assert config["clusters"] == [{"name": "kubesim",
                                   "cluster": {"server": "http://10.0.0.5:9000"}}]
    assert config["users"] == [{"name": "kubesim-admin", "user": {"token": token()}}]
    assert config["contexts"][0]["context"] == {
        "cluster": "kubesim", "user": "kubesim-admin", "namespace": "default"}


def test_default_server_uses_port(monkeypatch):
    monkeypatch.setenv("PORT", "8123")
    config = yaml.safe_load(run("kubeconfig").out)
    assert config["clusters"][0]["cluster"]["server"] == "http://127.0.0.1:8123"


def test_writes_an_owner_only_file(tmp_path):
    path = tmp_path / "kubesim.yaml"
    run("kubeconfig", "-o", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert yaml.safe_load(path.read_text())["users"][0]["user"]["token"] == token()

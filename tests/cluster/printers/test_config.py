"""cluster.printers.config: config maps, secrets and service accounts."""
from .objects import meta, row


def test_secret_service_account_and_config_map_rows():
    secret = {"metadata": meta("tls"), "type": "kubernetes.io/tls",
              "data": {"tls.crt": "Y3J0", "tls.key": "a2V5"}, "stringData": {"ca.crt": "x"}}
    assert row("Secret", secret) == ["tls", "kubernetes.io/tls", 3, "5m"]
    sa = {"metadata": meta("builder"), "secrets": [{"name": "builder-token"}]}
    assert row("ServiceAccount", sa) == ["builder", 1, "5m"]
    assert row("ServiceAccount", {"metadata": meta("default")}) == ["default", 0, "5m"]
    cm = {"metadata": meta("settings"), "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}
    assert row("ConfigMap", cm) == ["settings", 3, "5m"]

"""ConfigMaps, Secrets and ServiceAccounts: how much each holds."""
from .definitions import AGE, NAME, column
from .fields import name
from .format import age

CONFIG_MAP_COLUMNS = (
    NAME,
    column("Data", "Data contains the configuration data."),
    AGE,
)
SECRET_COLUMNS = (
    NAME,
    column("Type", "Used to facilitate programmatic handling of secret data."),
    column("Data", "Data contains the secret data."),
    AGE,
)
SERVICE_ACCOUNT_COLUMNS = (
    NAME,
    column("Secrets", "Secrets is a list of the secrets in the same namespace that pods "
                      "running using this ServiceAccount are allowed to use."),
    AGE,
)


def config_map_cells(obj, now, wide):
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [name(obj), count, age(obj, now)]


def secret_cells(obj, now, wide):
    # stringData is write-only: the API server merges it into data.
    keys = set(obj.get("data") or {}) | set(obj.get("stringData") or {})
    return [name(obj), obj.get("type", "Opaque"), len(keys), age(obj, now)]


def service_account_cells(obj, now, wide):
    return [name(obj), len(obj.get("secrets") or ()), age(obj, now)]

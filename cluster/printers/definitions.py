"""A Table's columnDefinitions: the Column, and the columns many kinds share."""
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"  # "string", "integer", "boolean", ... as the Table reports it
    format: str = ""  # "name" for the column that names the object
    description: str = ""
    priority: int = 0  # 1: shown by kubectl with -o wide only

    @property
    def header(self):
        """The column's heading as kubectl prints it: `NOMINATED NODE`."""
        return self.name.upper()

    @property
    def wide(self):
        return self.priority > 0

    def definition(self):
        """The column as a Table's columnDefinitions lists it."""
        return asdict(self)


def column(name, description, type="string"):
    """A column `kubectl get` shows."""
    return Column(name, type, "", description, 0)


def wide_column(name, description, type="string"):
    """A column `kubectl get` shows with -o wide only (priority 1)."""
    return Column(name, type, "", description, 1)


# Upstream takes these descriptions from the API's field docs, ObjectMeta's here.
NAME_DOC = (
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names")
AGE_DOC = (
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata")

NAME = Column("Name", format="name", description=NAME_DOC)
AGE = Column("Age", description=AGE_DOC)
# The pod template's containers, shown wide by every workload kind.
CONTAINERS = wide_column("Containers", "Names of each container in the template.")
IMAGES = wide_column("Images", "Images referenced by each container in the template.")

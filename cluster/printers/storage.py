"""PersistentVolumes, PersistentVolumeClaims and StorageClasses."""
from .definitions import AGE, NAME, column, wide_column
from .fields import get, name, quantity
from .format import age

PERSISTENT_VOLUME_COLUMNS = (
    NAME,
    column("Capacity", "capacity is the description of the persistent volume's resources and "
                       "capacity."),
    column("Access Modes", "accessModes contains all ways the volume can be mounted."),
    column("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a "
                             "persistent volume when released from its claim."),
    column("Status", "phase indicates if a volume is available, bound to a claim, or released "
                     "by a claim."),
    column("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and "
                    "PersistentVolumeClaim."),
    column("StorageClass", "StorageClass of the pv"),
    column("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
    column("Reason", "reason is a brief CamelCase string that describes any failure and is "
                     "meant for machine parsing and tidy display in the CLI."),
    AGE,
    wide_column("VolumeMode", "volumeMode defines if a volume is intended to be used with a "
                              "formatted filesystem or to remain in raw block state."),
)
PERSISTENT_VOLUME_CLAIM_COLUMNS = (
    NAME,
    column("Status", "phase represents the current phase of PersistentVolumeClaim."),
    column("Volume", "volumeName is the binding reference to the PersistentVolume backing this "
                     "claim."),
    column("Capacity", "capacity represents the actual resources of the underlying volume."),
    column("Access Modes", "accessModes contains the actual access modes the volume backing "
                           "the PVC has."),
    column("StorageClass", "StorageClass of the pvc"),
    column("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
    AGE,
    wide_column("VolumeMode", "volumeMode defines what type of volume is required by the "
                              "claim."),
)
STORAGE_CLASS_COLUMNS = (
    NAME,
    column("Provisioner", "provisioner indicates the type of the provisioner."),
    column("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically "
                            "provisioned PersistentVolumes of this storage class."),
    column("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims "
                                "should be provisioned and bound."),
    column("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow "
                                   "volume expand."),
    AGE,
)

_ACCESS_MODES = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
                 ("ReadWriteOncePod", "RWOP"))
BETA_STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
DEFAULT_CLASS_ANNOTATIONS = ("storageclass.kubernetes.io/is-default-class",
                             "storageclass.beta.kubernetes.io/is-default-class")


def access_modes(modes):
    """helper.GetAccessModesAsString: `RWO,RWX`, in that fixed order."""
    return ",".join(short for mode, short in _ACCESS_MODES if mode in (modes or ()))


def _storage_class_of(obj):
    """GetPersistentVolume(Claim)Class: the beta annotation first, then spec.storageClassName."""
    annotations = get(obj, "metadata.annotations") or {}
    if BETA_STORAGE_CLASS_ANNOTATION in annotations:
        return annotations[BETA_STORAGE_CLASS_ANNOTATION]
    return get(obj, "spec.storageClassName", "")


def _volume_phase(obj):
    if get(obj, "metadata.deletionTimestamp"):
        return "Terminating"
    return get(obj, "status.phase", "")


def persistent_volume_cells(obj, now, wide):
    spec = obj.get("spec") or {}
    claim = spec.get("claimRef")
    return [
        name(obj), quantity(get(obj, "spec.capacity.storage")),
        access_modes(spec.get("accessModes")), spec.get("persistentVolumeReclaimPolicy", ""),
        _volume_phase(obj),
        f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim is not None else "",
        _storage_class_of(obj), spec.get("volumeAttributesClassName") or "<unset>",
        get(obj, "status.reason", ""), age(obj, now), spec.get("volumeMode") or "<unset>",
    ]


def persistent_volume_claim_cells(obj, now, wide):
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    bound = bool(spec.get("volumeName"))  # capacity and modes are the volume's, once bound
    return [
        name(obj), _volume_phase(obj), spec.get("volumeName", ""),
        quantity(get(status, "capacity.storage")) if bound else "",
        access_modes(status.get("accessModes")) if bound else "",
        _storage_class_of(obj), spec.get("volumeAttributesClassName") or "<unset>",
        age(obj, now), spec.get("volumeMode") or "<unset>",
    ]


def storage_class_cells(obj, now, wide):
    annotations = get(obj, "metadata.annotations") or {}
    default = any(annotations.get(a) == "true" for a in DEFAULT_CLASS_ANNOTATIONS)
    return [
        name(obj) + (" (default)" if default else ""), obj.get("provisioner", ""),
        obj.get("reclaimPolicy") or "Delete", obj.get("volumeBindingMode") or "Immediate",
        bool(obj.get("allowVolumeExpansion")), age(obj, now),
    ]

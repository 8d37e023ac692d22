"""cluster.printers.storage: volumes, claims and storage classes."""
from .objects import ago, meta, row


def test_persistent_volume_rows():
    pv = {"metadata": meta("pv-1", annotations={}) | {"namespace": ""},
          "spec": {"capacity": {"storage": "10Gi"}, "persistentVolumeReclaimPolicy": "Retain",
                   "accessModes": ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce"],
                   "claimRef": {"namespace": "default", "name": "data"},
                   "storageClassName": "standard", "volumeMode": "Filesystem"},
          "status": {"phase": "Bound"}}
    assert row("PersistentVolume", pv) == ["pv-1", "10Gi", "RWO,RWX", "Retain", "Bound",
                                           "default/data", "standard", "<unset>", "", "5m",
                                           "Filesystem"]
    pv["metadata"] |= {"deletionTimestamp": ago(1),
                       "annotations": {"volume.beta.kubernetes.io/storage-class": "legacy"}}
    pv["spec"].pop("claimRef")
    pv["status"] = {"phase": "Failed", "reason": "VolumeFailedRecycle"}
    assert row("PersistentVolume", pv, wide=False)[4:9] == [
        "Terminating", "", "legacy", "<unset>", "VolumeFailedRecycle"]


def test_persistent_volume_claim_rows():
    pvc = {"metadata": meta("data"),
           "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                    "resources": {"requests": {"storage": "1024Mi"}}},
           "status": {"phase": "Pending"}}
    assert row("PersistentVolumeClaim", pvc) == ["data", "Pending", "", "", "", "standard",
                                                 "<unset>", "5m", "<unset>"]
    pvc["spec"] |= {"volumeName": "pv-1", "volumeMode": "Block"}
    pvc["status"] = {"phase": "Bound", "accessModes": ["ReadWriteOnce", "ReadOnlyMany"],
                     "capacity": {"storage": "1024Mi"}}
    assert row("PersistentVolumeClaim", pvc) == ["data", "Bound", "pv-1", "1Gi", "RWO,ROX",
                                                 "standard", "<unset>", "5m", "Block"]


def test_storage_class_rows():
    sc = {"metadata": meta("standard", annotations={
        "storageclass.kubernetes.io/is-default-class": "true"}) | {"namespace": ""},
          "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"}
    assert row("StorageClass", sc) == ["standard (default)", "rancher.io/local-path", "Delete",
                                       "WaitForFirstConsumer", False, "5m"]
    fast = {"metadata": meta("fast"), "provisioner": "ebs.csi.aws.com", "reclaimPolicy": "Retain",
            "allowVolumeExpansion": True}
    assert row("StorageClass", fast)[:5] == ["fast", "ebs.csi.aws.com", "Retain", "Immediate",
                                             True]

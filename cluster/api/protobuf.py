"""Request bodies in Kubernetes' protobuf encoding (application/vnd.kubernetes.protobuf).

kubectl's typed clients send it: `kubectl create deployment|namespace|configmap|secret|service|
job|cronjob|serviceaccount`, `kubectl create token`, `kubectl autoscale` and `kubectl auth
whoami|can-i` POST protobuf, and expect any server to read it. A body is the magic `k8s\\0`, then a
runtime.Unknown {typeMeta {apiVersion, kind}, raw, contentEncoding, contentType} whose raw bytes
are the object, encoded as k8s.io/api's generated.proto says.

Only the messages those commands send are known here, field numbers as in upstream's
generated.proto. Go's generated marshalers write every non-pointer field, zero or not: a zero
scalar is dropped (it is JSON's omitempty), except in fields that are pointers upstream (marked
`*`), where an explicit 0 or false means something. A field we do not know is ignored when
empty, and otherwise refused with 415, so that nothing the client sent is silently lost.
"""
import base64
from datetime import UTC, datetime

from ..errors import BadRequest, UnsupportedMediaType

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"

# message: "number name[:type][*][[]]; ..." - type: str (default), int, bool, bytes, map
# (string to string), map<bytes>, map<Quantity>, Time, IntOrString, Quantity, skip (a status:
# dropped) or a message. * the field is a pointer upstream; [] repeated.
_SCHEMA = {
    "ObjectMeta": "1 name; 2 generateName; 3 namespace; 4 selfLink; 5 uid; 6 resourceVersion; "
                  "7 generation:int; 8 creationTimestamp:Time; 9 deletionTimestamp:Time; "
                  "10 deletionGracePeriodSeconds:int*; 11 labels:map; 12 annotations:map; "
                  "13 ownerReferences:OwnerReference[]; 14 finalizers[]",
    "OwnerReference": "1 kind; 3 name; 4 uid; 5 apiVersion; 6 controller:bool*; "
                      "7 blockOwnerDeletion:bool*",
    "LabelSelector": "1 matchLabels:map; 2 matchExpressions:LabelSelectorRequirement[]",
    "LabelSelectorRequirement": "1 key; 2 operator; 3 values[]",
    "Deployment": "1 metadata:ObjectMeta; 2 spec:DeploymentSpec; 3 status:skip",
    "DeploymentSpec": "1 replicas:int*; 2 selector:LabelSelector; 3 template:PodTemplateSpec; "
                      "4 strategy:DeploymentStrategy; 5 minReadySeconds:int; "
                      "6 revisionHistoryLimit:int*; 7 paused:bool; 9 progressDeadlineSeconds:int*",
    "DeploymentStrategy": "1 type; 2 rollingUpdate:RollingUpdateDeployment",
    "RollingUpdateDeployment": "1 maxUnavailable:IntOrString; 2 maxSurge:IntOrString",
    "PodTemplateSpec": "1 metadata:ObjectMeta; 2 spec:PodSpec",
    "PodSpec": "2 containers:Container[]; 3 restartPolicy; 4 terminationGracePeriodSeconds:int*; "
               "5 activeDeadlineSeconds:int*; 6 dnsPolicy; 7 nodeSelector:map; "
               "8 serviceAccountName; 9 serviceAccount; 10 nodeName; 11 hostNetwork:bool; "
               "12 hostPID:bool; 13 hostIPC:bool; 16 hostname; 17 subdomain; 19 schedulerName; "
               "20 initContainers:Container[]; 21 automountServiceAccountToken:bool*; "
               "22 tolerations:Toleration[]; 24 priorityClassName; 25 priority:int*; "
               "30 enableServiceLinks:bool*",
    "Toleration": "1 key; 2 operator; 3 value; 4 effect; 5 tolerationSeconds:int*",
    "Container": "1 name; 2 image; 3 command[]; 4 args[]; 5 workingDir; "
                 "6 ports:ContainerPort[]; 7 env:EnvVar[]; 8 resources:ResourceRequirements; "
                 "9 volumeMounts:VolumeMount[]; 13 terminationMessagePath; 14 imagePullPolicy; "
                 "16 stdin:bool; 17 stdinOnce:bool; 18 tty:bool; 20 terminationMessagePolicy; "
                 "24 restartPolicy*",
    "ContainerPort": "1 name; 2 hostPort:int; 3 containerPort:int; 4 protocol; 5 hostIP",
    "EnvVar": "1 name; 2 value",
    "ResourceRequirements": "1 limits:map<Quantity>; 2 requests:map<Quantity>",
    "VolumeMount": "1 name; 2 readOnly:bool; 3 mountPath; 4 subPath; 5 mountPropagation*; "
                   "6 subPathExpr",
    "Pod": "1 metadata:ObjectMeta; 2 spec:PodSpec; 3 status:skip",
    "Namespace": "1 metadata:ObjectMeta; 2 spec:NamespaceSpec; 3 status:skip",
    "NamespaceSpec": "1 finalizers[]",
    "ConfigMap": "1 metadata:ObjectMeta; 2 data:map; 3 binaryData:map<bytes>; 4 immutable:bool*",
    "Secret": "1 metadata:ObjectMeta; 2 data:map<bytes>; 3 type; 4 stringData:map; "
              "5 immutable:bool*",
    "Service": "1 metadata:ObjectMeta; 2 spec:ServiceSpec; 3 status:skip",
    "ServiceSpec": "1 ports:ServicePort[]; 2 selector:map; 3 clusterIP; 4 type; 5 externalIPs[]; "
                   "7 sessionAffinity; 8 loadBalancerIP; 9 loadBalancerSourceRanges[]; "
                   "10 externalName; 11 externalTrafficPolicy; 12 healthCheckNodePort:int; "
                   "13 publishNotReadyAddresses:bool; 17 ipFamilyPolicy*; 18 clusterIPs[]; "
                   "19 ipFamilies[]; 20 allocateLoadBalancerNodePorts:bool*; "
                   "21 loadBalancerClass*; 22 internalTrafficPolicy*",
    "ServicePort": "1 name; 2 protocol; 3 port:int; 4 targetPort:IntOrString; 5 nodePort:int; "
                   "6 appProtocol*",
    "Job": "1 metadata:ObjectMeta; 2 spec:JobSpec; 3 status:skip",
    "JobSpec": "1 parallelism:int*; 2 completions:int*; 3 activeDeadlineSeconds:int*; "
               "4 selector:LabelSelector; 5 manualSelector:bool*; 6 template:PodTemplateSpec; "
               "7 backoffLimit:int*; 8 ttlSecondsAfterFinished:int*; 9 completionMode*; "
               "10 suspend:bool*",
    "CronJob": "1 metadata:ObjectMeta; 2 spec:CronJobSpec; 3 status:skip",
    "CronJobSpec": "1 schedule; 2 startingDeadlineSeconds:int*; 3 concurrencyPolicy; "
                   "4 suspend:bool*; 5 jobTemplate:JobTemplateSpec; "
                   "6 successfulJobsHistoryLimit:int*; 7 failedJobsHistoryLimit:int*; 8 timeZone*",
    "JobTemplateSpec": "1 metadata:ObjectMeta; 2 spec:JobSpec",
    "ServiceAccount": "1 metadata:ObjectMeta; 2 secrets:ObjectReference[]; "
                      "3 imagePullSecrets:LocalObjectReference[]; "
                      "4 automountServiceAccountToken:bool*",
    "LocalObjectReference": "1 name",
    "Eviction": "1 metadata:ObjectMeta; 2 deleteOptions:DeleteOptions",
    "DeleteOptions": "1 gracePeriodSeconds:int*; 2 preconditions:Preconditions; "
                     "3 orphanDependents:bool*; 4 propagationPolicy*; 5 dryRun[]",
    "Preconditions": "1 uid*; 2 resourceVersion*",
    "Binding": "1 metadata:ObjectMeta; 2 target:ObjectReference",
    "TokenRequest": "1 metadata:ObjectMeta; 2 spec:TokenRequestSpec; 3 status:skip",
    "TokenRequestSpec": "1 audiences[]; 3 boundObjectRef:BoundObjectReference; "
                        "4 expirationSeconds:int*",
    "BoundObjectReference": "1 kind; 2 apiVersion; 3 name; 4 uid",
    # autoscaling/v1, what `kubectl autoscale` sends (cluster.conversion stores it as v2)
    "HorizontalPodAutoscaler": "1 metadata:ObjectMeta; 2 spec:HorizontalPodAutoscalerSpec; "
                               "3 status:skip",
    "HorizontalPodAutoscalerSpec": "1 scaleTargetRef:CrossVersionObjectReference; "
                                   "2 minReplicas:int*; 3 maxReplicas:int; "
                                   "4 targetCPUUtilizationPercentage:int*",
    "CrossVersionObjectReference": "1 kind; 2 name; 3 apiVersion",
    # kubectl auth whoami / can-i / can-i --list
    "SelfSubjectReview": "1 metadata:ObjectMeta; 2 status:skip",
    "SelfSubjectAccessReview": "1 metadata:ObjectMeta; 2 spec:SelfSubjectAccessReviewSpec; "
                               "3 status:skip",
    "SelfSubjectAccessReviewSpec": "1 resourceAttributes:ResourceAttributes; "
                                   "2 nonResourceAttributes:NonResourceAttributes",
    "ResourceAttributes": "1 namespace; 2 verb; 3 group; 4 version; 5 resource; 6 subresource; "
                          "7 name; 8 fieldSelector:FieldSelectorAttributes; "
                          "9 labelSelector:LabelSelectorAttributes",
    # A FieldSelectorRequirement has a LabelSelectorRequirement's fields and numbers.
    "FieldSelectorAttributes": "1 rawSelector; 2 requirements:LabelSelectorRequirement[]",
    "LabelSelectorAttributes": "1 rawSelector; 2 requirements:LabelSelectorRequirement[]",
    "NonResourceAttributes": "1 path; 2 verb",
    "SelfSubjectRulesReview": "1 metadata:ObjectMeta; 2 spec:SelfSubjectRulesReviewSpec; "
                              "3 status:skip",
    "SelfSubjectRulesReviewSpec": "1 namespace",
    "ObjectReference": "1 kind; 2 namespace; 3 name; 4 uid; 5 apiVersion; 6 resourceVersion; "
                       "7 fieldPath",
}


def _fields(spec):
    fields = {}
    for entry in spec.split(";"):
        number, _, rest = entry.strip().partition(" ")
        repeated, rest = rest.endswith("[]"), rest.removesuffix("[]")
        pointer, rest = rest.endswith("*"), rest.removesuffix("*")
        name, _, kind = rest.partition(":")
        fields[int(number)] = (name, kind or "str", pointer, repeated)
    return fields


MESSAGES = {name: _fields(spec) for name, spec in _SCHEMA.items()}
_ZERO_TIME = -62135596800  # Go's zero time.Time in Unix seconds


def decode(data, type_name):
    """The object (a dict, as its JSON would decode) in a protobuf body."""
    if not data.startswith(MAGIC):
        raise BadRequest("provided data does not appear to be a protobuf message, expected "
                         "prefix [107 56 115 0]")
    unknown = {n: v for n, wire, v in _wire(data[len(MAGIC):]) if wire == 2}
    type_meta = {n: v.decode() for n, wire, v in _wire(unknown.get(1, b"")) if wire == 2}
    if unknown.get(3) or unknown.get(4, b"") not in (b"", MEDIA_TYPE.encode()):
        raise _unsupported("an encoded or nested body")
    kind = type_meta.get(2) or type_name
    if kind not in MESSAGES:
        raise _unsupported(f"kind {kind}")
    obj = {"apiVersion": type_meta.get(1, ""), "kind": kind}
    obj.update(_message(unknown.get(2, b""), MESSAGES[kind], kind))
    return obj


def _unsupported(what):
    return UnsupportedMediaType(
        f"kubesim reads {MEDIA_TYPE} for the objects kubectl's create commands send; {what} is "
        "not among them: send it as application/json (kubectl apply -f, or create -f)")


def _message(data, fields, message):
    obj = {}
    for number, wire, value in _wire(data):
        if number not in fields:
            if value not in (0, b""):
                raise _unsupported(f"field {number} of {message}")
            continue
        name, kind, pointer, repeated = fields[number]
        if repeated and wire == 2 and kind in ("int", "bool"):  # packed
            items = [_scalar(kind, v) for v in _packed(value)]
            obj.setdefault(name, []).extend(items)
            continue
        decoded = _value(kind, wire, value, f"{message}.{name}")
        if repeated:
            obj.setdefault(name, []).append(decoded)
        elif kind.startswith("map"):
            obj.setdefault(name, {}).update(decoded)
        elif decoded is not None and (pointer or not _zero(decoded)):
            obj[name] = decoded
    return obj


def _zero(value):
    return value in (0, "", False) and not isinstance(value, dict)


def _value(kind, wire, value, where):
    if kind in ("int", "bool"):
        if wire != 0:
            raise BadRequest(f"protobuf: {where} has wire type {wire}, not a varint")
        return _scalar(kind, value)
    if wire != 2:
        raise BadRequest(f"protobuf: {where} has wire type {wire}, not length-delimited")
    if kind == "str":
        return value.decode()
    if kind == "bytes":
        return base64.b64encode(value).decode()
    if kind.startswith("map"):
        entry = {n: v for n, _, v in _wire(value)}
        key, item = entry.get(1, b"").decode(), entry.get(2, b"")
        inner = kind[4:-1] or "str"
        return {key: _value(inner, 2, item, where)}
    if kind == "skip":
        return None
    if kind == "Time":
        return _time(value)
    if kind == "Quantity":
        return {n: v for n, _, v in _wire(value)}.get(1, b"").decode()
    if kind == "IntOrString":
        parts = {n: v for n, _, v in _wire(value)}
        return parts.get(3, b"").decode() if parts.get(1) == 1 else _signed(parts.get(2, 0))
    return _message(value, MESSAGES[kind], kind)


def _scalar(kind, value):
    return bool(value) if kind == "bool" else _signed(value)


def _signed(value):
    return value - (1 << 64) if value >= 1 << 63 else value


def _time(data):
    parts = {n: v for n, _, v in _wire(data)}
    seconds = _signed(parts.get(1, 0))
    if seconds <= _ZERO_TIME or not parts:
        return None  # the zero time: JSON's null
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _wire(data):
    """(field number, wire type, value) for each field: an int for varints, bytes otherwise."""
    i = 0
    try:
        while i < len(data):
            key, i = _varint(data, i)
            number, wire = key >> 3, key & 7
            if wire == 0:
                value, i = _varint(data, i)
            elif wire == 2:
                size, i = _varint(data, i)
                value, i = data[i:i + size], i + size
                if i > len(data):
                    raise IndexError
            elif wire in (1, 5):
                width = 8 if wire == 1 else 4
                value, i = int.from_bytes(data[i:i + width], "little"), i + width
            else:
                raise BadRequest(f"protobuf: unsupported wire type {wire}")
            yield number, wire, value
    except IndexError:
        raise BadRequest("protobuf: unexpected end of data") from None


def _packed(data):
    i = 0
    while i < len(data):
        value, i = _varint(data, i)
        yield value


def _varint(data, i):
    result = shift = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, i
        shift += 7

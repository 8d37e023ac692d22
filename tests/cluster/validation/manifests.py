"""Small valid manifests to break one field at a time."""
import copy

DELETE = object()


def changed(obj, **paths):
    """A copy with `a__b__0__c=value` set (or removed, for DELETE); lists are indexed by number."""
    obj = copy.deepcopy(obj)
    for path, value in paths.items():
        *parents, last = [int(p) if p.isdigit() else p for p in path.split("__")]
        node = obj
        for step in parents:
            node = node[step] if isinstance(step, int) else node.setdefault(step, {})
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return obj


def container(name="web", image="nginx:1.27", **fields):
    return {"name": name, "image": image, **fields}


def pod(name="web", **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [container()], **spec}}


def template(labels=None, **spec):
    return {"metadata": {"labels": labels or {"app": "web"}},
            "spec": {"containers": [container()], **spec}}


def deployment(name="web", **spec):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": template(), **spec}}


def replica_set(name="web"):
    return {**deployment(name), "kind": "ReplicaSet"}


def daemon_set(name="agent"):
    return {**deployment(name), "kind": "DaemonSet"}


def stateful_set(name="db"):
    return {**deployment(name), "kind": "StatefulSet"}


def job(name="pi", restart_policy="Never"):
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
            "spec": {"template": template(restartPolicy=restart_policy)}}


def cron_job(name="backup", schedule="*/5 * * * *"):
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name},
            "spec": {"schedule": schedule,
                     "jobTemplate": {"spec": {"template": template(restartPolicy="OnFailure")}}}}


def service(name="web", ports=None, **spec):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": "web"}, "ports": ports or [{"port": 80}], **spec}}


def config_map(name="settings", **data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
            "data": data or {"mode": "fast"}}


def secret(name="creds", secret_type=None, **data):
    obj = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "data": data}
    if secret_type:
        obj["type"] = secret_type
    return obj


def claim(name="data", **spec):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": {"accessModes": ["ReadWriteOnce"],
                     "resources": {"requests": {"storage": "1Gi"}}, **spec}}


# Manifests as people write them: probes, resources, env, volumes, claim templates...
REAL_WORLD = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  labels: {app.kubernetes.io/name: web, app.kubernetes.io/part-of: shop}
  annotations: {example.com/owner: "team-a"}
data:
  APP_MODE: production
  nginx.conf: |
    server { listen 8080; }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  revisionHistoryLimit: 5
  selector:
    matchLabels: {app: web}
    matchExpressions:
    - {key: tier, operator: In, values: [frontend]}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web, tier: frontend}
      annotations: {prometheus.io/scrape: "true"}
    spec:
      serviceAccountName: web
      securityContext: {runAsNonRoot: true, fsGroup: 2000}
      initContainers:
      - name: migrate
        image: registry.example.com/shop/web:2.3.1
        command: ["./migrate", "--up"]
      containers:
      - name: web
        image: registry.example.com/shop/web:2.3.1
        args: ["--port=8080"]
        ports:
        - {name: http, containerPort: 8080}
        - {name: metrics, containerPort: 9090}
        env:
        - {name: APP_MODE, valueFrom: {configMapKeyRef: {name: web-config, key: APP_MODE}}}
        - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
        - {name: CPU_LIMIT, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}}
        envFrom:
        - secretRef: {name: web-secrets, optional: true}
        resources:
          requests: {cpu: 250m, memory: 256Mi}
          limits: {cpu: "1", memory: 512Mi, ephemeral-storage: 1Gi}
        readinessProbe:
          httpGet: {path: /healthz, port: http}
          initialDelaySeconds: 5
        livenessProbe:
          tcpSocket: {port: 8080}
          failureThreshold: 5
        startupProbe:
          exec: {command: [cat, /tmp/ready]}
        lifecycle:
          preStop: {exec: {command: [sleep, "5"]}}
        volumeMounts:
        - {name: config, mountPath: /etc/nginx/conf.d, readOnly: true}
        - {name: cache, mountPath: /var/cache}
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
      volumes:
      - name: config
        configMap:
          name: web-config
          items: [{key: nginx.conf, path: default.conf}]
      - name: cache
        emptyDir: {sizeLimit: 500Mi}
      nodeSelector: {kubernetes.io/os: linux}
      tolerations:
      - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            podAffinityTerm:
              topologyKey: kubernetes.io/hostname
              labelSelector: {matchLabels: {app: web}}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: metrics, port: 9090, protocol: TCP}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: report
spec:
  backoffLimit: 2
  activeDeadlineSeconds: 600
  ttlSecondsAfterFinished: 3600
  template:
    spec:
      restartPolicy: OnFailure
      containers:
      - name: report
        image: busybox:1.36
        command: [sh, -c, "echo done"]
        resources: {limits: {cpu: 100m, memory: 64Mi}}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly-backup
spec:
  schedule: "30 2 * * 1-5"
  timeZone: Europe/Paris
  concurrencyPolicy: Forbid
  startingDeadlineSeconds: 120
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: backup
            image: postgres:16
            command: [pg_dump, --help]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 3
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: postgres
        image: postgres:16
        ports: [{name: pg, containerPort: 5432}]
        env: [{name: PGDATA, value: /var/lib/postgresql/data/pgdata}]
        volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: standard
      resources: {requests: {storage: 10Gi}}
"""

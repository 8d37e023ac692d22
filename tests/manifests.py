"""Small manifests several test modules apply, as a user would write them."""

WEB_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""
WEB_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
"""
WEB_DEPLOYMENT_LABELLED = WEB_DEPLOYMENT.replace(
    "  name: web\nspec:", "  name: web\n  labels:\n    app: web\n    tier: front\nspec:")

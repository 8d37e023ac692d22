"""The dashboard's pages, fragments and actions. Objects are addressed as
`<resource>/<namespace>/<name>` with `_` as the namespace of cluster-scoped kinds."""
from django.urls import path

from .views import actions, cluster, editor, kubeconfig, objects

app_name = "dashboard"

OBJECT = "<str:resource>/<str:namespace>/<str:name>"

urlpatterns = [
    # --- the cluster view and the live event stream (cluster.py) ---
    path("", cluster.home, name="home"),
    path("events/", cluster.events, name="events"),
    # --- the manifest editor (editor.py) ---
    path("editor/", editor.editor, name="editor"),
    path("editor/validate", editor.validate, name="editor-validate"),
    path("editor/apply", editor.apply, name="editor-apply"),
    path("editor/upload", editor.upload, name="editor-upload"),
    path("editor/examples/<str:kind>", editor.example, name="editor-example"),
    path(f"edit/{OBJECT}", editor.edit, name="edit"),
    # --- troubleshooting: lists, describe, logs, scheduling, rollouts (objects.py) ---
    path("objects/<str:resource>/", objects.object_list, name="list"),
    path(f"objects/{OBJECT}", objects.describe, name="describe"),
    path("objects/pods/<str:namespace>/<str:name>/logs", objects.logs, name="logs"),
    path("objects/pods/<str:namespace>/<str:name>/scheduling", objects.scheduling,
         name="scheduling"),
    path("objects/deployments/<str:namespace>/<str:name>/history", objects.history,
         name="history"),
    path("objects/deployments/<str:namespace>/<str:name>/undo", actions.undo, name="undo"),
    # --- actions (actions.py) ---
    path(f"actions/scale/{OBJECT}", actions.scale, name="scale"),
    path(f"actions/delete/{OBJECT}", actions.delete, name="delete"),
    path("actions/restart/<str:namespace>/<str:name>", actions.restart, name="restart"),
    path("actions/nodes/add", actions.add_node, name="node-add"),
    path("actions/nodes/<str:name>/<str:operation>", actions.node, name="node-action"),
    path("actions/clock", actions.clock, name="clock"),
    path("actions/reset", actions.reset, name="reset"),
    path("kubeconfig", kubeconfig.download, name="kubeconfig"),
]

"""The API's paths and operations, as kube-apiserver publishes them in OpenAPI.

kubectl reads them to decide how to validate: a PATCH operation carrying the kind's
x-kubernetes-group-version-kind and a `fieldValidation` query parameter tells it the server checks
fields itself (kubectl then sends fieldValidation=Strict rather than validating client-side).
"""
from ... import kinds
from .schemas import GVK, by_gvk

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json", "application/apply-patch+yaml")
_WRITE_PARAMS = (
    ("dryRun", "When present, indicates that modifications should not be persisted."),
    ("fieldManager", ("fieldManager is a name associated with the actor or entity that is "
                      "making these changes.")),
    ("fieldValidation", ("fieldValidation instructs the server on how to handle objects in the "
                         "request containing unknown or duplicate fields: Ignore, Warn or "
                         "Strict.")),
)
_LIST_PARAMS = ("labelSelector", "fieldSelector", "limit", "continue", "resourceVersion",
                "timeoutSeconds", "watch", "allowWatchBookmarks", "resourceVersionMatch",
                "sendInitialEvents")
_INTEGERS = ("limit", "timeoutSeconds")
_BOOLEANS = ("watch", "allowWatchBookmarks", "sendInitialEvents", "force")


def group_version_path(group, version):
    """`api/v1`, `apis/apps/v1`: the key of a group-version in /openapi/v3."""
    return f"apis/{group}/{version}" if group else f"api/{version}"


def served_group_versions():
    return list(dict.fromkeys((k.group, k.version) for k in kinds.KINDS))


def kind_paths(group, version, style):
    """{path: path item} for the kinds served in group/version; `style` is "v2" or "v3"."""
    paths = {}
    for kind in kinds.KINDS:
        if (kind.group, kind.version) == (group, version):
            paths |= _paths(kind, _Style(style))
    return paths


class _Style:
    """What differs between Swagger 2.0 and OpenAPI 3 operations: parameters and bodies."""

    def __init__(self, name):
        self.v2 = name == "v2"
        self.prefix = "#/definitions/" if self.v2 else "#/components/schemas/"

    def param(self, name, where="query", description="", required=False):
        kind = ("integer" if name in _INTEGERS else "boolean" if name in _BOOLEANS
                else "string")
        param = {"name": name, "in": where, "description": description}
        param |= {"type": kind, "uniqueItems": True} if self.v2 else {"schema": {"type": kind}}
        return param | ({"required": True} if required else {})

    def ref(self, definition):
        return {"$ref": self.prefix + definition}

    def response(self, definition, code="200"):
        body = {"description": "OK" if code == "200" else "Created"}
        if self.v2:
            return {code: body | {"schema": self.ref(definition)}, "401": {"description":
                                                                            "Unauthorized"}}
        content = {t: {"schema": self.ref(definition)} for t in ("application/json",
                                                                 "application/yaml")}
        return {code: body | {"content": content}, "401": {"description": "Unauthorized"}}

    def body(self, operation, definition, types=("*/*",)):
        if self.v2:
            operation["parameters"].insert(0, {"name": "body", "in": "body", "required": True,
                                               "schema": self.ref(definition)})
            operation["consumes"] = list(types)
        else:
            operation["requestBody"] = {"content": {t: {"schema": self.ref(definition)}
                                                    for t in types}, "required": True}
        return operation


def _paths(kind, style):
    definition = by_gvk()[kind.group, kind.version, kind.kind]
    listed = by_gvk().get((kind.group, kind.version, kind.kind + "List"), definition)
    base = f"/{group_version_path(kind.group, kind.version)}"
    collection = (f"{base}/namespaces/{{namespace}}/{kind.plural}" if kind.namespaced
                  else f"{base}/{kind.plural}")
    gvk = {"group": kind.group, "version": kind.version, "kind": kind.kind}
    scope = "Namespaced" if kind.namespaced else ""
    op = _Operations(style, kind, gvk, definition, listed)
    where = [style.param("namespace", "path", "object name and auth scope", True)] \
        if kind.namespaced else []
    named = [style.param("name", "path", f"name of the {kind.kind}", True)]
    pretty = [style.param("pretty", description="If 'true', then the output is pretty printed.")]
    paths = {
        collection: {"get": op.list(f"list{scope}"), "post": op.create(scope),
                     "delete": op.delete_collection(scope), "parameters": where + pretty},
        f"{collection}/{{name}}": {
            "get": op.read(scope), "put": op.replace(scope), "patch": op.patch(scope),
            "delete": op.delete(scope), "parameters": named + where + pretty},
    }
    if kind.namespaced:  # the list across namespaces
        paths[f"{base}/{kind.plural}"] = {"get": op.list("list", "ForAllNamespaces"),
                                          "parameters": pretty}
    return paths


class _Operations:
    def __init__(self, style, kind, gvk, definition, listed):
        self.style, self.kind, self.gvk = style, kind, gvk
        self.definition, self.listed = definition, listed
        words = (kind.group.split(".")[0] or "core").capitalize() + kind.version.capitalize()
        self.words = words

    def _op(self, verb, action, suffix="", kind=None):
        return {"description": f"{verb} {kind or self.kind.kind}",
                "operationId": f"{verb}{self.words}{suffix}{kind or self.kind.kind}",
                "parameters": [], "tags": [self.words.lower()],
                "x-kubernetes-action": action, GVK: self.gvk}

    def list(self, verb, suffix=""):
        op = self._op(verb, "list", kind=self.kind.kind + suffix)
        op["parameters"] = [self.style.param(p) for p in _LIST_PARAMS]
        op["responses"] = self.style.response(self.listed)
        return op

    def _write(self, verb, action, scope, definition=None, types=("*/*",)):
        op = self._op(verb, action, scope)
        op["parameters"] = [self.style.param(name, description=text)
                            for name, text in _WRITE_PARAMS]
        return self.style.body(op, definition or self.definition, types)

    def create(self, scope):
        op = self._write("create", "post", scope)
        op["responses"] = self.style.response(self.definition) | \
            self.style.response(self.definition, "201")
        return op

    def replace(self, scope):
        op = self._write("replace", "put", scope)
        op["responses"] = self.style.response(self.definition)
        return op

    def patch(self, scope):
        op = self._write("patch", "patch", scope, META + "Patch", PATCH_TYPES)
        op["parameters"].append(self.style.param("force", description="Force is going to "
                                                 "\"force\" Apply requests."))
        op["responses"] = self.style.response(self.definition)
        return op

    def read(self, scope):
        op = self._op("read", "get", scope)
        op["responses"] = self.style.response(self.definition)
        return op

    def delete(self, scope):
        op = self._op("delete", "delete", scope)
        op["parameters"] = [self.style.param(p) for p in ("dryRun", "gracePeriodSeconds",
                                                          "propagationPolicy")]
        op["responses"] = self.style.response(META + "Status")
        return op

    def delete_collection(self, scope):
        op = self._op("deletecollection", "deletecollection", scope)
        op["description"] = f"delete collection of {self.kind.kind}"
        op["parameters"] = [self.style.param(p) for p in ("dryRun", *_LIST_PARAMS[:5])]
        op["responses"] = self.style.response(META + "Status")
        return op

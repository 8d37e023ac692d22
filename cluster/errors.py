"""API errors as kube-apiserver reports them: each one renders as a meta/v1 Status object."""


class StatusError(Exception):
    code = 500
    reason = "InternalError"

    def __init__(self, message, *, details=None):
        super().__init__(message)
        self.message = message
        self.details = details

    def status(self):
        body = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


def _details(kind, name):
    details = {"name": name, "kind": kind.plural}
    if kind.group:
        details["group"] = kind.group
    return details


class BadRequest(StatusError):
    code, reason = 400, "BadRequest"


class NotFound(StatusError):
    code, reason = 404, "NotFound"

    @classmethod
    def of(cls, kind, name):
        return cls(f'{kind.qualified()} "{name}" not found', details=_details(kind, name))


class MethodNotAllowed(StatusError):
    code, reason = 405, "MethodNotAllowed"


class AlreadyExists(StatusError):
    code, reason = 409, "AlreadyExists"

    @classmethod
    def of(cls, kind, name):
        return cls(f'{kind.qualified()} "{name}" already exists', details=_details(kind, name))


class Conflict(StatusError):
    code, reason = 409, "Conflict"

    @classmethod
    def of(cls, kind, name, why):
        return cls(f'Operation cannot be fulfilled on {kind.qualified()} "{name}": {why}',
                   details=_details(kind, name))

    @classmethod
    def stale(cls, kind, name):
        return cls.of(kind, name, "the object has been modified; please apply your changes to the "
                                  "latest version and try again")


class Gone(StatusError):
    """A watch or list from a resourceVersion the change log no longer holds."""
    code, reason = 410, "Expired"


class RequestEntityTooLarge(StatusError):
    code, reason = 413, "RequestEntityTooLarge"


class UnsupportedMediaType(StatusError):
    code, reason = 415, "UnsupportedMediaType"


class Invalid(StatusError):
    """422 with one cause per bad field, e.g. `spec.replicas: Invalid value: -1: must be ...`."""
    code, reason = 422, "Invalid"

    def __init__(self, kind, name, causes):
        self.causes = list(causes)
        summary = ", ".join(f"{c['field']}: {c['message']}" if c.get("field") else c["message"]
                            for c in self.causes)
        if len(self.causes) > 1:
            summary = f"[{summary}]"
        details = {**_details(kind, name), "kind": kind.kind, "causes": self.causes}
        super().__init__(f'{kind.qualified_kind()} "{name}" is invalid: {summary}', details=details)


class Forbidden(StatusError):
    code, reason = 403, "Forbidden"

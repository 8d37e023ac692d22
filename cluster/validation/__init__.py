"""Validation of API objects: the Kubernetes OpenAPI schemas, then the semantic rules."""


def validate(kind, obj, old=None, subresource=None):
    """Raise errors.Invalid listing every bad field of `obj` (an update when `old` is given)."""

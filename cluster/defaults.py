"""Defaulting, as kube-apiserver fills in what a manifest leaves out."""


def apply(kind, obj):
    """Fill in defaults in place."""

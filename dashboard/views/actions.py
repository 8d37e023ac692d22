"""STUB: being written."""
from django.http import Http404



def scale(request, *args, **kwargs):
    raise Http404("not yet")


def delete(request, *args, **kwargs):
    raise Http404("not yet")


def restart(request, *args, **kwargs):
    raise Http404("not yet")


def add_node(request, *args, **kwargs):
    raise Http404("not yet")


def node(request, *args, **kwargs):
    raise Http404("not yet")


def clock(request, *args, **kwargs):
    raise Http404("not yet")


def reset(request, *args, **kwargs):
    raise Http404("not yet")


def undo(request, *args, **kwargs):
    raise Http404("not yet")

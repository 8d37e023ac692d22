"""STUB: being written."""
from django.http import Http404



def object_list(request, *args, **kwargs):
    raise Http404("not yet")


def describe(request, *args, **kwargs):
    raise Http404("not yet")


def logs(request, *args, **kwargs):
    raise Http404("not yet")


def scheduling(request, *args, **kwargs):
    raise Http404("not yet")


def history(request, *args, **kwargs):
    raise Http404("not yet")

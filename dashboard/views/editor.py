"""STUB: being written."""
from django.http import Http404



def editor(request, *args, **kwargs):
    raise Http404("not yet")


def validate(request, *args, **kwargs):
    raise Http404("not yet")


def apply(request, *args, **kwargs):
    raise Http404("not yet")


def upload(request, *args, **kwargs):
    raise Http404("not yet")


def example(request, *args, **kwargs):
    raise Http404("not yet")


def edit(request, *args, **kwargs):
    raise Http404("not yet")

"""STUB: being written."""
from django.http import Http404



def home(request, *args, **kwargs):
    raise Http404("not yet")


def events(request, *args, **kwargs):
    raise Http404("not yet")

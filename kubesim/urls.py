from django.urls import include, path

urlpatterns = [
    path("", include("cluster.api.urls")),
]

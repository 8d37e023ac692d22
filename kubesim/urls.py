from django.urls import include, path

urlpatterns = [
    path("", include("cluster.api.urls")),
    path("", include("dashboard.urls")),
]

handler400 = "cluster.api.responses.bad_request"
handler500 = "cluster.api.responses.server_error"

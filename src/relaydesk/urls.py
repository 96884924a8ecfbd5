from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from relaydesk.core.views import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="agent:dashboard"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("agent/", include("relaydesk.agent.urls")),
]

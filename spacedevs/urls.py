"""Every resource under LL2's canonical `/2.3.0/` prefix, and the same views unversioned."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from agencies.urls import routes as agency_routes
from astronauts.urls import routes as astronaut_routes
from config.urls import routes as config_routes
from events.urls import routes as event_routes
from launches.urls import routes as launch_routes
from programs.urls import routes as program_routes
from spacestations.urls import routes as spacestation_routes

from .api.errors import json_bad_request, json_forbidden, json_not_found, json_server_error

router = DefaultRouter()
for prefix, viewset, basename in (
    *event_routes,
    *agency_routes,
    *launch_routes,
    *program_routes,
    *spacestation_routes,
    *astronaut_routes,
    *config_routes,
):
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("2.3.0/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("2.3.0/swagger/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger"),
    path("2.3.0/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("2.3.0/", include(router.urls)),
    path("admin/", admin.site.urls),
    # Unversioned aliases; links in responses always use the canonical /2.3.0/ form.
    path("", include((router.urls, "unversioned"))),
]

handler400 = json_bad_request
handler403 = json_forbidden
handler404 = json_not_found
handler500 = json_server_error

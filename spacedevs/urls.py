"""Every resource under LL2's canonical `/2.3.0/` prefix, and the same views unversioned."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import DefaultRouter, SimpleRouter

from agencies.routes import routes as agency_routes
from astronauts.routes import routes as astronaut_routes
from config.routes import routes as config_routes
from events.routes import routes as event_routes
from launches.routes import routes as launch_routes
from programs.routes import routes as program_routes
from spacestations.routes import routes as spacestation_routes

from .api.docs import RedocView, SchemaView, SwaggerView
from .api.errors import json_bad_request, json_forbidden, json_server_error, not_found
from .api.root import APIRootView
from .api.throttle import APIThrottleView
from .api.versions import API_VERSION
from .throttling import throttled_login

# Each app's (prefix, viewset, basename) routes. Ids match only digits or UUIDs, so the order is free.
ROUTES = [
    *event_routes,
    *agency_routes,
    *launch_routes,
    *program_routes,
    *spacestation_routes,
    *astronaut_routes,
    *config_routes,
]


def api_router(routes):
    router = DefaultRouter()
    router.APIRootView = APIRootView
    for prefix, viewset, basename in routes:
        router.register(prefix, viewset, basename=basename)
    return router


router = api_router(ROUTES)

# LL2's singular event paths of earlier versions, which installed clients still call (pylaunches, nextinspace,
# skylab): the same views and 2.3.0 shapes, `url`s in the canonical form, and the trailing slash optional
# (a client that sends none may not follow a redirect).
LEGACY_VERSIONS = ["2.2.0", "2.1.0", "2.0.0"]
legacy_router = SimpleRouter()
legacy_router.trailing_slash = "/?"  # DRF's constructor takes only a yes or no
for prefix, viewset, basename in event_routes:
    legacy_router.register(prefix.replace("events", "event", 1), viewset, basename=basename)

urlpatterns = [
    path(f"{API_VERSION}/schema/", SchemaView.as_view(), name="schema"),
    path(f"{API_VERSION}/swagger/", SwaggerView.as_view(url_name="schema"), name="swagger"),
    path(f"{API_VERSION}/redoc/", RedocView.as_view(url_name="schema"), name="redoc"),
    path(f"{API_VERSION}/api-throttle/", APIThrottleView.as_view(), name="api-throttle"),
    path(f"{API_VERSION}/", include(router.urls)),
    # Unversioned aliases; links in responses always use the canonical /2.3.0/ form.
    path("api-throttle/", APIThrottleView.as_view()),
    path("", include((router.urls, "unversioned"))),
    *(path(f"{version}/", include((legacy_router.urls, f"legacy-{version}"))) for version in LEGACY_VERSIONS),
]

if settings.ADMIN_ENABLED:
    urlpatterns += [
        path("admin/login/", throttled_login(admin.site.login)),
        path("admin/", admin.site.urls),
    ]

handler400 = json_bad_request
handler403 = json_forbidden
handler404 = not_found
handler500 = json_server_error

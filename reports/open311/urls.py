"""Open311 GeoReport v2 under /open311/v2/: every resource as .json or .xml (the spec's URL suffix)."""

from django.urls import re_path

from . import api

app_name = "open311"

# The kwarg is `fmt`, not DRF's `format`: DRF leaves `.{format}` paths out of the OpenAPI schema.
FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^v2/discovery" + FORMAT, api.DiscoveryView.as_view(), name="discovery"),
    re_path(r"^v2/services" + FORMAT, api.ServiceListView.as_view(), name="services"),
    re_path(
        r"^v2/services/(?P<service_code>[-\w]+)" + FORMAT, api.ServiceDefinitionView.as_view(), name="service"
    ),
    re_path(r"^v2/requests" + FORMAT, api.RequestListView.as_view(), name="requests"),
    re_path(
        r"^v2/requests/(?P<service_request_id>[0-9]{1,18})" + FORMAT,
        api.RequestDetailView.as_view(),
        name="request",
    ),
    re_path(r"^v2/tokens/(?P<token>[^/]{1,100})" + FORMAT, api.TokenView.as_view(), name="token"),
    # Last: any other path under v2/ gets the spec's error list (XML when it ends in .xml), not HTML.
    re_path(r"^v2/(?P<rest>.*?)(?:\.(?P<fmt>json|xml))?$", api.UnknownPathView.as_view(), name="unknown"),
]

"""Pieces shared by the reports API views: authentication order, permission, pagination.

A Django ValidationError raised by a service becomes a 400 in geo.api.exception_handler.
"""

from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView
from rest_framework_gis.pagination import GeoJsonPagination

from .. import access
from ..throttles import ThrottleMessageMixin

# Token first: an anonymous request to a protected endpoint gets 401 with WWW-Authenticate: Token.
AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class IsInstitutional(BasePermission):
    """Locality staff, analysts, moderators and admins (the staff workbench)."""

    message = "Esta sección es solo para funcionarios (alcaldías locales, Secretaría, moderación)."

    def has_permission(self, request, view):
        return access.is_staff_role(request.user)


class ReportPagination(GeoJsonPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_paginated_response_schema(self, view):
        # drf-spectacular wraps list examples in the page envelope only when every envelope field
        # carries an example value; GeoJsonPagination leaves `type` without one.
        schema = super().get_paginated_response_schema(view)
        schema["properties"]["type"]["example"] = "FeatureCollection"
        return schema


class BaseView(ThrottleMessageMixin, APIView):
    authentication_classes = AUTHENTICATION

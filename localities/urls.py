"""Territory API, included at /api/ by geo/urls.py."""

from django.urls import path

from . import api

urlpatterns = [
    path("localities/", api.LocalityListView.as_view(), name="locality-list"),
    path("localities/<str:code>/", api.LocalityDetailView.as_view(), name="locality-detail"),
    path("upz/", api.UpzListView.as_view(), name="upz-list"),
    path("locate/", api.LocateView.as_view(), name="locate"),
]

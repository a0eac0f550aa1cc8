"""Export URLs (included at /api/ by maps.urls)."""

from django.urls import path

from . import exports

urlpatterns = [
    path("exports/reports.<str:fmt>", exports.ReportExportView.as_view(), name="exports-reports"),
    path("exports/aggregates.<str:fmt>", exports.AggregateExportView.as_view(), name="exports-aggregates"),
]

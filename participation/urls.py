"""URLs of the participation API (mounted under /api/)."""

from django.urls import path, re_path

from . import api, api_staff

urlpatterns = [
    path("proposals/", api.ProposalListCreateView.as_view(), name="proposal-list"),
    path("proposals/<int:pk>/", api.ProposalDetailView.as_view(), name="proposal-detail"),
    path("proposals/<int:pk>/supports/", api.ProposalSupportView.as_view(), name="proposal-support"),
    path("proposals/<int:pk>/withdraw/", api.ProposalWithdrawView.as_view(), name="proposal-withdraw"),
    path("staff/proposals/<int:pk>/moderate/", api.ProposalModerateView.as_view(), name="proposal-moderate"),
    path("staff/sessions/", api_staff.StaffSessionListView.as_view(), name="staff-council-session-list"),
    path(
        "staff/sessions/<int:pk>/",
        api_staff.StaffSessionDetailView.as_view(),
        name="staff-council-session-detail",
    ),
    path(
        "staff/sessions/<int:pk>/agenda/proposals/",
        api_staff.StaffAgendaProposalView.as_view(),
        name="staff-council-agenda-proposal",
    ),
    path(
        "staff/sessions/<int:pk>/agenda/figures/",
        api_staff.StaffAgendaFiguresView.as_view(),
        name="staff-council-agenda-figures",
    ),
    path(
        "staff/sessions/<int:pk>/minutes/", api_staff.StaffMinutesView.as_view(), name="staff-council-minutes"
    ),
    path(
        "staff/sessions/<int:pk>/commitments/",
        api_staff.StaffCommitmentCreateView.as_view(),
        name="staff-council-commitment-create",
    ),
    path(
        "staff/commitments/",
        api_staff.StaffCommitmentListView.as_view(),
        name="staff-council-commitment-list",
    ),
    path(
        "staff/commitments/<int:pk>/",
        api_staff.StaffCommitmentDetailView.as_view(),
        name="staff-council-commitment-detail",
    ),
    path(
        "staff/commitments/<int:pk>/progress/",
        api_staff.StaffCommitmentProgressView.as_view(),
        name="staff-council-commitment-progress",
    ),
    path("accountability/", api.AccountabilityView.as_view(), name="accountability"),
    path("accountability/localities.csv", api.AccountabilityCsvView.as_view(), name="accountability-csv"),
    re_path(
        r"^accountability/commitments\.(?P<fmt>geojson|csv)$",
        api.CommitmentExportView.as_view(),
        name="accountability-commitments",
    ),
    re_path(
        r"^accountability/(?P<code>\d{2})/$",
        api.AccountabilityLocalityView.as_view(),
        name="accountability-locality",
    ),
    path("pulse/", api.PulseView.as_view(), name="pulse"),
    path("pulse/map.geojson", api.PulseMapView.as_view(), name="pulse-map"),
    path("sessions/<int:pk>/calendar.ics", api.SessionCalendarView.as_view(), name="session-calendar"),
]

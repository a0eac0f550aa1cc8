"""Staff API of the councils: permission matrix of every endpoint × every role, every transition of
sessions, agenda, minutes and commitments, and bad input answered with a 400 and Spanish field errors.

Fixtures: `s01`/`s02` sessions of localities 01/02, an open proposal of 01, and a commitment of each
session. Staff of one locality get 404 for the other's rows; analysts read everything and write
nothing (403); moderators and citizens 403; anonymous 401.
"""

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from participation import services
from participation.models import (
    AgendaItem,
    Commitment,
    CommitmentUpdate,
    CouncilSession,
    Proposal,
    SessionAttachment,
)
from tests.reports.conftest import client_for
from tests.reports.factories import POINT_01, POINT_02, make_report, make_user

from .conftest import AREA_01, AREA_ACROSS

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "citizen", "other_citizen", "staff_01", "staff_02", "analyst", "moderator", "admin"]
AREA_02 = {
    "type": "Polygon",
    "coordinates": [
        [[-74.080, 4.560], [-74.075, 4.560], [-74.075, 4.565], [-74.080, 4.565], [-74.080, 4.560]]
    ],
}


@pytest.fixture(autouse=True)
def _clear_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _session(users, code, **extra):
    return services.session_create(
        actor=users[f"staff_{code}"],
        locality_code=code,
        title=f"Consejo {code}",
        starts_at=timezone.now() + timedelta(days=7),
        place_name="Salón comunal",
        **extra,
    )


@pytest.fixture
def ctx(territory, users, proposal, media):
    s01, s02 = _session(users, "01"), _session(users, "02")
    c01 = services.commitment_create(
        session=s01, actor=users["staff_01"], text="Poda", responsible="uaesp", due_date=timezone.localdate()
    )
    c02 = services.commitment_create(
        session=s02,
        actor=users["staff_02"],
        text="Cámaras",
        responsible="policia",
        due_date=timezone.localdate(),
    )
    return {"s01": s01.pk, "s02": s02.pk, "c01": c01.pk, "c02": c02.pk, "p01": proposal.pk}


def expect(**by_role):
    """Expected status per role; `read` = staff of the row's locality, analyst and admin; `rest` the others."""
    rest = by_role.pop("rest", 403)
    return {role: by_role.get(role, rest) for role in ROLES}


READ_OWN = expect(anonymous=401, staff_01=200, analyst=200, admin=200, staff_02=404)
READ_OTHER = expect(anonymous=401, staff_02=200, analyst=200, admin=200, staff_01=404)
READ_LIST = expect(anonymous=401, staff_01=200, staff_02=200, analyst=200, admin=200)


def WRITE_OWN(ok):
    return expect(anonymous=401, staff_01=ok, admin=ok, staff_02=404)


def _session_body(ctx):
    return {
        "locality": "01",
        "title": "Nueva",
        "starts_at": "2031-03-04T18:00:00-05:00",
        "place_name": "Salón",
    }


# (name, method, url, body factory, expected per role)
MATRIX = [
    ("session list", "get", "/api/staff/sessions/", None, READ_LIST),
    (
        "session create",
        "post",
        "/api/staff/sessions/",
        _session_body,
        expect(anonymous=401, staff_01=201, admin=201),
    ),
    ("session detail", "get", "/api/staff/sessions/{s01}/", None, READ_OWN),
    ("session detail other", "get", "/api/staff/sessions/{s02}/", None, READ_OTHER),
    ("session update", "patch", "/api/staff/sessions/{s01}/", lambda c: {"capacity": 80}, WRITE_OWN(200)),
    (
        "agenda proposal",
        "post",
        "/api/staff/sessions/{s01}/agenda/proposals/",
        lambda c: {"proposal": c["p01"]},
        WRITE_OWN(201),
    ),
    ("agenda figures", "post", "/api/staff/sessions/{s01}/agenda/figures/", None, WRITE_OWN(201)),
    (
        "minutes",
        "post",
        "/api/staff/sessions/{s01}/minutes/",
        lambda c: {"minutes": "Acta", "attendance": 12, "outcomes": []},
        WRITE_OWN(200),
    ),
    (
        "commitment create",
        "post",
        "/api/staff/sessions/{s01}/commitments/",
        lambda c: {"text": "Luces", "responsible": "uaesp", "due_date": "2031-01-31"},
        WRITE_OWN(201),
    ),
    ("commitment list", "get", "/api/staff/commitments/", None, READ_LIST),
    ("commitment detail", "get", "/api/staff/commitments/{c01}/", None, READ_OWN),
    ("commitment detail other", "get", "/api/staff/commitments/{c02}/", None, READ_OTHER),
    (
        "progress",
        "post",
        "/api/staff/commitments/{c01}/progress/",
        lambda c: {"percent": 40, "note": "Avanza"},
        WRITE_OWN(201),
    ),
    (
        "progress other",
        "post",
        "/api/staff/commitments/{c02}/progress/",
        lambda c: {"percent": 40, "note": "Avanza"},
        expect(anonymous=401, staff_02=201, admin=201, staff_01=404),
    ),
]


def _state():
    return (
        list(CouncilSession.objects.order_by("pk").values_list("pk", "capacity", "minutes_published_at")),
        AgendaItem.objects.count(),
        list(Commitment.objects.order_by("pk").values_list("pk", "progress")),
        CommitmentUpdate.objects.count(),
        list(Proposal.objects.values_list("pk", "status")),
    )


@pytest.mark.parametrize(
    ("name", "method", "url", "make_body", "expected"), MATRIX, ids=[m[0] for m in MATRIX]
)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(ctx, users, name, method, url, make_body, expected, role):
    before = _state()
    body = make_body(ctx) if make_body else None
    response = getattr(client_for(users[role]), method)(url.format(**ctx), body, format="json")
    assert response.status_code == expected[role], (role, name, response.content[:300])
    if response.status_code >= 400:
        assert _state() == before  # a refused request changes nothing
        assert response.json()["detail"]


def test_lists_are_scoped_to_the_callers_localities(ctx, users):
    def ids(role, what):
        return {row["id"] for row in client_for(users[role]).get(f"/api/staff/{what}/").json()}

    assert ids("staff_01", "sessions") == {ctx["s01"]} and ids("staff_02", "sessions") == {ctx["s02"]}
    assert ids("analyst", "sessions") == {ctx["s01"], ctx["s02"]} == ids("admin", "sessions")
    assert ids("staff_01", "commitments") == {ctx["c01"]}
    assert ids("analyst", "commitments") == {ctx["c01"], ctx["c02"]}
    only = client_for(users["analyst"]).get("/api/staff/sessions/", {"locality": "02"}).json()
    assert [row["id"] for row in only] == [ctx["s02"]]
    assert client_for(users["analyst"]).get("/api/staff/sessions/", {"locality": "x"}).status_code == 400


def test_staff_of_two_localities_and_a_multi_locality_create(territory, users):
    both = make_user("ambas", role="locality_staff", localities=["01", "02"])
    response = client_for(both).post(
        "/api/staff/sessions/", {**_session_body(None), "locality": "02"}, format="json"
    )
    assert response.status_code == 201 and response.json()["locality"] == "02"


# --- sessions -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": ""}, "title"),
        ({"starts_at": "mañana"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00:00Z"}, "starts_at"),
        ({"ends_at": "2031-03-04T17:00:00-05:00"}, "ends_at"),
        ({"ends_at": "2031-03-05T18:00:00-05:00"}, "ends_at"),
        ({"place_name": "", "virtual_url": ""}, "place_name"),
        ({"virtual_url": "ftp://reunion.example.org/x"}, "virtual_url"),
        ({"lon": -74.07}, "place"),
        ({"lon": 1e300, "lat": 4.6}, "place"),
        ({"lon": -74.07, "lat": "norte"}, "lat"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": "muchas"}, "capacity"),
        ({"period_days": 2}, "period_days"),
        ({"locality": "1"}, "locality"),
        ({"locality": "99"}, "locality"),
        ({"public": "quizá"}, "public"),
    ],
)
def test_session_create_bad_input_is_a_spanish_field_error(territory, users, change, field):
    body = {**_session_body(None), **change}
    response = client_for(users["admin"]).post("/api/staff/sessions/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert response.json()["detail"] == "Datos inválidos. Revise los campos indicados."
    assert CouncilSession.objects.count() == 0


def test_session_create_with_place_point_virtual_link_and_restricted(territory, users):
    body = {
        **_session_body(None),
        "lon": POINT_01[0],
        "lat": POINT_01[1],
        "virtual_url": "https://reunion.example.org/consejo",
        "public": False,
        "capacity": 30,
    }
    data = client_for(users["staff_01"]).post("/api/staff/sessions/", body, format="json").json()
    assert data["place"] == {"type": "Point", "coordinates": list(POINT_01)}
    assert data["public"] is False and data["capacity"] == 30 and data["registrations"] == 0
    assert data["virtual_url"] == "https://reunion.example.org/consejo"
    assert data["ends_at"].startswith("2031-03-04T20:00")  # two hours by default
    # A restricted session has no public page nor calendar file.
    assert client_for(None).get(f"/api/sessions/{data['id']}/calendar.ics").status_code == 404


def test_session_update_keeps_what_is_not_sent_and_refuses_bad_changes(ctx, users):
    client = client_for(users["staff_01"])
    url = f"/api/staff/sessions/{ctx['s01']}/"
    before = client.get(url).json()
    data = client.patch(url, {"title": "Consejo de enero", "lon": -74.07, "lat": 4.62}, format="json").json()
    assert data["title"] == "Consejo de enero" and data["place"]["coordinates"] == [-74.07, 4.62]
    assert data["starts_at"] == before["starts_at"] and data["capacity"] == before["capacity"]
    later = client.patch(url, {"starts_at": "2031-05-01T18:00:00-05:00"}, format="json").json()
    assert later["ends_at"].startswith("2031-05-01T20:00")  # the duration is kept
    removed = client.patch(url, {"lon": None, "lat": None}, format="json").json()
    assert removed["place"] is None and removed["title"] == "Consejo de enero"
    session = CouncilSession.objects.get(pk=ctx["s01"])
    services.session_register(session=session, user=users["citizen"])
    services.session_register(session=session, user=users["other_citizen"])
    too_small = client.patch(url, {"capacity": 1}, format="json")
    assert too_small.status_code == 400 and "2 personas inscritas" in too_small.json()["capacity"][0]
    assert client.patch(url, {"title": "  "}, format="json").status_code == 400
    services.session_minutes(
        session=session, actor=users["staff_01"], minutes="Acta", attendance=3, outcomes={}
    )
    closed = client.patch(url, {"title": "Otro"}, format="json")
    assert closed.status_code == 400 and "acta ya se publicó" in closed.json()["session"][0]


# --- agenda --------------------------------------------------------------------------------------------
def test_agenda_proposal_transitions_and_refusals(ctx, users, territory):
    client = client_for(users["staff_01"])
    url = f"/api/staff/sessions/{ctx['s01']}/agenda/proposals/"
    added = client.post(url, {"proposal": ctx["p01"]}, format="json")
    assert added.status_code == 201
    item = added.json()
    assert item["kind"] == "proposal" and item["snapshot"]["title"] == "Iluminación del parque"
    assert Proposal.objects.get(pk=ctx["p01"]).status == "selected"
    again = client.post(url, {"proposal": ctx["p01"]}, format="json")
    assert again.status_code == 400 and "abierta" in again.json()["proposal"][0]
    assert client.post(url, {"proposal": 999999}, format="json").json()["proposal"] == [
        "No existe una propuesta con ese número."
    ]
    assert "proposal" in client.post(url, {"proposal": "uno"}, format="json").json()
    south = services.proposal_create(
        author=users["citizen"], title="Sur", body="b", group="seguridad", where="upz", upz_code="2"
    )
    other = client.post(url, {"proposal": south.pk}, format="json")
    assert other.status_code == 400 and other.json()["proposal"] == ["La propuesta no es de esta localidad."]
    # The same proposal cannot sit on a second session's agenda at once.
    s01b = _session(users, "01")
    busy = client.post(
        f"/api/staff/sessions/{s01b.pk}/agenda/proposals/", {"proposal": ctx["p01"]}, format="json"
    )
    assert busy.status_code == 400


def test_agenda_figures_are_a_snapshot_replaced_on_repeat(ctx, users, hurto):
    for _ in range(3):
        make_report(category=hurto, lonlat=POINT_01)
    client = client_for(users["staff_01"])
    url = f"/api/staff/sessions/{ctx['s01']}/agenda/figures/"
    first = client.post(url)
    assert first.status_code == 201
    kinds = [row["kind"] for row in first.json()]
    assert kinds == ["stats", "hotspots"]
    stats = first.json()[0]["snapshot"]
    assert stats["period"]["date_to"] == timezone.localdate().isoformat() and "taken_at" in stats
    assert client.post(url).status_code == 201
    detail = client.get(f"/api/staff/sessions/{ctx['s01']}/").json()
    assert [a["kind"] for a in detail["agenda"]] == ["stats", "hotspots"]  # replaced, not added


# --- minutes -------------------------------------------------------------------------------------------
def _png(name="acta.png", size=(40, 30)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 60)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _with_agenda(ctx, users):
    session = CouncilSession.objects.get(pk=ctx["s01"])
    item = services.agenda_add_proposal(
        session=session, proposal=Proposal.objects.get(pk=ctx["p01"]), actor=users["staff_01"]
    )
    figures = services.agenda_add_figures(session=session, actor=users["staff_01"])
    return session, item, figures


def test_minutes_in_multipart_with_outcomes_and_a_photo(ctx, users, media):
    import json

    session, item, figures = _with_agenda(ctx, users)
    outcomes = [{"item": item.pk, "outcome": "declined", "note": "No es competencia del consejo."}] + [
        {"item": f.pk, "outcome": "discussed"} for f in figures
    ]
    response = client_for(users["staff_01"]).post(
        f"/api/staff/sessions/{session.pk}/minutes/",
        {
            "minutes": "Se revisaron las cifras.",
            "attendance": "31",
            "outcomes": json.dumps(outcomes),
            "attachments": [_png()],
        },
        format="multipart",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["attendance"] == 31 and data["minutes_published_at"]
    assert [a["outcome"] for a in data["agenda"]] == ["declined", "discussed", "discussed"]
    assert len(data["attachments"]) == 1 and data["attachments"][0]["url"].endswith(".jpg")
    proposal = Proposal.objects.get(pk=ctx["p01"])
    assert proposal.status == "declined" and proposal.public_reason == "No es competencia del consejo."
    assert [h.to_status for h in proposal.history.all()] == ["open", "selected", "discussed", "declined"]
    twice = client_for(users["staff_01"]).post(
        f"/api/staff/sessions/{session.pk}/minutes/",
        {"minutes": "Otra", "attendance": 1, "outcomes": []},
        format="json",
    )
    assert twice.status_code == 400 and twice.json()["minutes"] == ["El acta de esta sesión ya se publicó."]
    closed = client_for(users["staff_01"]).post(f"/api/staff/sessions/{session.pk}/agenda/figures/")
    assert closed.status_code == 400 and "session" in closed.json()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"minutes": "", "attendance": 3}, "minutes"),
        ({"minutes": "Acta", "attendance": -1}, "attendance"),
        ({"minutes": "Acta", "attendance": "muchos"}, "attendance"),
        ({"minutes": "Acta", "attendance": 3, "outcomes": "no es json"}, "outcomes"),
        ({"minutes": "Acta", "attendance": 3, "outcomes": [{"item": 1, "outcome": "pending"}]}, "outcomes"),
        ({"minutes": "Acta", "attendance": 3, "outcomes": []}, "outcomes"),  # items without an outcome
        ({"minutes": "Acta", "attendance": 3, "outcomes": "DECLINE_WITHOUT_NOTE"}, "outcomes"),
    ],
)
def test_minutes_bad_input(ctx, users, body, field):
    session, item, figures = _with_agenda(ctx, users)
    body = dict(body)
    if body.get("outcomes") == "DECLINE_WITHOUT_NOTE":
        body["outcomes"] = [{"item": item.pk, "outcome": "declined"}] + [
            {"item": f.pk, "outcome": "discussed"} for f in figures
        ]
    body.setdefault("outcomes", [])
    response = client_for(users["staff_01"]).post(
        f"/api/staff/sessions/{session.pk}/minutes/", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    session.refresh_from_db()
    assert session.minutes_published_at is None and Proposal.objects.get(pk=ctx["p01"]).status == "selected"


def test_minutes_attachment_that_is_not_an_image(ctx, users, media):
    response = client_for(users["staff_01"]).post(
        f"/api/staff/sessions/{ctx['s01']}/minutes/",
        {
            "minutes": "Acta",
            "attendance": 3,
            "outcomes": "[]",
            "attachments": [SimpleUploadedFile("a.png", b"no soy una imagen", content_type="image/png")],
        },
        format="multipart",
    )
    assert response.status_code == 400 and "attachments" in response.json()
    assert SessionAttachment.objects.count() == 0
    assert CouncilSession.objects.get(pk=ctx["s01"]).minutes_published_at is None


# --- commitments -----------------------------------------------------------------------------------------
def _commitment_url(ctx):
    return f"/api/staff/sessions/{ctx['s01']}/commitments/"


def test_commitment_with_area_answers_the_agenda_proposal_and_a_report(ctx, users, hurto):
    session, item, _figures = _with_agenda(ctx, users)
    report = make_report(category=hurto, lonlat=POINT_01)
    body = {
        "text": "Instalar 12 luminarias",
        "responsible": "uaesp",
        "due_date": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "proposals": [ctx["p01"]],
        "reports": [report.pk],
        "area": AREA_01,
    }
    response = client_for(users["staff_01"]).post(_commitment_url(ctx), body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["geometry"]["type"] == "MultiPolygon" and data["status"] == "on_track"
    assert data["proposals"] == [ctx["p01"]] and data["reports"] == [report.pk]
    assert Proposal.objects.get(pk=ctx["p01"]).status == "accepted"
    item.refresh_from_db()
    assert item.outcome == "accepted"
    point = client_for(users["staff_01"]).post(
        _commitment_url(ctx),
        {**body, "proposals": [], "area": None, "lon": POINT_01[0], "lat": POINT_01[1]},
        format="json",
    )
    assert point.status_code == 201 and point.json()["geometry"] == {
        "type": "Point",
        "coordinates": list(POINT_01),
    }


@pytest.mark.parametrize(
    "change, field",
    [
        ({"text": ""}, "text"),
        ({"responsible": "bomberos-de-marte"}, "responsible"),
        ({"due_date": "31/12/2031"}, "due_date"),
        ({"due_date": "9999-12-31"}, "due_date"),
        ({"proposals": ["PROPOSAL_NOT_ON_AGENDA"]}, "proposals"),
        ({"reports": [999999]}, "reports"),
        ({"area": {"type": "Polygon"}}, "area"),
        ({"area": "{no es geojson"}, "area"),
        ({"area": AREA_02}, "area"),  # inside Bogotá but in locality 02
        ({"area": {"type": "Point", "coordinates": list(POINT_01)}}, "area"),
        ({"lon": POINT_02[0], "lat": POINT_02[1]}, "point"),
        ({"lon": -74.07}, "point"),
        ({"lon": 1e300, "lat": 4.62}, "point"),
        ({"lon": POINT_01[0], "lat": POINT_01[1], "area": AREA_01}, "area"),
    ],
)
def test_commitment_bad_input_is_a_spanish_field_error(ctx, users, change, field):
    body = {"text": "Luces", "responsible": "uaesp", "due_date": "2031-01-31", **change}
    if body.get("proposals") == ["PROPOSAL_NOT_ON_AGENDA"]:
        body["proposals"] = [ctx["p01"]]
    before = Commitment.objects.count()
    response = client_for(users["staff_01"]).post(_commitment_url(ctx), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert Commitment.objects.count() == before


def test_an_area_across_the_border_is_accepted_for_both_localities(ctx, users):
    body = {"text": "Frontera", "responsible": "uaesp", "due_date": "2031-01-31", "area": AREA_ACROSS}
    assert client_for(users["staff_01"]).post(_commitment_url(ctx), body, format="json").status_code == 201


# --- progress and status ------------------------------------------------------------------------------------
def _progress(users, ctx, role="staff_01", fmt="json", **body):
    return client_for(users[role]).post(f"/api/staff/commitments/{ctx['c01']}/progress/", body, format=fmt)


def test_progress_then_done_then_closed(ctx, users, media):
    first = _progress(
        users, ctx, fmt="multipart", percent=30, note="Poda de 10 árboles", photo=_png("poda.png")
    )
    assert first.status_code == 201, first.content
    assert first.json()["photo"].endswith(".jpg") and first.json()["percent"] == 30
    detail = client_for(users["analyst"]).get(f"/api/staff/commitments/{ctx['c01']}/").json()
    assert detail["progress"] == 30 and detail["status"] == "on_track" and len(detail["updates"]) == 1
    done = _progress(users, ctx, percent=80, note="Terminado", status="done")
    assert done.status_code == 201
    commitment = Commitment.objects.get(pk=ctx["c01"])
    assert commitment.status == "done" and commitment.progress == 100 and commitment.done_at
    closed = _progress(users, ctx, percent=100, note="Otra vez")
    assert closed.status_code == 400 and closed.json()["status"] == ["El compromiso ya está cerrado."]


def test_hundred_percent_closes_and_dropped_needs_a_reason(ctx, users):
    missing = _progress(users, ctx, percent=10, note="Sin presupuesto", status="dropped")
    assert missing.status_code == 400 and "reason" in missing.json()
    assert Commitment.objects.get(pk=ctx["c01"]).status == "on_track"
    assert CommitmentUpdate.objects.count() == 0  # the refused update is not kept
    dropped = _progress(
        users, ctx, percent=10, note="Sin presupuesto", status="dropped", reason="No hubo recursos."
    )
    assert dropped.status_code == 201
    commitment = Commitment.objects.get(pk=ctx["c01"])
    assert commitment.status == "dropped" and commitment.drop_reason == "No hubo recursos."
    c02 = Commitment.objects.get(pk=ctx["c02"])
    full = client_for(users["staff_02"]).post(
        f"/api/staff/commitments/{c02.pk}/progress/", {"percent": 100, "note": "Listo"}, format="json"
    )
    assert full.status_code == 201
    c02.refresh_from_db()
    assert c02.status == "done"


def test_overdue_is_derived_from_the_due_date(ctx, users):
    Commitment.objects.filter(pk=ctx["c01"]).update(due_date=timezone.localdate() - timedelta(days=1))
    data = client_for(users["staff_01"]).get(f"/api/staff/commitments/{ctx['c01']}/").json()
    assert data["status"] == "overdue"
    assert _progress(users, ctx, percent=50, note="Retrasado pero avanza").status_code == 201


@pytest.mark.parametrize(
    "body, field",
    [
        ({"percent": 150, "note": "x"}, "percent"),
        ({"percent": -1, "note": "x"}, "percent"),
        ({"percent": "mucho", "note": "x"}, "percent"),
        ({"percent": 10, "note": ""}, "note"),
        ({"percent": 10, "note": "x", "status": "overdue"}, "status"),
    ],
)
def test_progress_bad_input(ctx, users, body, field):
    response = _progress(users, ctx, **body)
    assert response.status_code == 400 and field in response.json(), response.content
    assert CommitmentUpdate.objects.count() == 0


def test_progress_photo_that_is_not_an_image(ctx, users, media):
    bad = SimpleUploadedFile("f.jpg", b"GIF89a roto", content_type="image/jpeg")
    response = _progress(users, ctx, fmt="multipart", percent=10, note="Con foto", photo=bad)
    assert response.status_code == 400 and "photo" in response.json()
    assert CommitmentUpdate.objects.count() == 0


def test_outputs_carry_no_personal_data(ctx, users):
    users["citizen"].email = "vecina@example.org"
    users["citizen"].save()
    session = CouncilSession.objects.get(pk=ctx["s01"])
    services.session_register(session=session, user=users["citizen"])
    _progress(users, ctx, percent=5, note="Inicio")
    for url in (f"/api/staff/sessions/{ctx['s01']}/", f"/api/staff/commitments/{ctx['c01']}/"):
        text = client_for(users["analyst"]).get(url).content.decode()
        assert "vecina@example.org" not in text and "ciudadana" not in text and "func01" not in text

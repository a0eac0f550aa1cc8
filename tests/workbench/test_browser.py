"""The staff workbench in a real browser (Debian's headless Chromium, Playwright, axe-core), on the
official territory: a member of Chapinero's staff (locality 02) signs in, filters the queue, opens a
report with a photo, moves it in_review → referred → resolved with a public response, marks another as
duplicate; the reporter's tracking page then shows the new status and response. Chapinero's staff get
404 for a report of Suba (11). Moderation: a citizen's abuse notice reaches the moderator, who redacts
the description; the public page then shows only the redacted text.

Same harness as tests/web/test_browser.py (one threaded WSGI server on the test database, only
127.0.0.1, no console errors, axe serious/critical = none). Screenshots go to
$BROWSER_SCREENSHOT_DIR/workbench (default .local/screenshots/workbench).
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections

from tests.browser_support import browser_and_server
from tests.web.test_browser import AXE, DESKTOP, PHONE, Session

pytestmark = [pytest.mark.realdata, pytest.mark.django_db]

SHOTS = (
    Path(
        os.environ.get("BROWSER_SCREENSHOT_DIR") or Path(django_settings.BASE_DIR) / ".local" / "screenshots"
    )
    / "workbench"
)
MARKER = "prueba-gestion"
PASSWORD = "clave-de-gestion-77"
CHAPINERO = (-74.0632, 4.6487)  # Chapinero (locality 02)
SUBA = (-74.0836, 4.7415)  # Suba (locality 11)
PERSONAL = "Doña Marleny Cifuentes, celular 3109876543, deja la basura"
REDACTED = "[nombre], celular [teléfono], deja la basura"


def _jpeg(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 140, 90)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture(scope="module")
def office(real_territory, django_db_blocker):
    """Committed staff accounts and reports (removed afterwards): per viewport a report with a photo
    and a second one beside it in Chapinero; one in Suba; one with personal data for moderation."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from geo.spatial import make_point
    from reports.categories import categories_load
    from reports.models import Category, Report, Role, StaffProfile
    from reports.services import report_create

    User = get_user_model()
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
        assert name.startswith("test_"), f"refusing to write committed rows in {name!r}"
        before = set(Category.objects.values_list("pk", flat=True))
        categories_load()
        hurto = Category.objects.get(code="hurto")
        users = {}
        for role, codes in (("staff", ["02"]), ("moderator", [])):
            user = User.objects.create_user(username=f"{MARKER}-{role}", password=PASSWORD)
            StaffProfile.objects.create(
                user=user,
                role=Role.LOCALITY_STAFF if role == "staff" else Role.MODERATOR,
                locality_codes=codes,
            )
            users[role] = user

        def report(lonlat, description, **extra):
            return report_create(
                category=extra.pop("category", hurto),
                description=f"{MARKER} {description}",
                location=make_point(*lonlat),
                occurred_at=timezone.now(),
                **extra,
            )

        data = {"users": users}
        for i, width in enumerate((PHONE["width"], DESKTOP["width"])):
            at = (CHAPINERO[0] + i * 0.004, CHAPINERO[1])
            data[width] = {
                "photo": report(
                    at,
                    f"robo con foto {width}",
                    photos=[_jpeg("calle.jpg")],
                    contact={
                        "name": "Vecina",
                        "email": f"vecina-{width}@example.org",
                        "phone": "",
                        "consent": True,
                    },
                ),
                "twin": report((at[0] + 0.0004, at[1] + 0.0002), f"mismo robo {width}"),
            }
            assert data[width]["photo"].locality.code == "02"
        data["suba"] = report(SUBA, "robo en Suba", photos=[_jpeg("suba.jpg")])
        assert data["suba"].locality.code == "11"
        data["personal"] = report(
            (CHAPINERO[0], CHAPINERO[1] + 0.003),
            PERSONAL,
            category=Category.objects.get(code="basuras"),
        )
    yield data
    with django_db_blocker.unblock():
        assert connection.settings_dict["NAME"] == name
        Report.objects.filter(description__startswith=MARKER).delete()
        Report.objects.filter(description_original__startswith=MARKER).delete()
        User.objects.filter(username__startswith=MARKER).delete()
        Category.objects.exclude(pk__in=before).filter(reports__isnull=True).delete()


@pytest.fixture(scope="module")
def browser(office, django_db_blocker):
    with browser_and_server(django_db_blocker, shots=SHOTS, axe=AXE) as found:
        yield found


def _run_jobs_beside_playwright(jobs) -> None:
    """Run the deferred jobs on a thread of their own: Playwright's sync API keeps an event loop running
    on the test's thread, and procrastinate's worker needs its own loop."""
    failures: list[BaseException] = []

    def work():
        try:
            jobs.run()
        except BaseException as error:  # noqa: BLE001 - re-raised on the test's thread below
            failures.append(error)
        finally:
            connections.close_all()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "the jobs did not finish in 120 s"
    if failures:
        raise failures[0]


class Staff(Session):
    def shot(self, name):
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def sign_in(self, role):
        self.go("/gestion/entrar/")
        self.page.locator("#id_username").fill(f"{MARKER}-{role}")
        self.page.locator("#id_password").fill(PASSWORD)
        self.page.locator("main button[type=submit]").click()
        self.page.wait_for_load_state("networkidle")

    def no_overflow(self, width):
        assert self.page.evaluate("document.documentElement.scrollWidth") <= width, self.page.url


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_chapinero_staff_answer_refer_resolve_and_mark_a_duplicate(
    browser, office, viewport, jobs, mailoutbox, django_db_blocker
):
    from notifications.models import Notification
    from reports.models import Report

    chromium, base = browser
    width = viewport["width"]
    mine = office[width]
    s = Staff(chromium, base, viewport)
    s.go("/gestion/entrar/")
    s.shot(f"entrar-{width}")
    s.axe()
    s.sign_in("staff")
    assert s.page.url.endswith("/gestion/bandeja/")
    s.wait_map()
    s.shot(f"bandeja-{width}")
    s.axe()
    s.no_overflow(width)

    # Filter: reports with photos of the category 'hurto'.
    s.page.locator("#id_categoria").select_option("hurto")
    s.page.locator("#id_con_fotos").check()
    s.page.get_by_role("button", name="Filtrar").click()
    s.page.wait_for_url("**/gestion/bandeja/?*con_fotos=on*")
    s.wait_map()
    rows = s.page.locator("tbody tr").all_inner_texts()
    assert any(str(mine["photo"].pk) in r for r in rows)
    assert not any(str(mine["twin"].pk) in r.split("\t")[1:2] for r in rows)
    assert s.page.evaluate("window.conviveMap.queryRenderedFeatures({layers: ['reports']}).length") >= 1
    s.shot(f"bandeja-filtrada-{width}")
    s.axe()

    # The report with its photo, exact point and UPZ boundary.
    s.page.get_by_role("link", name=str(mine["photo"].pk), exact=True).click()
    s.page.wait_for_url(f"**/gestion/reportes/{mine['photo'].pk}/")
    s.wait_map()
    # The photo comes through the authenticated view (lazy-loaded: bring it into view, wait for it).
    s.page.locator(".wb-photos img").first.scroll_into_view_if_needed()
    s.page.wait_for_function(
        "() => { const i = document.querySelector('.wb-photos img'); return i && i.complete; }"
    )
    assert s.page.evaluate("document.querySelector('.wb-photos img').naturalWidth") > 0
    assert s.page.evaluate("!!window.conviveMap.getSource('upz')")
    s.shot(f"reporte-{width}")
    s.axe()
    s.no_overflow(width)

    def step(status, **fields):
        s.page.locator("#id_to_status").select_option(status)
        for field, value in fields.items():
            s.page.locator(f"#id_{field}").select_option(value) if field == "referred_to" else s.page.locator(
                f"#id_{field}"
            ).fill(value)
        s.page.locator("#do-transition").click()
        s.page.wait_for_load_state("networkidle")
        assert "Estado cambiado" in s.page.locator(".messages").inner_text(), s.page.locator(
            "main"
        ).inner_text()

    step("in_review")
    step("referred", referred_to="policia", note="Remitido al cuadrante")
    response_text = f"La Policía visitó el lugar ({width})."
    s.page.locator("#resp-body").fill(response_text)
    s.page.locator("#resp-public_0").check()
    s.page.locator("#do-respond").click()
    s.page.wait_for_load_state("networkidle")
    step("resolved")
    assert s.page.locator("#report-status").inner_text() == "Resuelto"
    s.shot(f"reporte-resuelto-{width}")
    s.axe()

    # The twin: one click marks it as a duplicate of the first.
    s.go(f"/gestion/reportes/{mine['twin'].pk}/")
    item = s.page.locator(".wb-nearby li", has_text=f"Reporte {mine['photo'].pk}")
    item.get_by_role("button").click()
    s.page.wait_for_load_state("networkidle")
    assert "duplicado" in s.page.locator(".messages").inner_text()
    s.shot(f"duplicado-{width}")
    twin = Report.objects.get(pk=mine["twin"].pk)
    assert twin.status == "duplicate" and twin.duplicate_of_id == mine["photo"].pk
    s.clean()
    s.close()

    # The reporter consented to be told: exactly one e-mail per change (three steps, one public
    # response), sent by the background job; running the jobs again sends nothing more.
    address = f"vecina-{width}@example.org"
    with django_db_blocker.unblock():
        recorded = Notification.objects.filter(report_id=mine["photo"].pk)
        assert recorded.count() == 4, list(recorded.values_list("kind", "event_id"))
        _run_jobs_beside_playwright(jobs)
        _run_jobs_beside_playwright(jobs)
        assert recorded.filter(state="sent").count() == 4
    to_reporter = [m for m in mailoutbox if m.to == [address]]
    assert len(to_reporter) == 4, [m.subject for m in to_reporter]
    assert all(mine["photo"].tracking_code in m.body for m in to_reporter)

    # The reporter's tracking page shows the new status and the public response.
    citizen = Session(chromium, base, viewport)
    citizen.go(f"/seguimiento/{mine['photo'].tracking_code}/")
    main = citizen.page.locator("main").inner_text()
    assert "Resuelto" in main and response_text in main and "Remitido" in main
    citizen.page.screenshot(path=str(SHOTS / f"seguimiento-{width}.png"), full_page=True)
    citizen.axe()
    citizen.clean()
    citizen.close()


def test_chapinero_staff_get_404_for_a_report_of_suba(browser, office):
    chromium, base = browser
    suba = office["suba"]
    s = Staff(chromium, base, DESKTOP)
    s.sign_in("staff")
    for path in (
        f"/gestion/reportes/{suba.pk}/",
        f"/gestion/reportes/{suba.pk}/fotos/{suba.photos.get().pk}/",
    ):
        response = s.page.goto(base + path)
        assert response.status == 404, path
    s.close()


def test_abuse_notice_then_redaction_hides_the_original_from_the_public_page(browser, office):
    from reports.models import AbuseReport

    chromium, base = browser
    report = office["personal"]
    citizen = Session(chromium, base, PHONE)
    citizen.go(f"/reportes/{report.pk}/")
    citizen.page.locator("#abuso summary").click()
    citizen.page.locator("#abuse-personal_data").check()
    citizen.page.get_by_role("button", name="Enviar aviso a moderación").click()
    citizen.page.wait_for_url("**abuso=enviado*")
    citizen.page.screenshot(path=str(SHOTS / "abuso-360.png"), full_page=True)
    citizen.axe()
    assert AbuseReport.objects.filter(report=report, resolved_at__isnull=True).count() == 1

    s = Staff(chromium, base, PHONE)
    s.sign_in("moderator")
    assert s.page.url.endswith("/gestion/moderacion/")
    s.shot("moderacion-360")
    s.axe()
    s.page.get_by_role("link", name=f"Reporte {report.pk}").first.click()
    s.page.wait_for_url(f"**/gestion/moderacion/{report.pk}/")
    s.page.locator("#id_description").fill(f"{MARKER} {REDACTED}")
    s.page.locator("#id_reason").fill("nombre y teléfono de una vecina")
    s.shot("moderar-360")
    s.axe()
    s.no_overflow(PHONE["width"])
    s.page.locator("#do-redact").click()
    s.page.wait_for_url("**/gestion/moderacion/")
    s.clean()
    s.close()

    citizen.go(f"/reportes/{report.pk}/")
    text = citizen.page.locator("main").inner_text()
    assert "[teléfono]" in text and "Marleny" not in text and "3109876543" not in text
    citizen.page.screenshot(path=str(SHOTS / "publico-editado-360.png"), full_page=True)
    citizen.clean()
    citizen.close()

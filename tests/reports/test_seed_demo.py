"""seed_demo on the official territory: marked, located, public points snapped, removable."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from maps.models import ReportCell
from reports.categories import categories_load
from reports.demo import DEMO_PREFIX
from reports.models import Report

pytestmark = [pytest.mark.django_db, pytest.mark.realdata]


@pytest.fixture
def ready(real_territory, bogota_data_dir):
    categories_load()
    return bogota_data_dir


def test_seed_creates_marked_located_reports_and_remove_deletes_them(ready, capsys):
    call_command("seed_demo", "--reports", "600", "--seed", "5", "--data-dir", str(ready))
    demo = Report.objects.filter(is_demo=True)
    count = demo.count()
    assert count == 600  # points that fell outside every locality are replaced by a top-up batch
    assert not demo.exclude(description__startswith=DEMO_PREFIX).exists()
    assert not demo.filter(locality__isnull=True).exists()
    assert demo.filter(upz__isnull=False).count() >= count * 0.95
    # Sensitive categories never get a public point; the others sit on the 100 m grid (EPSG:9377).
    assert not demo.filter(category__sensitive=True, public_location__isnull=False).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT max(abs(ST_X(p) - round(ST_X(p) / 100) * 100) + abs(ST_Y(p) - round(ST_Y(p) / 100) * 100))
            FROM (SELECT ST_Transform(public_location, 9377) p FROM reports_report
                  WHERE is_demo AND public_location IS NOT NULL) s
            """
        )
        assert cursor.fetchone()[0] < 0.05
        # Each point lies in its locality's polygon.
        cursor.execute(
            """
            SELECT count(*) FROM reports_report r JOIN localities_locality l ON l.id = r.locality_id
            WHERE r.is_demo AND NOT ST_Covers(l.geom, r.location)
            """
        )
        assert cursor.fetchone()[0] == 0
    # Plausible workflow: closed reports have a closing time after the first response.
    assert not demo.filter(closed_at__isnull=False, first_response_at__isnull=True).exists()
    assert demo.filter(status="resolved").exists() and demo.filter(status="received").exists()
    # Rollups refreshed.
    assert sum(ReportCell.objects.values_list("n", flat=True)) == count
    # --if-empty does nothing when reports exist.
    call_command("seed_demo", "--reports", "50", "--if-empty", "--data-dir", str(ready))
    assert Report.objects.count() == count
    call_command("seed_demo", "--remove")
    assert not Report.objects.filter(is_demo=True).exists()
    assert not ReportCell.objects.exists()
    assert "borrados" in capsys.readouterr().out


def test_more_reports_where_the_real_incidents_are(ready):
    call_command("seed_demo", "--reports", "3000", "--seed", "9", "--data-dir", str(ready))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.code, count(*) FROM reports_report r JOIN localities_locality l ON l.id = r.locality_id "
            "WHERE r.is_demo GROUP BY 1"
        )
        by_locality = dict(cursor.fetchall())
    # Kennedy (08) has far more 123 calls than La Candelaria (17) or Sumapaz (20).
    assert by_locality["08"] > 5 * by_locality.get("17", 0)
    assert by_locality["08"] > 10 * by_locality.get("20", 0)


def test_seed_without_data_dir_files_says_what_to_do(ready, tmp_path):
    with pytest.raises(CommandError, match="BOGOTA_DATA_DIR"):
        call_command("seed_demo", "--reports", "10", "--data-dir", str(tmp_path))
    assert not Report.objects.exists()

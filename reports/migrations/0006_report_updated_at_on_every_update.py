"""Every UPDATE of a report moves its updated_at, whichever path wrote it.

`auto_now` only runs in Model.save(); QuerySet.update() (the support counter, the first response
time, bulk changes, raw SQL) left updated_at behind, so the exports' ETag (geo.caching.data_version)
and the rollup's incremental pass (updated_at > watermark) missed those changes. A row trigger sets
updated_at to the statement's clock time when the UPDATE did not set it itself. Inserts are left to
auto_now (no trigger cost on the ingest path).
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION reports_report_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := clock_timestamp();
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER reports_report_touch_updated_at
    BEFORE UPDATE ON reports_report
    FOR EACH ROW EXECUTE FUNCTION reports_report_touch_updated_at();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS reports_report_touch_updated_at ON reports_report;
DROP FUNCTION IF EXISTS reports_report_touch_updated_at();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_report_updated_at_index"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

"""GiST indexes on the geography cast of the report points, used by `within_metres` (ST_DWithin in metres)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=[
                "CREATE INDEX IF NOT EXISTS report_location_geog ON reports_report USING GIST ((location::geography))",
                "CREATE INDEX IF NOT EXISTS report_public_location_geog ON reports_report "
                "USING GIST ((public_location::geography))",
            ],
            reverse_sql=[
                "DROP INDEX IF EXISTS report_location_geog",
                "DROP INDEX IF EXISTS report_public_location_geog",
            ],
        ),
    ]

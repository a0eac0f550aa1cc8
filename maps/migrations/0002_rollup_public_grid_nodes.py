"""The rollup's cells became public-grid nodes (reports.visibility): rebuild it once.

Rows written before counted reports by exact 100 m squares; serving them after this change would
keep the leak the change closes (issue 7), so they are replaced here rather than by the next write.
"""

from django.db import migrations


def rebuild(apps, schema_editor):
    from maps.services import rollups_refresh

    # The statistics rollup's tables come in 0003, which fills them.
    rollups_refresh(full=True, stats=False, blocks=False)


class Migration(migrations.Migration):
    dependencies = [
        ("maps", "0001_initial"),
        ("reports", "0002_location_geography_index"),
    ]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]

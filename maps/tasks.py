"""Background jobs of the maps app: the report rollups (maps_reportcell for the maps, maps_unitdaystat
and maps_unitdaycategorystat for the statistics) are refreshed here, never in a request. Report writes defer `refresh_rollups` when they commit (maps.services.rollups_refresh_enqueue:
one waiting job at most, so a burst of writes collapses into one refresh); a periodic job refreshes
when the rollup is older than MAPS_ROLLUP_MAX_AGE_SECONDS, in case a deferral was lost.
"""

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from . import services

QUEUE = "maps"
ROLLUP_LOCK = "maps-rollups"  # one refresh at a time; a write during a refresh queues one more


@app.task(
    name="maps.refresh_rollups",
    queue=QUEUE,
    lock=ROLLUP_LOCK,
    retry=RetryStrategy(max_attempts=5, exponential_wait=5),
)
def refresh_rollups() -> int:
    """Incremental refresh of the rollups (cells and statistics); returns the cell rows written."""
    return services.rollups_refresh().rows


@app.periodic(cron="* * * * *", periodic_id="safety")
@app.task(name="maps.refresh_rollups_if_due", queue=QUEUE, lock=ROLLUP_LOCK, queueing_lock="maps-rollups-due")
def refresh_rollups_if_due(timestamp: int) -> bool:
    """Every minute: refresh when the last refresh is older than MAPS_ROLLUP_MAX_AGE_SECONDS."""
    return services.rollups_refresh_if_due()

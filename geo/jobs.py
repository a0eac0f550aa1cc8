"""Deferring background jobs (procrastinate on PostgreSQL) at most once per queueing lock."""

from procrastinate import exceptions


def defer_once(task, *, lock: str, schedule_in: dict | None = None, **kwargs) -> bool:
    """Defer `task(**kwargs)` unless a job holding the queueing lock `lock` is already waiting (then
    False: that job does the same work). `schedule_in` (e.g. {"seconds": 2}): not to run before then."""
    try:
        task.configure(queueing_lock=lock, schedule_in=schedule_in).defer(**kwargs)
    except exceptions.AlreadyEnqueued:
        return False
    return True

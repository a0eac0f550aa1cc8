"""Deferring background jobs (procrastinate on PostgreSQL) at most once per queueing lock."""

from procrastinate import exceptions


def defer_once(task, *, lock: str, **kwargs) -> bool:
    """Defer `task(**kwargs)` unless a job holding the queueing lock `lock` is already waiting (then
    False: that job does the same work)."""
    try:
        task.configure(queueing_lock=lock).defer(**kwargs)
    except exceptions.AlreadyEnqueued:
        return False
    return True

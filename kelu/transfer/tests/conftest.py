import pytest


@pytest.fixture(autouse=True)
def background_work_at_once(monkeypatch):
    """Tests run in a transaction that never commits, so work queued "on commit" runs at once instead (the immediate
    task backend then runs it in the same process)."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())

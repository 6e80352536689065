"""Signals between apps that must not import each other."""

from django.dispatch import Signal

# Sent by bulk moves of related rows (merging and un-merging customers or contacts) that bypass the models' save():
# ``sender`` is the model (Customer or Contact), ``ids`` the records whose related rows changed. Apps that keep
# facts derived from those rows (last contacted, next follow-up) recompute them.
related_rows_moved = Signal()

# Sent when all records of one user are handed to another (someone leaving): ``from_user``, ``to_user``.
records_transferred = Signal()

"""What a long-running Kelu process does with the objects it starts with.

After start-up a Kelu process holds about 275,000 long-lived objects (Django, DRF, phonenumbers' metadata,
pypinyin's dictionaries). CPython's full collections walk every one of them, and requests that build many related
records (an API list page with prefetched contacts, points and tags) leave enough cyclic garbage behind to trigger
one every dozen pages: 150–240 ms each, measured on the benchmark's million-customer database. Moving the start-up
heap to the permanent generation (``gc.freeze``) takes it out of those walks; it also keeps gunicorn workers from
writing to, and so copying, memory pages they could share.
"""

import gc


def freeze_startup_heap() -> None:
    """Collect once, then set aside everything still alive; call when the process is ready to serve."""
    gc.collect()
    gc.freeze()

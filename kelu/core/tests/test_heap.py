"""The web process sets its start-up heap aside (kelu.core.heap), so full collections skip it."""

import os
import subprocess
import sys


def test_the_wsgi_application_freezes_what_start_up_loaded(tmp_path):
    code = "import gc, kelu.wsgi; print(gc.get_freeze_count())"
    env = {**os.environ, "KELU_DATA_DIR": str(tmp_path)}
    env.pop("KELU_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    assert int(out.strip().splitlines()[-1]) > 100_000

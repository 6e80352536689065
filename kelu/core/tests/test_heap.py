"""The web process tunes its garbage collector once started (kelu.core.heap)."""

import os
import subprocess
import sys


def test_the_wsgi_application_sets_its_start_up_heap_aside_and_collects_young_objects_less_often(tmp_path):
    code = "import gc, kelu.wsgi; print(gc.get_freeze_count(), gc.get_threshold()[0])"
    env = {**os.environ, "KELU_DATA_DIR": str(tmp_path)}
    env.pop("KELU_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    frozen, young = map(int, out.strip().splitlines()[-1].split())
    assert frozen > 100_000
    assert young == 50_000

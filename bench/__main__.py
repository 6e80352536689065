"""Benchmark suite: `make bench [BENCH_SIZE=N]`.

Builds a database of N demo customers with `kelu demo` on SQLite (and on PostgreSQL when KELU_BENCH_POSTGRES_URL is
set), then measures server-side latency of the hot pages in-process with Django's test client, and appends the
results to docs/benchmarks.md. Targets are checked here, never in the unit tests.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"


def kelu(env: dict[str, str], *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "kelu", "--json", *args], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def build(size: int, env: dict[str, str]) -> dict:
    kelu(env, "init")
    kelu(env, "user", "add", "bench_sales", "--role", "sales", "--team", "bench")
    kelu(env, "user", "add", "bench_manager", "--role", "manager", "--team", "bench")
    started = time.perf_counter()
    result = kelu(env, "demo", "--customers", str(size))
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    return result


def measure(env: dict[str, str], rounds: int) -> list[tuple[str, str, float, float]]:
    """Run in a child process so Django is configured for the benchmark's own database."""
    code = f"""
import json, os, statistics, time, django
os.environ["DJANGO_SETTINGS_MODULE"] = "kelu.settings"
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from kelu.accounts.models import User

def timed(client, url, rounds):
    client.get(url)  # warm caches
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]

results = []
with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["testserver"]):
    for username in ("admin", "bench_sales"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        cases = [
            ("minimal JSON view (ceiling, no DB)", "/bench/ping"),
            ("customer list, first page, sorted by name", "/customers/?sort=name"),
            ("customer list, filtered by name prefix", "/customers/?q=zh&sort=-updated"),
            ("API customers, first page (50)", "/api/v1/customers/"),
            ("contacts A–Z, letter Z", "/contacts/?letter=Z"),
        ]
        for label, url in cases:
            p50, p95 = timed(client, url, {rounds})
            results.append((username, label, p50, p95))
print(json.dumps(results))
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True).stdout
    return [tuple(row) for row in json.loads(out.strip().splitlines()[-1])]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    targets = [("SQLite", None)]
    if os.environ.get("KELU_BENCH_POSTGRES_URL"):
        targets.append(("PostgreSQL", os.environ["KELU_BENCH_POSTGRES_URL"]))
    lines = [
        f"\n## {datetime.datetime.now():%Y-%m-%d %H:%M} — {args.size:,} customers",
        f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Command: `make bench BENCH_SIZE={args.size}`. Latency is server-side (Django test client, in-process), "
        f"{args.rounds} rounds after one warm-up.\n",
    ]
    for name, url in targets:
        with tempfile.TemporaryDirectory(prefix="kelu-bench-") as data_dir:
            env = {**os.environ, "KELU_DATA_DIR": data_dir, "KELU_TESTING": "0"}
            env.pop("KELU_DATABASE_URL", None)
            if url:
                env["KELU_DATABASE_URL"] = url
            built = build(args.size, env)
            rows = measure(env, args.rounds)
        lines.append(f"\n### {name}\n")
        lines.append(
            f"`kelu demo --customers {args.size}`: {built.get('wall_seconds')} s "
            f"({json.dumps({k: v for k, v in built.items() if k != 'wall_seconds'}, ensure_ascii=False)})\n"
        )
        lines.append("| user | request | p50 ms | p95 ms |\n| --- | --- | ---: | ---: |")
        lines += [f"| {user} | {label} | {p50:.1f} | {p95:.1f} |" for user, label, p50, p95 in rows]
    text = "\n".join(lines) + "\n"
    REPORT.parent.mkdir(exist_ok=True)
    if not REPORT.exists():
        REPORT.write_text("# Benchmarks\n\nAppended by `make bench`; newest last. See bench/__main__.py.\n")
    with REPORT.open("a") as f:
        f.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

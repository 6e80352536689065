"""The `kelu` command: run, administer and script a Kelu installation.

Human-readable output by default, one JSON object with ``--json``; errors print one line and exit non-zero.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

EXIT_ERROR = 1
EXIT_USAGE = 2


class CLIError(Exception):
    """A problem the user can fix; printed as one line."""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kelu.settings")
    import django

    django.setup()


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    if args.json:
        print(json.dumps(data, ensure_ascii=False, default=str))
    else:
        print(text)


# --- commands -------------------------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    """Prepare the data directory and database; create the first admin on a fresh installation."""
    from django.conf import settings
    from django.core.management import call_command

    from kelu.accounts import services

    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    verbosity = 0 if args.json else 1
    call_command("migrate", interactive=False, verbosity=verbosity)
    call_command("collectstatic", interactive=False, verbosity=0)
    created = services.first_admin_ensure()
    data: dict[str, Any] = {"data_dir": str(settings.DATA_DIR), "admin_created": created is not None}
    text = f"Kelu data directory: {settings.DATA_DIR}"
    if created:
        user, password = created
        data.update(username=user.username, password=password)
        text += (
            "\n\nFirst administrator created — note the password now, it is not shown again:\n"
            f"  user name: {user.username}\n  password:  {password}\n"
        )
    _emit(args, data, text)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the web server and, unless told otherwise, one task worker; Ctrl-C stops both."""
    from django.conf import settings

    web = [
        sys.executable,
        "-m",
        "gunicorn",
        "kelu.wsgi",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--threads",
        "4",
        "--worker-class",
        "gthread",
        "--access-logfile",
        "-",
        "--forwarded-allow-ips",
        os.environ.get("KELU_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
        "--control-socket",  # one per port: several servers may share a data directory
        str(settings.DATA_DIR / f"gunicorn-{args.port}.ctl"),
    ]
    commands = [web]
    if not args.no_worker:
        commands.append([sys.executable, "-m", "kelu", "worker"])
    print(f"Kelu is starting on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    return _supervise(commands)


def _supervise(commands: Sequence[Sequence[str]]) -> int:
    """Start the children; when one ends or we are told to stop, stop the rest and wait for them."""
    children: list[subprocess.Popen[bytes]] = [subprocess.Popen(command) for command in commands]
    stopping = False

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while children:
        pid, status = os.wait()
        ended = [child for child in children if child.pid == pid]
        if not ended:
            continue
        child = ended[0]
        children.remove(child)
        child.returncode = os.waitstatus_to_exitcode(status)
        if not stopping:
            print(f"kelu: {child.args!r} exited ({child.returncode}); stopping", file=sys.stderr)
            exit_code = child.returncode or EXIT_ERROR
            stop(signal.SIGTERM, None)
    return exit_code


def cmd_worker(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command

    from kelu.core.heap import tune_garbage_collection
    from kelu.core.schedule import ensure_recurring_tasks

    ensure_recurring_tasks()
    tune_garbage_collection()
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
        call_command("rqworker", "default", with_scheduler=True, job_class="django_tasks_rq.Job")
    else:
        call_command("db_worker", queue_name="*", reload=False, interval=args.interval, verbosity=args.verbosity)
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from kelu.accounts import services

    # "\r" too: a password piped from a file with Windows line endings would otherwise end in it, unseen.
    password = sys.stdin.readline().rstrip("\r\n") if args.password_stdin else None
    if args.password_stdin and not password:
        raise CLIError("no password on standard input")
    user, password = services.user_create(
        username=args.username,
        role=args.role,
        password=password,
        teams=args.team or (),
        display_name=args.display_name or "",
        email=args.email or "",
    )
    data: dict[str, Any] = {
        "id": user.pk,
        "username": user.username,
        "role": user.role_id,
        "teams": [team.name for team in user.teams.all()],
    }
    text = f"User {user.username} ({user.role_id}) created."
    if not args.password_stdin:
        data["password"] = password
        text += f"\nPassword (shown once): {password}"
    _emit(args, data, text)
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    from kelu.accounts.models import User

    users = [
        {
            "id": u.pk,
            "username": u.username,
            "display_name": u.display_name,
            "role": u.role_id,
            "teams": [t.name for t in u.teams.all()],
            "active": u.is_active,
            "last_login": u.last_login,
        }
        for u in User.objects.prefetch_related("teams").order_by("username")
    ]
    if args.json:
        print(json.dumps({"users": users}, ensure_ascii=False, default=str))
        return 0
    for u in users:
        teams = ",".join(u["teams"]) or "-"  # type: ignore[arg-type]
        state = "" if u["active"] else " (inactive)"
        print(f"{u['id']:>5}  {u['username']:<20} {u['role']:<8} {teams}{state}")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    from kelu.accounts import services
    from kelu.accounts.models import User

    user = User.objects.filter(username=args.username).first()
    if user is None:
        raise CLIError(f"no user named {args.username!r}")
    token, raw = services.token_create(user=user, name=args.name or "")
    _emit(
        args,
        {"id": token.pk, "username": user.username, "name": token.name, "token": raw},
        f"Token {token.pk} for {user.username} (shown once, keep it secret):\n{raw}",
    )
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    from kelu.accounts import services
    from kelu.accounts.models import ApiToken

    token = ApiToken.objects.filter(pk=args.id).select_related("user").first()
    if token is None:
        raise CLIError(f"no token with id {args.id}")
    services.token_revoke(token=token)
    _emit(args, {"id": token.pk, "revoked_at": token.revoked_at}, f"Token {token.pk} of {token.user} revoked.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Fill the database with realistic demo customers (bulk inserts; see kelu/customers/demo.py)."""
    import time

    from kelu.customers import demo

    if args.customers < 1:
        raise CLIError("--customers must be at least 1")
    show_progress = sys.stderr.isatty()
    last_shown = 0.0

    def progress(done: demo.DemoResult) -> None:
        nonlocal last_shown
        now = time.monotonic()
        if not show_progress or (now - last_shown < 0.5 and done.customers < args.customers):
            return
        last_shown = now
        rate = done.rows / done.seconds if done.seconds else 0.0
        print(
            f"\r{done.customers:,}/{args.customers:,} customers, {done.rows:,} rows, {rate:,.0f} rows/s ",
            end="",
            file=sys.stderr,
            flush=True,
        )

    result = demo.generate(customers=args.customers, seed=args.seed, progress=progress)
    if show_progress:
        print(file=sys.stderr)
    data = {
        "customers": result.customers,
        "contacts": result.contacts,
        "points": result.points,
        "tag_links": result.tags,
        "fields_created": result.fields_created,
        "seconds": round(result.seconds, 1),
    }
    text = (
        f"Created {result.customers:,} customers, {result.contacts:,} contacts, {result.points:,} contact points "
        f"and {result.tags:,} tag links in {result.seconds:.1f} s "
        f"({result.customers / max(result.seconds, 1e-9):,.0f} customers/s)."
    )
    if result.fields_created:
        text += f"\nCustom fields added: {', '.join(result.fields_created)}."
    _emit(args, data, text)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export the customers a user may see (an administrator by default) to a file, as the web export does."""
    import shutil

    from kelu.accounts.models import Role, User
    from kelu.exports.services import export_create, export_dir

    users = User.objects.filter(is_active=True)
    user = users.filter(username=args.user).first() if args.user else users.filter(role_id=Role.Key.ADMIN).first()
    if user is None:
        raise CLIError(f"no active user named {args.user!r}" if args.user else "no active administrator")
    selection = {"q": args.query} if args.query else {}
    columns = [key.strip() for key in args.columns.split(",")] if args.columns else None
    job = export_create(
        actor=user, format=args.format, encoding=args.encoding, columns=columns, selection=selection, wait=True
    )
    shutil.copyfile(export_dir() / job.file_name, args.output)
    _emit(args, {"rows": job.rows, "path": str(args.output)}, f"Exported {job.rows:,} customers to {args.output}.")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Search customers and contacts as a user would (default: an administrator)."""
    from kelu.accounts.models import User
    from kelu.search.selectors import search

    username = args.user
    user = User.objects.filter(**({"username": username} if username else {"role_id": "admin", "is_active": True}))
    actor = user.order_by("pk").first()
    if actor is None:
        raise CLIError(f"no such user: {username}" if username else "there is no administrator yet: run kelu init")
    hits = search(actor, args.query, limit=args.limit)
    results = [
        {"type": hit.type, "id": hit.record.pk, "name": hit.record.name, "matched": hit.field,
         "customer": {"id": hit.customer.pk, "name": hit.customer.name} if hit.customer else None}
        for hit in hits
    ]  # fmt: skip
    lines = [f"{r['type']:8} {r['id']:>8}  {r['name']}  ({r['matched']})" for r in results] or ["No matches."]
    _emit(args, {"results": results}, "\n".join(lines))
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    """Rebuild the search index from the records (after restoring a backup made by copying tables, say)."""
    import time

    from kelu.search import index

    started = time.perf_counter()
    counts = index.rebuild()
    seconds = round(time.perf_counter() - started, 1)
    text = f"Indexed {counts['customer']:,} customers and {counts['contact']:,} contacts in {seconds} s."
    _emit(args, {**counts, "seconds": seconds}, text)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import a CSV, Excel or vCard file as the web import does (same reading, mapping, checks and writing)."""
    from kelu.transfer.cli import run_import_command

    data, text = run_import_command(args, show_progress=sys.stderr.isatty() and not args.json)
    _emit(args, data, text)
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kelu manage", *args.rest])
    return 0


# --- parser ---------------------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # Suppressed default: a subcommand's parser would otherwise reset a --json given before the subcommand to False.
    common.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON object instead of text"
    )
    parser = argparse.ArgumentParser(
        prog="kelu", description="Kelu 客录 — customer address book and CRM", parents=[common]
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], help: str, sub: Any = commands
    ) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help, description=help, parents=[common])
        command.set_defaults(handler=handler)
        return command

    add("init", cmd_init, "create the data directory and database, and the first admin on a fresh install")

    serve = add("serve", cmd_serve, "run the web server (and a task worker)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2, help="web worker processes (default 2)")
    serve.add_argument("--no-worker", action="store_true", help="do not start a task worker (run `kelu worker`)")

    worker = add("worker", cmd_worker, "run a background task worker")
    worker.add_argument("--interval", type=float, default=1.0, help="seconds between polls of an empty queue")
    worker.add_argument("--verbosity", type=int, default=1)

    user = add("user", lambda a: 0, "manage users").add_subparsers(dest="action", required=True, metavar="ACTION")
    user_add = add("add", cmd_user_add, "add a user (prints a generated password unless one is given)", sub=user)
    user_add.add_argument("username")
    user_add.add_argument("--role", required=True, help="admin, manager, sales or viewer")
    user_add.add_argument("--team", action="append", help="team name (created if new); repeat for several")
    user_add.add_argument("--display-name")
    user_add.add_argument("--email")
    user_add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add("list", cmd_user_list, "list users", sub=user)

    token = add("token", lambda a: 0, "manage API tokens").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    token_create = add("create", cmd_token_create, "create an API token (printed once)", sub=token)
    token_create.add_argument("username")
    token_create.add_argument("--name", help="what the token is for")
    token_revoke = add("revoke", cmd_token_revoke, "revoke an API token", sub=token)
    token_revoke.add_argument("id", type=int)

    demo = add("demo", cmd_demo, "fill the database with realistic demo customers (fast bulk inserts)")
    demo.add_argument("--customers", type=int, required=True, metavar="N", help="how many customers to create")
    demo.add_argument("--seed", type=int, help="random seed: the same seed gives the same data")

    export = add("export", cmd_export, "export customers to CSV, Excel or vCard")
    export.add_argument("--format", default="csv", choices=["csv", "xlsx", "vcf", "vcf4"], help="vcf = vCard 3.0")
    export.add_argument("--query", help="only customers whose name or pinyin matches")
    export.add_argument("--columns", help="comma-separated column keys (default: the usual ones)")
    export.add_argument("--encoding", default="utf-8", choices=["utf-8", "gbk"], help="CSV encoding")
    export.add_argument("--user", help="export what this user may see (default: an administrator)")
    export.add_argument("-o", "--output", required=True, help="file to write")

    search = add("search", cmd_search, "search customers and contacts (names, pinyin, phones, emails, tags, notes)")
    search.add_argument("query")
    search.add_argument("--user", help="search as this user, within what they may see (default: an administrator)")
    search.add_argument("--limit", type=int, default=20)
    add("reindex", cmd_reindex, "rebuild the search index")

    imports = add("import", cmd_import, "import customers from a CSV, Excel (.xlsx/.xls/.ods) or vCard file")
    imports.add_argument("file", help="the file to import")
    imports.add_argument("--owner", help="user name of the owner of new records (default: the importing user)")
    imports.add_argument("--user", help="import as this user (default: an administrator)")
    imports.add_argument("--mapping", help="JSON file: a list of targets per column, or {column header: target}")
    imports.add_argument(
        "--on-duplicate", default="skip", choices=["skip", "fill", "update", "overwrite", "create"],
        help="what to do with rows matching an existing customer (update = fill)",
    )  # fmt: skip
    imports.add_argument("--skip-problems", action="store_true", help="leave out rows with any problem")
    imports.add_argument("--encoding", help="encoding of a CSV file (default: detected)")
    imports.add_argument("--sheet", help="sheet of a workbook (default: the first)")
    imports.add_argument("--dry-run", action="store_true", help="check every row and report, write nothing")

    manage = add("manage", cmd_manage, "run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.json = getattr(args, "json", False)
    _setup_django()
    from django.core.exceptions import ValidationError
    from django.db import DatabaseError

    try:
        return int(args.handler(args))
    except CLIError as exc:
        return _fail(args, str(exc))
    except ValidationError as exc:
        return _fail(args, " ".join(exc.messages))
    except DatabaseError as exc:
        return _fail(args, f"database error: {exc}. Has `kelu init` been run?")
    except KeyboardInterrupt:
        return 130


def _fail(args: argparse.Namespace, message: str) -> int:
    if args.json:
        print(json.dumps({"error": message}, ensure_ascii=False))
    else:
        print(f"kelu: error: {message}", file=sys.stderr)
    return EXIT_ERROR

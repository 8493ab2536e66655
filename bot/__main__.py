"""Developer command line.

    python -m bot init-db [--reset-demo] [--today YYYY-MM-DD]
    python -m bot demo-borrowers [--today YYYY-MM-DD]
    python -m bot demo-token ID [--ttl SECONDS]
    python -m bot create-agent USERNAME DISPLAY_NAME   (password: env AGENT_PASSWORD or prompt)
    python -m bot create-editor USERNAME DISPLAY_NAME  (password: env EDITOR_PASSWORD or prompt)
    python -m bot review list [--status STATUS] [--limit N] [--grouped]
    python -m bot review export [--out FILE]   (labelled missed messages as NLU YAML)

The database is DATABASE_URL, or var/bot.sqlite in the repository by default.
With BOT_DEMO=1, init-db also adds the demo agent "demo-agent" (password: env
DEMO_AGENT_PASSWORD, else the demo default in the README) and the demo editor "demo-editor"
of the review page /review/ (password: env DEMO_EDITOR_PASSWORD, else "demo-editor-pass").
"""
from __future__ import annotations

import argparse
import getpass
import os
import sys
import unicodedata
from datetime import date
from typing import List, Optional, Sequence, Tuple

from bot import clock
from bot.storage import db, demo, repository


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _ensure_db(today: date, reset_demo: bool = False) -> List[str]:
    """Migrate to head, then add missing demo borrowers (all of them with reset, or when
    they were seeded on another day: the demo stages stay as documented)."""
    db.upgrade_to_head()
    with db.session_scope() as session:
        stale = demo.demo_is_stale(session, today)
        return demo.seed_demo(session, today, reset=reset_demo or stale)


def account_overdue(account, today: date) -> Tuple[int, Optional[str]]:
    """(days overdue, stage label) for one account (bot.accounts.overdue)."""
    from bot.accounts import overdue

    days, stage = overdue(account, today)
    return days, stage.label


def _width(text: str) -> int:
    # CJK characters take two terminal columns.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(_width(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(str(c), w) for c, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(_pad(str(c), w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)


def _demo_mode() -> bool:
    return os.environ.get("BOT_DEMO", "").strip() == "1"


def cmd_init_db(args) -> int:
    created = _ensure_db(args.today, reset_demo=args.reset_demo)
    print(f"database ready: {_safe_url(db.database_url())}")
    if created:
        print("demo borrowers seeded: " + ", ".join(created))
    else:
        print("demo borrowers already present (use --reset-demo to refresh their dates)")
    if _demo_mode():
        from bot.handoff import agents

        with db.session_scope() as session:
            agent, new = agents.ensure_demo_agent(session)
            agent_id = agent.id
        # The password itself is not echoed: it is the README's demo default or the env value.
        print(f"demo agent {'created' if new else 'ready'}: {agents.DEMO_USERNAME} ({agent_id}); "
              "password from DEMO_AGENT_PASSWORD or the demo default (see README)")
        with db.session_scope() as session:
            editor, new = agents.ensure_demo_editor(session)
            editor_id = editor.id
        print(f"demo editor {'created' if new else 'ready'}: {agents.DEMO_EDITOR_USERNAME} "
              f"({editor_id}); password from DEMO_EDITOR_PASSWORD or the demo default")
    return 0


def _read_new_password(variable: str = "AGENT_PASSWORD") -> str:
    password = os.environ.get(variable)
    if password:
        return password
    if not sys.stdin.isatty():
        raise ValueError(f"set {variable} (no terminal to prompt on)")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("repeat password: "):
        raise ValueError("the passwords differ")
    return first


def cmd_create_agent(args) -> int:
    from bot.handoff import agents

    try:
        password = _read_new_password()
        db.upgrade_to_head()
        with db.session_scope() as session:
            agent = agents.create_agent(session, args.username, args.display_name, password)
            agent_id = agent.id
    except ValueError as exc:
        print(f"cannot create agent: {exc}", file=sys.stderr)
        return 1
    print(f"agent created: {agent_id} ({args.username}, {args.display_name})")
    return 0


def cmd_create_editor(args) -> int:
    from bot.handoff import agents

    try:
        password = _read_new_password("EDITOR_PASSWORD")
        db.upgrade_to_head()
        with db.session_scope() as session:
            editor = agents.create_editor(session, args.username, args.display_name, password)
            editor_id = editor.id
    except ValueError as exc:
        print(f"cannot create editor: {exc}", file=sys.stderr)
        return 1
    print(f"editor created: {editor_id} ({args.username}, {args.display_name}); "
          "signs in at /review/")
    return 0


def cmd_demo_borrowers(args) -> int:
    _ensure_db(args.today)
    header = ["id", "name", "account", "product", "due", "unpaid min", "days overdue", "stage"]
    rows = []
    with db.session_scope() as session:
        for borrower in repository.list_demo_borrowers(session):
            for i, account in enumerate(borrower.accounts):
                days, stage = account_overdue(account, args.today)
                rows.append([
                    borrower.id if i == 0 else "",
                    borrower.display_name if i == 0 else "",
                    f"{account.lender} {account.label}",
                    account.product,
                    account.due_date.isoformat(),
                    f"{repository.unpaid_minimum(account, args.today):.2f}",
                    str(days),
                    (stage or "-") + (" (plan)" if account.on_personalised_plan else ""),
                ])
    print(format_table(header, rows))
    return 0


def cmd_demo_token(args) -> int:
    from bot.identity import issue_token

    _ensure_db(clock.today())
    with db.session_scope() as session:
        if repository.get_borrower(session, args.borrower_id) is None:
            print(f"unknown borrower: {args.borrower_id}", file=sys.stderr)
            return 1
    print(issue_token(args.borrower_id, ttl_seconds=args.ttl))
    return 0


def _one_line(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def cmd_review_list(args) -> int:
    from bot.review import store

    db.upgrade_to_head()
    with db.session_scope() as session:
        items = store.list_items(session, status=args.status, limit=args.limit)
        if args.grouped:
            header = ["count", "ids", "text"]
            rows = [[str(g.count), ",".join(str(i.id) for i in g.items[:5])
                     + (",…" if g.count > 5 else ""), _one_line(g.text)]
                    for g in store.group_similar(items)]
        else:
            header = ["id", "created", "reason", "predicted", "conf", "status", "label", "text"]
            rows = [[str(i.id), i.created_at.strftime("%Y-%m-%d %H:%M"), i.reason,
                     i.intent or "-", "-" if i.confidence is None else f"{i.confidence:.2f}",
                     i.status, i.label or "-", _one_line(i.text)] for i in items]
    if not rows:
        print("no review items" + (f" with status {args.status}" if args.status else ""))
        return 0
    print(format_table(header, rows))
    return 0


def cmd_review_export(args) -> int:
    from bot.review import store

    db.upgrade_to_head()
    with db.session_scope() as session:
        text = store.export_yaml(session)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
        examples = sum(1 for line in text.splitlines() if line.startswith("    - "))
        intents = sum(1 for line in text.splitlines() if line.startswith("- intent: "))
        print(f"wrote {examples} examples for {intents} intents to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Debt-help bot tools")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init-db", help="migrate the database and add the demo borrowers")
    p.add_argument("--reset-demo", action="store_true",
                   help="delete and recreate demo borrowers so dates match today")
    p.add_argument("--today", type=_parse_date, default=clock.today(), help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_init_db)

    p = sub.add_parser("demo-borrowers", help="list demo borrowers and days overdue")
    p.add_argument("--today", type=_parse_date, default=clock.today(),
                   help="compute days overdue as of this date (default: today)")
    p.set_defaults(func=cmd_demo_borrowers)

    p = sub.add_parser("demo-token", help="print a signed token for a borrower")
    p.add_argument("borrower_id")
    p.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds (default 3600)")
    p.set_defaults(func=cmd_demo_token)

    p = sub.add_parser("create-agent", help="add a person who answers handed-off chats")
    p.add_argument("username", help="sign-in name: letters, digits, '.', '_' or '-'")
    p.add_argument("display_name", help="name the borrower sees, e.g. 客服小李")
    p.set_defaults(func=cmd_create_agent)

    p = sub.add_parser("create-editor",
                       help="add a content editor who works the review page (/review/)")
    p.add_argument("username", help="sign-in name: letters, digits, '.', '_' or '-'")
    p.add_argument("display_name", help="name shown on the review page, e.g. 编辑小陈")
    p.set_defaults(func=cmd_create_editor)

    from bot.storage.models import REVIEW_STATUSES

    p = sub.add_parser("review", help="messages the assistant missed (masked)")
    review = p.add_subparsers(dest="review_command", required=True)
    r = review.add_parser("list", help="list review items, newest first")
    r.add_argument("--status", choices=REVIEW_STATUSES, default=None,
                   help="only items with this status (default: all)")
    r.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    r.add_argument("--grouped", action="store_true",
                   help="group identical and near-identical texts")
    r.set_defaults(func=cmd_review_list)
    r = review.add_parser("export", help="labelled items as Rasa NLU YAML")
    r.add_argument("--out", metavar="FILE", default=None,
                   help="write to FILE (default: standard output)")
    r.set_defaults(func=cmd_review_export)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

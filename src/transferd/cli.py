"""The ``transferd`` command: run the server, manage API keys, send and fetch transfers."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from transferd.settings import Settings


def _settings() -> Settings:
    return Settings()


def _iso(timestamp: int | None) -> str | None:
    return None if timestamp is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def _run(coroutine_factory: Callable[[Any], Coroutine[Any, Any, int]]) -> int:
    """Run one operator command against the configured database (works while the server runs)."""
    from transferd.app import Services

    settings = _settings()
    if settings.database_url is None and not (settings.data_dir / "transferd.sqlite3").exists():
        # Most often a command run from another directory than the server's: say so, loudly.
        print(
            f"transferd: note: no database in {settings.data_dir.resolve()}; creating an empty one. "
            "Set TRANSFERD_DATA_DIR (or TRANSFERD_DATABASE_URL) to the server's if that is not what you want.",
            file=sys.stderr,
        )

    async def main() -> int:
        services = Services.build(settings)
        try:
            await services.start()
            return await coroutine_factory(services)
        finally:
            await services.stop()

    return asyncio.run(main())


def _key_json(record: Any) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "application": record.application_name,
        "application_id": record.application_id,
        "hint": f"…{record.hint}",
        "created_at": _iso(record.created_at),
        "last_used_at": _iso(record.last_used_at),
        "revoked_at": _iso(record.revoked_at),
    }


def cmd_keys_create(args: argparse.Namespace) -> int:
    async def create(services: Any) -> int:
        created = await services.keys.create(
            name=args.name, application=args.app or args.name, now=services.clock.now()
        )
        if args.json:
            print(json.dumps({**_key_json(created.record), "key": created.secret}))
        else:
            record = created.record
            print(f"Created API key {record.id} ({record.name}, application {record.application_name}).")
            print("It is shown only this once; keep it secret:")
            print(created.secret)
        return 0

    return _run(create)


def cmd_keys_list(args: argparse.Namespace) -> int:
    async def list_keys(services: Any) -> int:
        records = [_key_json(record) for record in await services.keys.list()]
        if args.json:
            print(json.dumps(records))
            return 0
        print(f"{'ID':<21} {'NAME':<20} {'APPLICATION':<20} {'CREATED':<21} {'LAST USED':<21} REVOKED")
        for r in records:
            print(
                f"{r['id']:<21} {r['name'][:20]:<20} {r['application'][:20]:<20} {r['created_at']:<21} "
                f"{r['last_used_at'] or '-':<21} {r['revoked_at'] or '-'}"
            )
        return 0

    return _run(list_keys)


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    async def revoke(services: Any) -> int:
        before = await services.keys.get(args.id)
        if before is None:
            print(f"transferd: no API key with id {args.id}", file=sys.stderr)
            return 1
        if before.revoked_at is not None:
            print(f"API key {before.id} ({before.name}) was already revoked at {_iso(before.revoked_at)}.")
            return 0
        record = await services.keys.revoke(args.id, now=services.clock.now())
        print(f"Revoked API key {record.id} ({record.name}); its tokens stop working now.")
        return 0

    return _run(revoke)


def cmd_signing_keys_rotate(_args: argparse.Namespace) -> int:
    async def rotate(services: Any) -> int:
        settings = services.settings
        fresh = services.tokens.keyring.rotate(
            services.clock.now(), settings.token_lifetime_seconds, settings.token_leeway_seconds
        )
        print(f"New signing key {fresh.kid}; older keys verify until their tokens expire.")
        return 0

    return _run(rotate)


class ProgressBar:
    """A one-line progress bar on stderr (redrawn in place on a terminal, a line per 10% otherwise)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if total == 0 else done * 100 // total
        if self.tty:
            filled = percent * 30 // 100
            bar = "#" * filled + "-" * (30 - filled)
            sys.stderr.write(f"\r{self.label} [{bar}] {percent:3d}% {done / 1e6:,.1f}/{total / 1e6:,.1f} MB")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        elif percent // 10 != self._last // 10 or (done >= total and self._last != 100):
            print(f"{self.label}: {percent}% ({done}/{total} bytes)", file=sys.stderr, flush=True)
        self._last = percent


def add_api_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server", default=None, help="transferd URL (default: $TRANSFERD_SERVER or http://127.0.0.1:8000)"
    )
    parser.add_argument("--api-key", default=None, help="API key (default: $TRANSFERD_API_KEY)")


def api_client(args: argparse.Namespace) -> Any:
    """An SDK client from --server/--api-key or the environment; exits with a message without a key."""
    import os

    from transferd.client import Client

    key = args.api_key or os.environ.get("TRANSFERD_API_KEY")
    if not key:
        raise SystemExit("transferd: no API key: pass --api-key or set TRANSFERD_API_KEY")
    server = args.server or os.environ.get("TRANSFERD_SERVER") or "http://127.0.0.1:8000"
    return Client(key, base_url=server)


def _cli_errors(run: Callable[[], int]) -> int:
    from transferd.client import TransferdClientError

    try:
        return run()
    except TransferdClientError as exc:
        print(f"transferd: {exc}", file=sys.stderr)
        return 1


def cmd_send(args: argparse.Namespace) -> int:
    from pathlib import Path

    def run() -> int:
        paths = [Path(name) for name in args.files]
        for path in paths:
            if not path.is_file():
                print(f"transferd: not a file: {path}", file=sys.stderr)
                return 2
        with api_client(args) as client:
            transfer = client.transfers.create(paths, message=args.message, progress=ProgressBar("Uploading"))
        print(transfer["url"])
        return 0

    return _cli_errors(run)


def cmd_download(args: argparse.Namespace) -> int:
    from pathlib import Path

    from transferd.client import download

    def run() -> int:
        saved = download(args.url, Path(args.output), progress=ProgressBar("Downloading"))
        for path in saved:
            print(path)
        return 0

    return _cli_errors(run)


def _board_batches(items: Sequence[str]) -> list[tuple[str, list[str]]]:
    """``FILE_OR_URL`` arguments as runs of links and of files, in argument order (one API call
    per run keeps the board's item order equal to the command line's)."""
    batches: list[tuple[str, list[str]]] = []
    for item in items:
        kind = "link" if item.lower().startswith(("http://", "https://")) else "file"
        if batches and batches[-1][0] == kind:
            batches[-1][1].append(item)
        else:
            batches.append((kind, [item]))
    return batches


def cmd_board_create(args: argparse.Namespace) -> int:
    def run() -> int:
        with api_client(args) as client:
            board = client.boards.create(args.name, description=args.description)
        if args.json:
            print(json.dumps(board))
        else:
            print(board["id"])
            print(board["url"])
        return 0

    return _cli_errors(run)


def cmd_board_add(args: argparse.Namespace) -> int:
    from pathlib import Path

    def run() -> int:
        batches = _board_batches(args.items)
        for kind, items in batches:
            for item in items:
                if kind == "file" and not Path(item).is_file():
                    print(f"transferd: not a file or an http(s) URL: {item}", file=sys.stderr)
                    return 2
        with api_client(args) as client:
            for kind, items in batches:
                if kind == "link":
                    client.boards.add_links(args.board_id, items)
                else:
                    paths = [Path(item) for item in items]
                    client.boards.add_files(args.board_id, paths, progress=ProgressBar("Uploading"))
            board = client.boards.get(args.board_id)
        links = sum(len(items) for kind, items in batches if kind == "link")
        files = sum(len(items) for kind, items in batches if kind == "file")
        print(f"Added {links} link(s) and {files} file(s) to board {board['id']}.", file=sys.stderr)
        print(board["url"])
        return 0

    return _cli_errors(run)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from transferd.app import Services, create_app
    from transferd.server import bounded_protocol

    settings = _settings()
    if settings.public_url is None:
        settings.public_url = f"http://{args.host}:{args.port}"
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    services = Services.build(settings)

    async def bootstrap() -> None:
        await services.start()
        if await services.keys.count() == 0:
            created = await services.keys.create(name="default", application="default", now=services.clock.now())
            # Printed to the terminal once, never logged.
            print(
                "\nFirst start: created API key "
                f"{created.record.id} (application 'default'). It is shown only this once:\n\n"
                f"    {created.secret}\n",
                flush=True,
            )
        await services.db.dispose()

    asyncio.run(bootstrap())
    app = create_app(settings, services=services)
    print(f"transferd listening on http://{args.host}:{args.port} (public URL {settings.base_url})", flush=True)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        access_log=False,
        log_level=settings.log_level,
        server_header=False,
        # Past this many open connections new ones get 503 instead of piling up; a connection that
        # sends no complete request head in head_timeout_seconds is closed (transferd.server).
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=5,
        # The head (request line + headers) may be a little larger than the headers alone.
        http=bounded_protocol(settings.max_header_bytes + 16 * 1024, settings.head_timeout_seconds),
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="transferd", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=cmd_serve)

    keys = commands.add_parser("keys", help="manage API keys").add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create an API key and print it once")
    create.add_argument("--name", required=True)
    create.add_argument("--app", help="application the key belongs to (default: the key's name)")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=cmd_keys_create)
    listing = keys.add_parser("list", help="list API keys (never their secrets)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_keys_list)
    revoke = keys.add_parser("revoke", help="revoke an API key and every token issued for it")
    revoke.add_argument("id")
    revoke.set_defaults(handler=cmd_keys_revoke)

    signing = commands.add_parser("signing-keys", help="manage token signing keys").add_subparsers(
        dest="signing_command", required=True
    )
    signing.add_parser("rotate", help="start signing with a new key").set_defaults(handler=cmd_signing_keys_rotate)

    send = commands.add_parser("send", help="send files as a transfer and print its download URL")
    send.add_argument("files", nargs="+", metavar="FILE")
    send.add_argument("--message", "-m", default="")
    add_api_options(send)
    send.set_defaults(handler=cmd_send)

    fetch = commands.add_parser("download", help="download every file of a transfer from its URL")
    fetch.add_argument("url")
    fetch.add_argument("-o", "--output", default=".", help="directory to write the files to")
    fetch.set_defaults(handler=cmd_download)

    board = commands.add_parser("board", help="create boards and add links and files to them").add_subparsers(
        dest="board_command", required=True
    )
    board_create = board.add_parser("create", help="create a board; prints its id, then its URL")
    board_create.add_argument("name")
    board_create.add_argument("--description", "-d", default=None)
    board_create.add_argument("--json", action="store_true", help="print the board as JSON instead")
    add_api_options(board_create)
    board_create.set_defaults(handler=cmd_board_create)
    board_add = board.add_parser(
        "add", help="add links (arguments starting with http:// or https://) and files to a board; prints its URL"
    )
    board_add.add_argument("board_id", metavar="BOARD_ID")
    board_add.add_argument("items", nargs="+", metavar="FILE_OR_URL")
    add_api_options(board_add)
    board_add.set_defaults(handler=cmd_board_add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())

"""``create_app(settings)``: builds the services once and wires the HTTP layer to them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from starlette.applications import Starlette

from transferd.api import authorize, boards, health, openapi, pages, transfers, uploads
from transferd.api.board_pages import routes as board_page_routes
from transferd.api.errors import EXCEPTION_HANDLERS
from transferd.api.middleware import AccessLog, HeaderLimit
from transferd.auth.guard import Guard
from transferd.auth.tokens import Keyring, TokenService
from transferd.blobs import BlobStore, LocalBlobStore
from transferd.clock import Clock, SystemClock
from transferd.datadir import ensure_data_dir, read_or_create_secret
from transferd.services.boards import BoardService
from transferd.services.sweeper import Sweeper
from transferd.services.transfers import TransferService
from transferd.services.uploads import UploadService
from transferd.settings import Settings
from transferd.store.boards import BoardStore
from transferd.store.db import Database
from transferd.store.files import FileStore
from transferd.store.keys import ApiKeyStore
from transferd.store.transfers import TransferStore


@dataclass
class Services:
    settings: Settings
    clock: Clock
    db: Database
    keys: ApiKeyStore
    tokens: TokenService
    guard: Guard
    blobs: BlobStore
    files: FileStore
    uploads: UploadService
    transfers: TransferService
    boards: BoardService
    sweeper: Sweeper
    _started: bool = field(default=False, repr=False)

    @classmethod
    def build(cls, settings: Settings, clock: Clock | None = None) -> Services:
        clock = clock or SystemClock()
        ensure_data_dir(settings.data_dir)
        db = Database(settings.resolved_database_url)
        keys = ApiKeyStore(db)
        keyring = Keyring.load_or_create(settings.data_dir / "signing-keys.json", clock.now())
        tokens = TokenService(
            keyring,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
            lifetime=settings.token_lifetime_seconds,
            leeway=settings.token_leeway_seconds,
        )
        blobs = LocalBlobStore(settings.data_dir / "blobs")
        files = FileStore(db)
        uploads = UploadService(
            files,
            blobs,
            clock,
            keys=keys,
            secret=read_or_create_secret(settings.data_dir / "upload-url-secret"),
            base_url=settings.base_url,
            lifetime=settings.upload_url_lifetime_seconds,
        )
        transfers = TransferService(TransferStore(db, files), files, uploads, clock, settings)
        sweeper = Sweeper(settings.sweep_interval_seconds)
        sweeper.jobs += [transfers.resume_processing, transfers.sweep_expired]
        board_service = BoardService(BoardStore(db, files), files, uploads, clock, settings)
        sweeper.jobs.append(board_service.sweep_idle)
        return cls(
            settings=settings,
            clock=clock,
            db=db,
            keys=keys,
            tokens=tokens,
            guard=Guard(keys, tokens, clock),
            blobs=blobs,
            files=files,
            uploads=uploads,
            transfers=transfers,
            boards=board_service,
            sweeper=sweeper,
        )

    async def start(self) -> None:
        if not self._started:
            await self.db.migrate()
            self._started = True

    async def stop(self) -> None:
        await self.sweeper.stop()
        await self.transfers.wait_idle()
        await self.db.dispose()


def create_app(settings: Settings, *, clock: Clock | None = None, services: Services | None = None) -> Starlette:
    services = services or Services.build(settings, clock)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await services.start()
        services.sweeper.start()
        try:
            yield
        finally:
            await services.stop()

    app = Starlette(
        routes=[
            *health.routes,
            *authorize.routes,
            *transfers.routes,
            *boards.routes,
            *uploads.routes,
            *pages.routes,
            *board_page_routes,
            *openapi.routes,
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.services = services
    # Redirecting /v2/transfers/ to /v2/transfers would build a Location from the client's Host header.
    app.router.redirect_slashes = False
    app.add_middleware(HeaderLimit, max_bytes=settings.max_header_bytes)
    app.add_middleware(AccessLog)
    return app

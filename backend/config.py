"""Settings: the only place that reads environment variables (and `.env`)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRET = "dev-insecure-secret-change-me-0123456789abcdef"  # noqa: S105 - refused in production
DEFAULT_SYMBOLS = (
    "BTCUSDT",
    "ETHUSDT",
    "BNBUSDT",
    "SOLUSDT",
    "XRPUSDT",
    "ADAUSDT",
    "DOGEUSDT",
    "AVAXUSDT",
    "LINKUSDT",
    "DOTUSDT",
)


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


CsvList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    # --- runtime ---
    env: Literal["development", "test", "production"] = "development"
    app_name: str = "CryptoDemo"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""  # e.g. https://demo.example.com; enables HSTS when https

    # --- storage / scale-out ---
    database_url: str = "sqlite+aiosqlite:///var/app.db"
    database_pool_size: int = 10
    # a PostgreSQL that accepts the connection and never answers fails the request after this
    database_connect_timeout_s: float = Field(default=10.0, gt=0)
    redis_url: str | None = None
    redis_prefix: str = "cd:"
    redis_socket_timeout_s: float = 0.5

    # --- security ---
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    jwt_issuer: str = "cryptodemo"
    jwt_audience: str = "cryptodemo-api"
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 30 * 24 * 3600
    # A login's refresh-token family ends this long after the login, however often it rotates.
    refresh_token_absolute_ttl_s: int = Field(default=90 * 24 * 3600, ge=60)
    # Lockout per (account, client address); see backend/auth/lockout.py and the README.
    lockout_threshold: int = 5
    lockout_window_s: int = 15 * 60
    lockout_duration_s: int = 15 * 60
    # Account-wide backstop: past this many failures in the window (any address), each further
    # failure makes the account wait 1, 2, 4, ... s (at most LOCKOUT_ACCOUNT_DELAY_MAX_S).
    lockout_account_threshold: int = Field(default=20, ge=1)
    lockout_account_delay_max_s: int = Field(default=60, ge=1)
    # Argon2 hashes running at once in one process (each takes 64 MiB); the rest wait their turn.
    password_hash_concurrency: int = Field(default=2, ge=1)
    rate_limit_enabled: bool = True
    rate_limit_login: str = "20/minute"
    rate_limit_register: str = "10/minute"
    rate_limit_default: str = "600/minute"
    # Per-process cache of the authenticated user (backend/auth/principals.py): a safety-net
    # lifetime behind the bus invalidations; 0 turns the cache off (every request reads the DB).
    auth_user_cache_ttl_s: float = Field(default=5.0, ge=0)
    cors_origins: CsvList = Field(default_factory=list)
    max_body_bytes: int = 1_048_576
    admin_email: str | None = None
    admin_username: str = "admin"
    admin_password: SecretStr | None = None
    # Cheap Argon2 parameters for test suites; None means "only when env=test". Refused in
    # production. Production always uses pwdlib's (argon2-cffi's) default parameters.
    password_hash_fast: bool | None = None
    # Rate-limit counters live here; default REDIS_URL (shared by replicas), else in memory.
    rate_limit_storage_url: str | None = None
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (IPs or CIDRs): the reverse
    # proxy in front of the API. The client is the right-most address not in this list.
    trusted_proxies: CsvList = Field(default_factory=lambda: ["127.0.0.1", "::1"])

    # --- logging ---
    log_level: str = "INFO"
    log_dir: Path = Path("var/log")
    log_to_file: bool = True
    log_access: bool = True
    # optional error reports to Sentry (backend/observability/sentry.py); unset: off
    sentry_dsn: SecretStr | None = None
    # share of requests traced for Sentry's performance view (0: errors only)
    sentry_traces_sample_rate: float = Field(default=0.0, ge=0.0, le=1.0)

    # --- web app ---
    web_dist_dir: Path = Path("frontend/dist")

    # --- market data ---
    market_source: Literal["binance", "replay", "auto"] = "auto"
    market_replay_dir: Path | None = None
    replay_speed: float = 60.0
    replay_start: str | None = None  # ISO 8601; default: 30 days before the data ends
    # Background import of every recorded candle file into the candles table (once per
    # deployment, resumable; market/history_import.py): `auto` when MARKET_REPLAY_DIR is set and
    # the source is not `binance`, `yes` whenever MARKET_REPLAY_DIR is set, `no` never.
    market_history_import: Literal["auto", "yes", "no"] = "auto"
    market_symbols: CsvList = Field(default_factory=lambda: list(DEFAULT_SYMBOLS))
    market_intervals: CsvList = Field(default_factory=lambda: ["1m", "5m", "15m", "1h", "4h", "1d"])
    binance_rest_url: str = "https://api.binance.com"
    binance_ws_url: str = "wss://stream.binance.com:9443"
    # an API process is a candidate for the market ingestor lease unless `no` (market/feed.py)
    run_ingestor: Literal["auto", "yes", "no"] = "auto"
    # Partial order book from Binance (`<symbol>@depth<N>@100ms`, live source only): the best N
    # levels per side, served on /ws as `<symbol>@depth<N>[@100ms]`; 0 turns it off.
    market_depth_levels: int = 20
    # The live source re-reads exchangeInfo this often and every process's rule book follows
    # (Binance changes filters rarely, and announces it); 0: only at the ingestor's start.
    market_rules_refresh_s: float = Field(default=3600.0, ge=0)

    # --- realtime (/ws) ---
    ws_max_streams_per_conn: int = 1024  # Binance's limit per connection
    # Open connections per client address and in all, per API process (refused before the
    # upgrade with 429 / 503; backend/realtime/limits.py).
    ws_max_conns_per_ip: int = Field(default=100, ge=1)
    ws_max_conns: int = Field(default=10_000, ge=1)
    ws_max_msgs_per_s: int = 5  # inbound frames per connection per second, as on Binance
    ws_send_queue: int = 256  # frames buffered per client before it is dropped as too slow
    ws_ping_interval_s: float = 20.0  # protocol pings by the server (uvicorn keepalive)
    ws_ping_timeout_s: float = 20.0  # no pong within this: the connection is closed
    ws_max_size: int = 65_536  # largest inbound frame (control messages are small)
    # Off: with permessage-deflate each client compresses its own copy of every event, which
    # would defeat the serialize-once fan-out (bench/fanout.py).
    ws_per_message_deflate: bool = False

    # --- demo trading ---
    trading_start_balance: Decimal = Decimal("10000")
    trading_quote_asset: str = "USDT"
    trading_taker_fee: Decimal = Decimal("0.001")  # 0.1 %, Binance's regular spot rate
    trading_maker_fee: Decimal = Decimal("0.001")
    trading_half_spread_bps: Decimal = Decimal("1")  # market-order model (trading/pricing.py)
    trading_impact_bps: Decimal = Decimal("1")
    # MARKET orders walk the streamed book while it is at most this old, else use the model
    trading_depth_max_age_s: float = Field(default=2.0, ge=0)
    # where the one matcher runs; auto: the API process without Redis, else the arq worker
    trading_run_matcher: Literal["auto", "api", "worker", "no"] = "auto"
    trading_snapshot_minutes: int = 5  # equity snapshot cadence
    # how often the matcher compares its index with the open orders in the database and repairs
    # drift (a lost `trading:book` message); 0 turns it off
    trading_resync_interval_s: float = Field(default=30.0, ge=0)

    # --- alerts ---
    alerts_max_active: int = Field(default=100, ge=1, le=100_000)  # active alerts per user
    # how often the checker compares its index with the active alerts in the database (a lost
    # `alerts:index` message), expires alerts and evaluates RSI conditions
    alerts_resync_interval_s: float = Field(default=30.0, gt=0)
    alerts_rsi_interval_s: float = Field(default=10.0, gt=0)

    # --- jobs ---
    jobs_inline: bool | None = None  # None: inline when no Redis
    # `make run` (backend/serve.py) starts one arq worker child: auto = when jobs go to Redis
    serve_worker: Literal["auto", "yes", "no"] = "auto"
    # expiry of a singleton lease (ingestor, matcher, scheduler): a standby takes over within it
    lease_ttl_s: float = Field(default=15.0, gt=0.2)
    # A worker's Prometheus endpoint (workers serve no HTTP otherwise, so their job metrics are
    # scraped here): off unless a port is set; compose and Kubernetes set it.
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    worker_metrics_host: str = "127.0.0.1"

    # --- forecasting (backend/forecasting) ---
    # where the LSTM runs (worker child process): auto = CUDA when torch sees one, else CPU
    torch_device: Literal["auto", "cpu", "cuda"] = "auto"
    # folder of the model artifacts (`<model_id>/model.pt` + `card.json`), shared by the workers
    forecast_models_dir: Path = Path("ml_models")

    # --- backups (backend/backup, README "Operations") ---
    # where `python -m backend.cli backup` and the daily scheduled backup write; the schedule
    # keeps this many newest days (files taken by hand are never removed by it)
    backup_dir: Path = Path("var/backups")
    backup_keep: int = Field(default=7, ge=1)
    # the scheduler's daily backup job; off where something else takes the daily backup (the
    # Kubernetes CronJob runs `python -m backend.cli backup --daily` instead)
    backup_in_app: bool = True

    # --- scheduled jobs (backend/maintenance, backend/reports, backend/tasks_admin) ---
    # the nightly cleanup deletes 1m candles older than this (coarser intervals are kept),
    # read notifications and finished deliveries older than notification_retention_days, and
    # finished task runs older than task_run_retention_days
    candle_1m_retention_days: int = Field(default=30, ge=1)
    notification_retention_days: int = Field(default=30, ge=1)
    task_run_retention_days: int = Field(default=30, ge=1)
    # equity points: all kept this long, then one an hour, then one a day past the second
    equity_full_retention_days: int = Field(default=7, ge=1)
    equity_hourly_retention_days: int = Field(default=90, ge=1)
    # the daily report is sent at this local hour (users have no time zone yet: UTC)
    daily_report_hour: int = Field(default=7, ge=0, le=23)

    # --- notifications (backend/notifications, README "Notifications") ---
    # Fernet keys for secrets at rest (webhook secrets, Telegram chat ids): the first encrypts,
    # all decrypt (rotation: put a new key first, keep the old ones until re-encrypted). Unset
    # outside production: one key derived from SECRET_KEY; required in production to store them.
    field_encryption_keys: CsvList = Field(default_factory=list)
    # email alerts: smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps://...;
    # unset: the email channel is off
    smtp_url: SecretStr | None = None
    smtp_from: str = "CryptoDemo <alerts@localhost>"
    # allow webhook URLs on private, loopback and link-local addresses (self-hosted, tests)
    webhook_allow_private: bool = False
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    # outbox senders: tries per delivery before it is recorded as failed, the backoff between
    # tries (base x 2^n with jitter, capped), and the poll interval behind the bus wake-up
    notify_max_attempts: int = Field(default=10, ge=1)
    notify_backoff_base_s: float = Field(default=2.0, gt=0)
    notify_backoff_max_s: float = Field(default=600.0, gt=0)
    notify_poll_interval_s: float = Field(default=5.0, gt=0)

    # --- telegram (backend/telegram, telegram_bot) ---
    # the bot's token from @BotFather; unset: the bot and the telegram channel are off
    telegram_bot_token: SecretStr | None = None
    # the Bot API's base URL (tests point it at a local fake)
    telegram_api_url: str = "https://api.telegram.org"

    @field_validator(
        "cors_origins",
        "market_symbols",
        "market_intervals",
        "trusted_proxies",
        "field_encryption_keys",
        mode="before",
    )
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ip_network(entry, strict=False)
            except ValueError as exc:  # "*" included: trusting everyone lets clients pick an IP
                raise ValueError(
                    f"TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR"
                ) from exc
        return value

    @field_validator("telegram_bot_token", "sentry_dsn", mode="before")
    @classmethod
    def _no_empty_token(cls, value: object) -> object:
        return None if value == "" else value  # an empty TELEGRAM_BOT_TOKEN or SENTRY_DSN: off

    @field_validator("market_depth_levels")
    @classmethod
    def _depth_levels(cls, value: int) -> int:
        if value not in (0, 5, 10, 20):
            raise ValueError("MARKET_DEPTH_LEVELS must be 0 (off), 5, 10 or 20")
        return value

    @field_validator("market_symbols")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return [v.upper() for v in value]

    @model_validator(mode="after")
    def _production_guard(self) -> Settings:
        if self.env == "production":
            secret = self.secret_key.get_secret_value()
            if secret == DEFAULT_SECRET or len(secret) < 32:
                raise ValueError(
                    "SECRET_KEY must be set to a random value of at least 32 characters "
                    "in production (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
                )
            if self.password_hash_fast:
                raise ValueError("PASSWORD_HASH_FAST is for test suites only")
            if self.admin_password is not None and len(self.admin_password.get_secret_value()) < 12:
                raise ValueError("ADMIN_PASSWORD must be at least 12 characters in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def use_inline_jobs(self) -> bool:
        return self.redis_url is None if self.jobs_inline is None else self.jobs_inline

    @property
    def fast_password_hashing(self) -> bool:
        return self.env == "test" if self.password_hash_fast is None else self.password_hash_fast

    @property
    def rate_limit_storage(self) -> str | None:
        return self.rate_limit_storage_url or self.redis_url

    @property
    def hsts(self) -> bool:
        return self.public_url.startswith("https://")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment; called at process edges (create_app factory, worker, CLI)."""
    return Settings()

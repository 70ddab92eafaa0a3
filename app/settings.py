"""Runtime configuration, read once from the environment (prefix ``NUMLINK_``).

Each provider's own settings (base URL, rate, platform credentials) live in its package and
are read under its own prefix (``NUMLINK_<PROVIDER>_``); see ``providers.catalog``."""

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.kit.secrets import local_key, parse_keys


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NUMLINK_", extra="ignore")

    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "NUMLINK_DATABASE_URL")
    )
    data_dir: Path = Path(".numlink")
    db_pool_size: int = Field(default=20, ge=1)

    host: str = "127.0.0.1"
    port: int = 8000
    api_workers: int = Field(default=1, ge=1)
    log_level: str = "INFO"
    access_log: bool = True

    # 100,000 phone_number_ids (UUIDs) as indented JSON take 4.2 MiB
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    key_rate_per_s: float = Field(default=100.0, ge=0)
    key_cache_ttl_s: float = Field(default=5.0, ge=0)
    idempotency_ttl_h: float = Field(default=24.0, ge=24)
    idempotency_stale_s: float = Field(default=60.0, gt=0)
    # events, finished webhook deliveries and applied provider events are kept this long
    retention_days: float = Field(default=30.0, gt=0)
    retention_batch_size: int = Field(default=5000, ge=1)  # rows per purge transaction

    worker_batch_size: int = Field(default=200, ge=1)
    worker_concurrency: int = Field(default=32, ge=1)
    # renewed every third of it while held: a dead worker's rows are due again within it
    worker_lease_s: float = Field(default=6.0, gt=0)
    worker_idle_sleep_s: float = Field(default=0.2, gt=0)
    retry_base_s: float = Field(default=1.0, gt=0)
    retry_cap_s: float = Field(default=300.0, gt=0)
    confirm_poll_s: float = Field(default=1.0, gt=0)
    confirm_poll_cap_s: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=25, ge=1)
    # live brands and campaigns are read again from the provider this often (0: never)
    provider_refresh_interval_s: float = Field(default=3600.0, ge=0)
    # every live provider account is synced and audited this often, at low priority (0: never)
    inventory_sync_interval_s: float = Field(default=86400.0, ge=0)
    audit_interval_s: float = Field(default=86400.0, ge=0)
    # registration: how long a request (or the job) holds a registration in flight before
    # another may finish it; how often an unsettled brand or campaign is read again
    registration_lease_s: float = Field(default=60.0, gt=0)
    registration_poll_s: float = Field(default=5.0, gt=0)
    registration_poll_cap_s: float = Field(default=3600.0, gt=0)

    # Fernet keys, comma-separated, newest first (see app/kit/secrets.py). Required with
    # DATABASE_URL; only the embedded development database generates one in the data dir.
    secret_keys: str | None = None

    # every provider's HTTP requests
    provider_timeout_s: float = Field(default=10.0, gt=0)
    provider_burst: float = Field(default=5.0, ge=1)
    # each account's shared rate learns the provider's real limit from its answers (AIMD):
    # cut by ``decrease`` on a 429 for the account's rate, at most once per ``cooldown_s``, then
    # climb by ``increase`` of the configured rate per second of traffic, never below
    # ``floor`` of it nor above it. Off: the configured rate, as is.
    provider_adaptive_rate: bool = True
    provider_rate_decrease: float = Field(default=0.7, gt=0, lt=1)
    provider_rate_increase: float = Field(default=0.05, gt=0, le=1)
    provider_rate_floor: float = Field(default=0.1, gt=0, le=1)
    provider_rate_cooldown_s: float = Field(default=1.0, ge=0)
    # Public base URL of this gateway, for the webhook URLs given to providers
    public_url: str = "http://127.0.0.1:8000"
    # a whole attempt (connect, send, status line): short, so a hanging receiver holds a
    # delivery slot briefly
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    webhook_max_attempts: int = Field(default=12, ge=1)
    # deliveries in flight at once, across workers: per target (an endpoint, or the host of
    # numbers' status_url per org and mode) and per tenant (org and mode)
    webhook_endpoint_concurrency: int = Field(default=4, ge=1)
    # attempts in flight per worker process: mostly waiting on sockets, so more than other jobs
    webhook_worker_concurrency: int = Field(default=64, ge=1)
    webhook_tenant_concurrency: int = Field(default=8, ge=1)
    # an endpoint whose every delivery failed for this long is disabled
    webhook_disable_after_days: float = Field(default=3.0, gt=0)
    # Refuse webhook targets on private or loopback addresses (live mode only)
    webhook_block_private: bool = True

    def secret_keys_missing(self) -> bool:
        """A configured database (the production shape) and no keys: the processes that share
        it would each generate a key of their own and could not read each other's secrets."""
        return bool(self.database_url) and not (self.secret_keys or "").strip()

    @field_validator("secret_keys")
    @classmethod
    def _fernet_keys(cls, value: str | None) -> str | None:
        if value is not None:
            parse_keys(value)  # a malformed key stops start-up, named
        return value

    def secret_key_list(self) -> list[str]:
        return parse_keys(self.secret_keys or "") or [local_key(self.data_dir)]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

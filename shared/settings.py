"""Settings from environment variables, built at start-up by each process."""

from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Only a development stack may run with these; production must bring its own.
DEV_MEILI_MASTER_KEY = "helpdesk-dev-master-key-0123456789"
DEV_JWT_SECRET = "helpdesk-dev-jwt-secret-not-for-production-0123456789"  # noqa: S105


def embedded_mongodb_url(port: int = 27017) -> str:
    """The URL of the embedded MongoDB server (SecantusDB) on loopback.

    Without retryable writes: SecantusDB keeps every retryable write's reply for 30 minutes
    (up to 10,000 of them) and scans, then sorts, that record on every write. Measured: an
    insert took 0.45 ms with them off and 5.6 ms once 10,000 were kept, which is how the
    desk slowed down the longer it ran. Every write of the help desk is idempotent or
    retried by its caller, so nothing depends on them; a real MongoDB keeps its default."""
    return f"mongodb://127.0.0.1:{port}/?directConnection=true&retryWrites=false"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Where every dependency lives; the defaults are the embedded servers on loopback."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    environment: Environment = Environment.DEVELOPMENT

    mongodb_url: str = embedded_mongodb_url()
    mongodb_db: str = "helpdesk"

    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "tickets"

    meili_url: str = "http://127.0.0.1:7700"
    meili_master_key: SecretStr = SecretStr(DEV_MEILI_MASTER_KEY)
    # Prefix of the knowledge service's index names (tests give each test its own).
    meili_index_prefix: str = ""
    # Public FAQ search per client address: `burst` per window of burst / rate seconds,
    # counted by every knowledge process together.
    search_rate_per_second: float = 10.0
    search_rate_burst: int = 30

    # Webhooks to loopback, private, link-local or metadata addresses are refused unless
    # the operator allows them here (a receiver on the same network); not an admin setting
    # of the desk, so that an admin account cannot reach the internal network through it.
    webhook_allow_private_targets: bool = False

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_use_tls: bool = False
    smtp_starttls: bool = False
    smtp_from: str = "Help Desk <helpdesk@example.com>"
    # How many deliveries notify sends at once.
    notify_senders: int = 8
    # How many tickets' statistics facts intake keeps decoded in memory (about 4 KB each);
    # 20,000 covers a 30-day report at 100,000 tickets a year.
    stats_cache_entries: int = 20_000

    intake_url: str = "http://127.0.0.1:8000"
    knowledge_url: str = "http://127.0.0.1:8001"
    notify_url: str = "http://127.0.0.1:8002"
    # More intake processes beside intake_url that the web router spreads requests over in
    # turn (several on one machine; in production the ingress balances instead).
    router_intake_urls: list[str] = []
    # The same for knowledge and notify (`make run COPIES=2` starts them; docs/SCALING.md).
    router_knowledge_urls: list[str] = []
    router_notify_urls: list[str] = []
    # The one origin of the web app: its files and the three services' /v1 APIs (in
    # production an ingress routes it; in `make run`, services/router).
    web_url: str = "http://127.0.0.1:8080"
    # The built web app the router serves (`vite build` writes it).
    web_dist_dir: Path = Path("web/dist")
    # Where a customer reads an FAQ article, `{id}` standing for the article (the portal's
    # page once there is one); unset: the knowledge API's own article URL.
    faq_article_url: str | None = None
    # Where a person opens a ticket from an e-mail, `{id}` standing for the ticket (the
    # portal's or console's page once there is one); unset: the intake API's ticket URL.
    ticket_url: str | None = None

    # Signs the access tokens every service accepts (HS256).
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    access_token_minutes: int = 60
    # The session cookie is sent only over HTTPS; set it wherever the web app is served so.
    session_cookie_secure: bool = False
    # How long a service caches a staff account's role, groups and active flag, and an API
    # key (a key revoked through another intake process works for at most this long).
    staff_account_cache_seconds: float = 30.0
    # How long a worker keeps the SLA policy and desk settings it read: a change applies to
    # tickets filed from this long after it (each new ticket read them).
    desk_config_cache_seconds: float = 1.0
    # Whether the worker runs ticket workflows in Temporal's sandbox (the tests always do;
    # it cost 40% of the worker's CPU per ticket, see services/workflows/worker.py).
    workflow_sandbox: bool = False
    # The worker's share of the work (services/workflows/worker.py): workflow tasks and
    # activities it runs at once, ticket workflows it keeps cached (a cached ticket's next
    # task needs no replay of its history; about 250 KiB each unsandboxed), and how long,
    # once asked to stop, it lets running activities finish before it cancels them. Keep
    # the shutdown below the pod's termination grace period (deploy/helm sets both).
    worker_max_concurrent_workflow_tasks: int = Field(default=100, ge=2)
    worker_max_concurrent_activities: int = Field(default=100, ge=1)
    worker_max_cached_workflows: int = Field(default=1000, ge=0)
    worker_graceful_shutdown_seconds: float = Field(default=20.0, ge=0)

    # Per caller (user or API key): at most `burst` requests in each window of
    # burst / rate seconds, counted by every intake process together (shared.ratelimit).
    rate_limit_per_second: float = 20.0
    rate_limit_burst: int = 60
    # Wrong passwords per minute for one account, and from one client address (an office
    # behind one address logs in at once: only failures count), shared by every process.
    login_attempts_per_minute: int = 10
    login_failures_per_address_per_minute: int = 30

    # Attachments (SPEC A2, F1).
    attachment_max_bytes: int = 10 * 1024 * 1024
    # Uploads not yet attached to a ticket or message, per user; they are removed a day
    # after their upload (services/workflows/housekeeping.py).
    attachment_unlinked_max_files: int = 50
    attachment_unlinked_max_bytes: int = 100 * 1024 * 1024

    # How long an agent action may wait on the ticket's workflow before answering 503.
    workflow_update_timeout_seconds: float = 10.0
    # How long a reversible bulk action (assign, set priority) can be undone.
    bulk_undo_window_seconds: int = 30 * 60
    # Ticket updates one bulk action keeps in flight at once: enough to overlap their round
    # trips, few enough to leave the ticket workers room for everything else.
    bulk_concurrent_updates: int = Field(default=8, ge=1, le=100)

    # How long a dependency may take to answer a readiness probe.
    readiness_timeout_seconds: float = 2.0
    # How often intake looks for stored tickets whose workflow has not started yet.
    workflow_sweep_interval_seconds: float = 10.0

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> Self:
        if self.environment is not Environment.PRODUCTION:
            return self
        if self.meili_master_key.get_secret_value() == DEV_MEILI_MASTER_KEY:
            raise ValueError("MEILI_MASTER_KEY must be set in production")
        if self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
            raise ValueError("JWT_SECRET must be set in production")
        return self

    @property
    def is_development(self) -> bool:
        return self.environment is Environment.DEVELOPMENT

    def faq_article_link(self, article_id: str) -> str:
        """Where a customer reads the FAQ article `article_id`."""
        template = self.faq_article_url or f"{self.knowledge_url}/v1/articles/{{id}}"
        return template.format(id=article_id)

    def ticket_link(self, ticket_id: str) -> str:
        """Where a person opens the ticket `ticket_id`."""
        template = self.ticket_url or f"{self.intake_url}/v1/tickets/{{id}}"
        return template.format(id=ticket_id)

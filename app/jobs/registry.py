"""Every background job the worker runs. A new job is one module of ``app/jobs/`` and one line
here."""

from collections.abc import Callable

from app.jobs.audits import AuditJob
from app.jobs.base import LoopService
from app.jobs.batch_register import BatchRegisterJob
from app.jobs.context import JobContext
from app.jobs.inventory_schedule import InventoryScheduleJob
from app.jobs.inventory_sync import InventorySyncJob
from app.jobs.profile_tasks import ProfileTaskJob
from app.jobs.propagation import PropagationJob
from app.jobs.provider_refresh import ProviderRefreshJob
from app.jobs.registration_recovery import RegistrationRecoveryJob
from app.jobs.registration_sync import BrandSyncJob, CampaignSyncJob
from app.jobs.retention import RetentionJob
from app.jobs.webhook_delivery import WebhookDeliveryJob

JOBS: tuple[Callable[[JobContext], LoopService], ...] = (
    PropagationJob,  # numbers' campaign links to their providers
    ProfileTaskJob,  # bulk tasks delegated to a provider (assignment by messaging profile)
    WebhookDeliveryJob,  # status webhooks from the outbox
    ProviderRefreshJob,  # live brands and campaigns read again when stale
    BrandSyncJob,  # brands read from their provider until their registration settles
    CampaignSyncJob,  # campaigns likewise
    RegistrationRecoveryJob,  # registrations whose request died, finished or forgotten
    RetentionJob,  # old events, deliveries, provider events, Idempotency-Key responses
    InventorySyncJob,  # an account's numbers imported and refreshed, page by page
    BatchRegisterJob,  # many numbers registered at once
    AuditJob,  # what providers hold on campaigns compared with numlink (and repaired)
    InventoryScheduleJob,  # syncs and audits of every live account on a schedule
)

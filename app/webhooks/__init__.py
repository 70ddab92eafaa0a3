"""Outbound webhooks: endpoints and the status_url signing secret. Deliveries are queued in the
outbox ``webhook_deliveries`` by the database trigger ``phone_numbers_status_webhooks``
(migration 0002), in the transaction that changes a number's status, and sent by
``app.jobs.webhook_delivery``."""

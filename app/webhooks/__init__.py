"""Outbound status webhooks: endpoints, signing secrets and the delivery outbox."""

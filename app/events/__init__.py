"""The events feed: every state change as an event, written in the transaction that makes it,
and the webhook deliveries made from events."""

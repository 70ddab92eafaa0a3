from app.kit.schemas import ResponseSchema


class WebhookReceipt(ResponseSchema):
    events: int  # events in the request
    duplicates: int  # already applied before (same event id): ignored
    rows_changed: int  # numbers, campaigns and brands updated or scheduled for a check

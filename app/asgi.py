"""ASGI entry point for ``numlink api`` (and any ASGI server): settings from the environment."""

from app.kit.logging import configure_logging
from app.main import create_app
from app.settings import get_settings

configure_logging(get_settings().log_level)
app = create_app()

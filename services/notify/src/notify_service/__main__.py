"""``python -m notify_service``: serve notify on NOTIFY_PORT (default 8004)."""

from fanxiang_common.app import serve
from notify_service.app import create_app
from notify_service.settings import NotifySettings

settings = NotifySettings()
serve(lambda: create_app(settings), settings)

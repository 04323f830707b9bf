"""``python -m fanxiang_web``: serve web on WEB_PORT (default 8000)."""

from fanxiang_common.app import serve
from fanxiang_web.app import create_app
from fanxiang_web.settings import WebSettings

settings = WebSettings()
serve(lambda: create_app(settings), settings)

"""``python -m matching_service``: serve matching on MATCHING_PORT (default 8002)."""

from fanxiang_common.app import serve
from matching_service.app import create_app
from matching_service.settings import MatchingSettings

settings = MatchingSettings()
serve(lambda: create_app(settings), settings)

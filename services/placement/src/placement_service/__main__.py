"""``python -m placement_service``: serve placement on PLACEMENT_PORT (default 8001)."""

from fanxiang_common.app import serve
from placement_service.app import create_app
from placement_service.settings import PlacementSettings

settings = PlacementSettings()
serve(lambda: create_app(settings), settings)

"""``python -m survey_service``: serve survey on SURVEY_PORT (default 8003)."""

from fanxiang_common.app import serve
from survey_service.app import create_app
from survey_service.settings import SurveySettings

settings = SurveySettings()
serve(lambda: create_app(settings), settings)

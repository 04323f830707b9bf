"""Notify's settings: the common ones (see fanxiang_common.settings) and its own, each read
from an explicit ``NOTIFY_…`` variable. A channel with no provider configured is off: its
deliveries are recorded as skipped, and the inbox always works."""

from __future__ import annotations

from datetime import time
from typing import ClassVar

from pydantic import Field

from fanxiang_common.settings import Environment, ServiceSettings


class NotifySettings(ServiceSettings):
    service: ClassVar[str] = "notify"
    host: str = Field(default="127.0.0.1", validation_alias="NOTIFY_HOST")
    port: int = Field(default=8004, ge=1, le=65535, validation_alias="NOTIFY_PORT")
    database_url: str = Field(default="", validation_alias="NOTIFY_DATABASE_URL")

    # Which roles this process plays: API replicas, consumers and senders scale apart.
    run_consumers: bool = Field(default=True, validation_alias="NOTIFY_CONSUMERS")
    run_worker: bool = Field(default=True, validation_alias="NOTIFY_WORKER")

    # The delivery worker.
    worker_batch: int = Field(default=200, ge=1, le=5000, validation_alias="NOTIFY_WORKER_BATCH")
    worker_concurrency: int = Field(
        default=20, ge=1, le=500, validation_alias="NOTIFY_WORKER_CONCURRENCY"
    )
    worker_poll_s: float = Field(default=1.0, gt=0, le=60, validation_alias="NOTIFY_WORKER_POLL_S")
    lease_s: float = Field(default=60.0, gt=0, le=3600, validation_alias="NOTIFY_LEASE_S")
    backoff_scale: float = Field(default=1.0, gt=0, le=100, validation_alias="NOTIFY_BACKOFF_SCALE")
    """Multiplies every retry delay; tests shrink the schedule with it, nothing else does."""

    # Quiet hours, Asia/Shanghai: non-urgent messages on email/SMS/WeChat wait for the end.
    quiet_start: time = Field(default=time(22, 0), validation_alias="NOTIFY_QUIET_START")
    quiet_end: time = Field(default=time(8, 0), validation_alias="NOTIFY_QUIET_END")

    # Liaison broadcasts wait for a coordinator's approval when this is on.
    broadcast_approval: bool = Field(default=False, validation_alias="NOTIFY_BROADCAST_APPROVAL")

    # Email over SMTP.
    smtp_host: str | None = Field(default=None, validation_alias="NOTIFY_SMTP_HOST")
    smtp_port: int = Field(default=25, ge=1, le=65535, validation_alias="NOTIFY_SMTP_PORT")
    smtp_username: str | None = Field(default=None, validation_alias="NOTIFY_SMTP_USERNAME")
    smtp_password: str | None = Field(default=None, validation_alias="NOTIFY_SMTP_PASSWORD")
    smtp_starttls: bool = Field(default=False, validation_alias="NOTIFY_SMTP_STARTTLS")
    smtp_tls: bool = Field(default=False, validation_alias="NOTIFY_SMTP_TLS")
    smtp_timeout_s: float = Field(default=15.0, gt=0, validation_alias="NOTIFY_SMTP_TIMEOUT_S")
    mail_from: str = Field(
        default="返家乡 <noreply@fanxiang.local>", validation_alias="NOTIFY_MAIL_FROM"
    )
    # Development: with no SMTP server configured, notify runs a local sink and sends to it,
    # so that the mails `make run` sends can be read as .eml files.
    dev_mail_sink: bool = Field(default=True, validation_alias="NOTIFY_DEV_MAIL_SINK")
    dev_mail_port: int = Field(
        default=8025, ge=1, le=65535, validation_alias="NOTIFY_DEV_MAIL_PORT"
    )
    dev_mail_dir: str = Field(default=".dev/mail", validation_alias="NOTIFY_DEV_MAIL_DIR")

    # SMS through Tencent Cloud SMS (API 3.0, SendSms); off unless the credentials are set.
    sms_endpoint: str = Field(
        default="https://sms.tencentcloudapi.com", validation_alias="NOTIFY_SMS_ENDPOINT"
    )
    sms_region: str = Field(default="ap-guangzhou", validation_alias="NOTIFY_SMS_REGION")
    sms_secret_id: str | None = Field(default=None, validation_alias="NOTIFY_SMS_SECRET_ID")
    sms_secret_key: str | None = Field(default=None, validation_alias="NOTIFY_SMS_SECRET_KEY")
    sms_app_id: str | None = Field(default=None, validation_alias="NOTIFY_SMS_APP_ID")
    sms_sign_name: str = Field(default="返家乡", validation_alias="NOTIFY_SMS_SIGN_NAME")
    sms_template_code: str | None = Field(default=None, validation_alias="NOTIFY_SMS_TEMPLATE_CODE")
    sms_template_notice: str | None = Field(
        default=None, validation_alias="NOTIFY_SMS_TEMPLATE_NOTICE"
    )

    # WeChat subscription messages (mini program); off unless the app is configured.
    wechat_api_base: str = Field(
        default="https://api.weixin.qq.com", validation_alias="NOTIFY_WECHAT_API_BASE"
    )
    wechat_app_id: str | None = Field(default=None, validation_alias="NOTIFY_WECHAT_APP_ID")
    wechat_app_secret: str | None = Field(default=None, validation_alias="NOTIFY_WECHAT_APP_SECRET")
    wechat_template_id: str | None = Field(
        default=None, validation_alias="NOTIFY_WECHAT_TEMPLATE_ID"
    )
    wechat_page: str = Field(default="pages/inbox/index", validation_alias="NOTIFY_WECHAT_PAGE")
    wechat_state: str = Field(default="formal", validation_alias="NOTIFY_WECHAT_STATE")

    provider_timeout_s: float = Field(
        default=10.0, gt=0, validation_alias="NOTIFY_PROVIDER_TIMEOUT_S"
    )

    @property
    def uses_dev_mail_sink(self) -> bool:
        return (
            self.smtp_host is None
            and self.dev_mail_sink
            and self.environment is Environment.DEVELOPMENT
        )

    @property
    def sms_configured(self) -> bool:
        return bool(self.sms_secret_id and self.sms_secret_key and self.sms_app_id)

    @property
    def wechat_configured(self) -> bool:
        return bool(self.wechat_app_id and self.wechat_app_secret and self.wechat_template_id)

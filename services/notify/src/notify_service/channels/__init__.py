"""Channel adapters, built from the settings: a channel without a provider is simply absent."""

from __future__ import annotations

from notify_service.channels.base import Sender
from notify_service.domain.channels import Channel
from notify_service.domain.templates import SmsText
from notify_service.settings import NotifySettings


def build_senders(
    settings: NotifySettings, *, dev_mail_port: int | None = None
) -> dict[Channel, Sender]:
    from notify_service.channels.email import EmailSender
    from notify_service.channels.sms import SmsSender
    from notify_service.channels.wechat import WeChatSender

    senders: dict[Channel, Sender] = {}
    if settings.smtp_host or dev_mail_port:
        senders[Channel.EMAIL] = EmailSender(
            host=settings.smtp_host or "127.0.0.1",
            port=settings.smtp_port if settings.smtp_host else int(dev_mail_port or 0),
            sender=settings.mail_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            tls=settings.smtp_tls,
            timeout_s=settings.smtp_timeout_s,
        )
    if settings.sms_configured:
        senders[Channel.SMS] = SmsSender(
            endpoint=settings.sms_endpoint,
            region=settings.sms_region,
            secret_id=str(settings.sms_secret_id),
            secret_key=str(settings.sms_secret_key),
            app_id=str(settings.sms_app_id),
            sign_name=settings.sms_sign_name,
            templates={
                SmsText.CODE: settings.sms_template_code,
                SmsText.NOTICE: settings.sms_template_notice,
            },
            timeout_s=settings.provider_timeout_s,
        )
    if settings.wechat_configured:
        senders[Channel.WECHAT] = WeChatSender(
            api_base=settings.wechat_api_base,
            app_id=str(settings.wechat_app_id),
            app_secret=str(settings.wechat_app_secret),
            template_id=str(settings.wechat_template_id),
            page=settings.wechat_page,
            state=settings.wechat_state,
            timeout_s=settings.provider_timeout_s,
        )
    return senders


def configured_channels(settings: NotifySettings) -> set[Channel]:
    """The channels deliveries are queued for (the others are recorded as skipped)."""
    channels = {Channel.INBOX}
    if settings.smtp_host or settings.uses_dev_mail_sink:
        channels.add(Channel.EMAIL)
    if settings.sms_configured:
        channels.add(Channel.SMS)
    if settings.wechat_configured:
        channels.add(Channel.WECHAT)
    return channels

"""What the routers share: the runtime, the caller's inbox, response models' base."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict

from fanxiang_common.auth import CurrentPrincipal, Principal
from fanxiang_common.errors import Forbidden
from notify_service.domain.recipients import Recipient, inbox_of


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def runtime(request: Request) -> Any:
    return request.app.state.runtime


def own_inbox(principal: CurrentPrincipal) -> Recipient:
    recipient = inbox_of(principal)
    if recipient is None:
        raise Forbidden("your account has no inbox here")
    return recipient


OwnInbox = Annotated[Recipient, Depends(own_inbox)]
Caller = Annotated[Principal, Depends(lambda principal: principal)]

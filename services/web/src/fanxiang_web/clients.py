"""Calling the services' HTTP APIs on behalf of the signed-in person.

Every call forwards the person's bearer token. A refusal comes back as `ApiError` with the
service's field errors (`domain.errors`); a service that does not answer as `ServiceDown`, which
the app shows as a "try again shortly" page rather than an error trace."""

from __future__ import annotations

import logging
import time
from typing import IO, Any, Literal

import httpx

from fanxiang_web.domain.errors import FieldError, parse_detail
from fanxiang_web.settings import WebSettings

log = logging.getLogger(__name__)

Service = Literal["placement", "matching", "survey", "notify"]
REFERENCE_TTL_S = 300.0


class ApiError(Exception):
    """A service refused the request (4xx); ``errors`` say which field and why."""

    def __init__(
        self, service: str, status: int, errors: list[FieldError], raw: Any = None
    ) -> None:
        super().__init__(f"{service} answered {status}: {[e.msg for e in errors]}")
        self.service = service
        self.status = status
        self.errors = errors
        self.raw = raw
        """The body as the service sent it (e.g. a spreadsheet's problems by row)."""

    def has(self, type_: str) -> bool:
        return any(e.type == type_ for e in self.errors)


class ServiceDown(Exception):
    """A service is unreachable, timed out or failed (5xx)."""

    def __init__(self, service: str, reason: str) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {"detail": response.text[:200]}


class Services:
    """One pooled HTTP client per service, opened with the app."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        self.urls: dict[str, str] = {
            "placement": settings.placement_url,
            "matching": settings.matching_url,
            "survey": settings.survey_url,
            "notify": settings.notify_url,
        }
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._reference: tuple[float, dict[str, Any]] | None = None

    def open(self) -> None:
        timeout = httpx.Timeout(self.settings.service_timeout_s, connect=3.0)
        self._clients = {
            name: httpx.AsyncClient(base_url=url, timeout=timeout)
            for name, url in self.urls.items()
        }

    async def close(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients = {}

    def client(self, service: str) -> httpx.AsyncClient:
        if not self._clients:  # used outside the lifespan (a test's app without startup)
            self.open()
        return self._clients[service]

    async def call(
        self,
        service: Service,
        method: str,
        path: str,
        *,
        token: str | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotency_key: str | None = None,
        files: dict[str, tuple[str, bytes | IO[bytes], str]] | None = None,
        data: dict[str, str] | None = None,
        read_timeout_s: float | None = None,
    ) -> Any:
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = await self.client(service).request(
                method,
                path,
                params=clean,
                json=json,
                headers=headers,
                files=files,
                data=data,
                timeout=read_timeout_s if read_timeout_s is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.HTTPError as exc:
            log.warning("service unreachable", extra={"service": service, "error": str(exc)})
            raise ServiceDown(service, type(exc).__name__) from exc
        if response.status_code >= 500:
            raise ServiceDown(service, f"status {response.status_code}")
        if response.status_code >= 400:
            body = _json(response)
            raise ApiError(service, response.status_code, parse_detail(body), body)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def reference(self) -> dict[str, Any]:
        """Placement's vocabularies and geography (public and slow to change: cached)."""
        now = time.monotonic()
        if self._reference is None or now - self._reference[0] > REFERENCE_TTL_S:
            data = await self.call("placement", "GET", "/v1/reference")
            self._reference = (now, data)
        return self._reference[1]


class Api:
    """The services, as one signed-in person sees them."""

    def __init__(self, services: Services, token: str | None) -> None:
        self.services = services
        self.token = token

    async def get(
        self, service: Service, path: str, *, read_timeout_s: float | None = None, **params: Any
    ) -> Any:
        return await self.services.call(
            service, "GET", path, token=self.token, params=params, read_timeout_s=read_timeout_s
        )

    async def post(
        self,
        service: Service,
        path: str,
        json: Any = None,
        *,
        idempotency_key: str | None = None,
        **params: Any,
    ) -> Any:
        return await self.services.call(
            service,
            "POST",
            path,
            token=self.token,
            json=json if json is not None else {},
            params=params,
            idempotency_key=idempotency_key,
        )

    async def upload(
        self,
        service: Service,
        path: str,
        files: dict[str, tuple[str, bytes | IO[bytes], str]],
        data: dict[str, str],
        read_timeout_s: float | None = None,
        **params: Any,
    ) -> Any:
        """A multipart form (a file and its fields), e.g. a spreadsheet of posts. A file object
        is streamed, not read into memory."""
        return await self.services.call(
            service,
            "POST",
            path,
            token=self.token,
            files=files,
            data=data,
            params=params,
            read_timeout_s=read_timeout_s,
        )

    async def download(
        self, service: Service, path: str, *, read_timeout_s: float | None = None
    ) -> httpx.Response:
        """A file the service serves (a template, an export), as it came."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        timeout = read_timeout_s if read_timeout_s is not None else httpx.USE_CLIENT_DEFAULT
        try:
            response = await self.services.client(service).get(
                path, headers=headers, timeout=timeout
            )
        except httpx.HTTPError as exc:
            raise ServiceDown(service, type(exc).__name__) from exc
        if response.status_code >= 500:
            raise ServiceDown(service, f"status {response.status_code}")
        if response.status_code >= 400:
            raise ApiError(service, response.status_code, parse_detail(_json(response)))
        return response

    async def put(self, service: Service, path: str, json: Any) -> Any:
        return await self.services.call(service, "PUT", path, token=self.token, json=json)

    async def delete(self, service: Service, path: str) -> Any:
        return await self.services.call(service, "DELETE", path, token=self.token)

    async def all_pages(
        self, service: Service, path: str, *, cap: int = 2000, **params: Any
    ) -> list[dict[str, Any]]:
        """Every item of a paged list (``{"items", "total"}``), up to ``cap`` items."""
        items: list[dict[str, Any]] = []
        while len(items) < cap:
            page = await self.get(service, path, limit=500, offset=len(items), **params)
            items += page["items"]
            if not page["items"] or len(items) >= page["total"]:
                break
        return items[:cap]

    async def reference(self) -> dict[str, Any]:
        return await self.services.reference()

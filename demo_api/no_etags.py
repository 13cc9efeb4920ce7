"""`NoETags`: the demo API without ETags, like a server that promises none (the public
contract does not). Clients then cannot send `If-Match`, which is how the admin's
per-dashboard lock is tested against the window between a re-read and a PATCH."""

from __future__ import annotations

from demo_api.faults import ASGIApp, Message, Receive, Scope, Send


class NoETags:
    """Plain ASGI: drops the `ETag` header from every answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_without_etag(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"etag"
                ]
            await send(message)

        await self.app(scope, receive, send_without_etag)

"""Every Bot API call's failure counted by its code, whichever HTTP client makes the call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# Told each failed call's code: the HTTP status ("429", "502"), "timeout" or "network".
ErrorCount = Callable[[str], None]


class CountedRequest(BaseRequest):
    """A BaseRequest that passes calls to `inner` and tells `count` of each failure."""

    def __init__(self, inner: BaseRequest, count: ErrorCount) -> None:
        self._inner = inner
        self._count = count

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        try:
            status, payload = await self._inner.do_request(
                url,
                method,
                request_data,
                read_timeout,
                write_timeout,
                connect_timeout,
                pool_timeout,
            )
        except TimedOut:
            self._count("timeout")
            raise
        except NetworkError:
            self._count("network")
            raise
        if not 200 <= status <= 299:
            # The Bot API's error_code is the HTTP status it answers with.
            self._count(str(status))
        return status, payload

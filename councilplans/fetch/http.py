"""One polite HTTP client per council site: the only way the fetcher reaches the network.

Polite: a User-Agent that names the tool, one request at a time with a pause between two
(`FetchSettings.delay_s`, or the site's robots.txt Crawl-delay when that is longer), robots.txt
read before the first page and obeyed, retries with a growing wait on 429 and 5xx answers and
on dropped connections (a Retry-After header that asks for longer is honoured, up to a cap).

Untrusted: every URL, those read from the site's pages and those a redirect points at, is
checked to be on the site (same host, same port or both default ports, http or https, no
user name in it) before it is requested; a body larger than the limit is cut off and refused.
"""

from __future__ import annotations

import email.utils
import hashlib
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

AGENT_TOKEN = "councilplans"  # the name robots.txt rules address


def tool_version() -> str:
    try:
        return metadata.version("councilplans")
    except metadata.PackageNotFoundError:
        return "0"


USER_AGENT = f"{AGENT_TOKEN}/{tool_version()} (fetches published council committee papers; one request at a time)"
DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchSettings:
    """How hard the fetcher may press a council's site, and how long it waits for it."""

    delay_s: float = 1.0  # pause between the end of one request and the start of the next
    timeout_s: float = 30.0  # connect, read and write timeout of one request (self-hosted installs are slow)
    retries: int = 3  # further tries after a 429 or 5xx answer or a dropped connection (not after a timeout)
    backoff_s: float = 2.0  # wait before the first retry; it doubles with each further try
    max_backoff_s: float = 120.0  # longest wait before a retry, whatever Retry-After asks
    max_document_bytes: int = 200 * 1024 * 1024  # agenda packs run to tens of MB; a larger body is refused
    max_page_bytes: int = 20 * 1024 * 1024  # an HTML page or web-service answer larger than this is refused
    max_redirects: int = 5
    body_deadline_s: float = 900.0  # longest one body may take to arrive, however steadily it trickles in
    user_agent: str = USER_AGENT


class FetchError(Exception):
    """A URL that could not be fetched: kind is one word (not_found, http_error, timeout, network,
    off_site, robots, too_large, redirects, not_pdf), reason says what happened."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class Page:
    url: str  # after redirects
    text: str
    content_type: str


@dataclass(frozen=True)
class Download:
    """A body saved to a file (status 200), or nothing because the copy we hold is current (304)."""

    status: int
    url: str
    path: Path | None = None
    sha256: str | None = None
    size: int = 0
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""
    content_disposition: str | None = None


def origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or DEFAULT_PORTS.get(scheme, 0)


def same_site(url: str, site_url: str) -> bool:
    """Given a URL and the site's URL, say whether the URL stays on that site: the same host, and
    the same port (http and https on their default ports count as one site); no user name."""
    try:
        parts = urlsplit(url)
        scheme, host, port = origin(url)
        _, site_host, site_port = origin(site_url)
    except ValueError:  # a malformed port or IPv6 literal
        return False
    if scheme not in DEFAULT_PORTS or not host or parts.username is not None or parts.password is not None:
        return False
    both_default = port == DEFAULT_PORTS[scheme] and site_port in DEFAULT_PORTS.values()
    return host == site_host and (port == site_port or both_default)


def retry_wait(attempt: int, retry_after: str | None, settings: FetchSettings) -> float:
    """Seconds to wait before retry number attempt+1: the doubling backoff, or what Retry-After
    asks (seconds or an HTTP date) when that is longer, never more than the cap."""
    wait = settings.backoff_s * (2 ** attempt)
    if retry_after:
        asked = None
        if retry_after.strip().isdigit():
            asked = float(retry_after.strip())
        else:
            try:
                when = email.utils.parsedate_to_datetime(retry_after)
                asked = (when - datetime.now(timezone.utc)).total_seconds()
            except (TypeError, ValueError):
                asked = None
        if asked is not None:
            wait = max(wait, asked)
    return max(0.0, min(wait, settings.max_backoff_s))


def status_error(response: httpx.Response) -> FetchError:
    code = response.status_code
    kind = "not_found" if code in (404, 410) else "http_error"
    return FetchError(kind, f"HTTP {code} {response.reason_phrase}".strip())


class SiteClient:
    """GET requests to one site, one at a time, as described at the top of this module."""

    def __init__(self, site_url: str, settings: FetchSettings = FetchSettings(), sleep=time.sleep,
                 clock=time.monotonic, transport: httpx.BaseTransport | None = None):
        self.site_url = site_url
        self.settings = settings
        self.sleep = sleep
        self.clock = clock
        self.requests = 0  # every request sent, robots.txt and retries included
        self.http = httpx.Client(
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(settings.timeout_s), follow_redirects=False, transport=transport)
        self._robots: dict[tuple[str, str, int], RobotFileParser | bool] = {}
        self._last_request: float | None = None

    def __enter__(self) -> SiteClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.http.close()

    # -- politeness ---------------------------------------------------------------------------

    def delay(self) -> float:
        crawl = [r.crawl_delay(AGENT_TOKEN) for r in self._robots.values() if isinstance(r, RobotFileParser)]
        return max([self.settings.delay_s] + [float(c) for c in crawl if c])

    def _pause(self) -> None:
        if self._last_request is not None:
            wait = self._last_request + self.delay() - self.clock()
            if wait > 0:
                self.sleep(wait)

    def robots(self, url: str) -> RobotFileParser | bool:
        """The rules of url's origin (True: all allowed, False: none), read once per origin.

        As RFC 9309 says: no robots.txt (a 4xx answer) allows everything, 401 and 403 nothing, and a
        robots.txt that cannot be reached (5xx, timeout) means nothing may be fetched."""
        key = origin(url)
        if key not in self._robots:
            scheme, host, _ = key
            netloc = urlsplit(url).netloc.rsplit("@", 1)[-1]
            robots_url = f"{scheme}://{netloc}/robots.txt"
            try:
                response = self._send(robots_url, {})
                try:
                    if response.status_code == 200:
                        parser = RobotFileParser(robots_url)
                        parser.parse(self._read_text(response, self.settings.max_page_bytes).splitlines())
                        rules: RobotFileParser | bool = parser
                    elif response.status_code in (401, 403):
                        rules = False
                    elif response.status_code in REDIRECTS or 400 <= response.status_code < 500:
                        rules = True
                    else:
                        rules = False
                finally:
                    response.close()
            except FetchError:
                rules = False
            self._robots[key] = rules
        return self._robots[key]

    def allowed(self, url: str) -> bool:
        rules = self.robots(url)
        return rules if isinstance(rules, bool) else rules.can_fetch(AGENT_TOKEN, url)

    def check(self, url: str) -> None:
        """Raise unless url is on the site and robots.txt lets us fetch it."""
        if not same_site(url, self.site_url):
            raise FetchError("off_site", f"not on {urlsplit(self.site_url).netloc}: not followed")
        if not self.allowed(url):
            raise FetchError("robots", "robots.txt does not allow it")

    # -- requests -----------------------------------------------------------------------------

    def _send(self, url: str, headers: dict[str, str]) -> httpx.Response:
        """One GET with retries on 429, 5xx and dropped connections; the response is a stream."""
        settings = self.settings
        for attempt in range(settings.retries + 1):
            self._pause()
            self.requests += 1
            try:
                response = self.http.send(self.http.build_request("GET", url, headers=headers), stream=True)
            except httpx.TimeoutException:
                raise FetchError("timeout", f"no answer within {settings.timeout_s:g} s") from None
            except httpx.TransportError as exc:
                if attempt == settings.retries:
                    raise FetchError("network", f"{type(exc).__name__}: {exc}") from None
                self.sleep(retry_wait(attempt, None, settings))
                continue
            finally:
                self._last_request = self.clock()
            if (response.status_code == 429 or response.status_code >= 500) and attempt < settings.retries:
                response.close()
                self.sleep(retry_wait(attempt, response.headers.get("retry-after"), settings))
                continue
            return response
        raise AssertionError("unreachable")

    def open(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET url, following redirects that stay on the site; the caller closes the response.

        Raises FetchError for a URL off the site or refused by robots.txt, too many redirects,
        a timeout or a connection that keeps failing. Status codes are left to the caller."""
        for _ in range(self.settings.max_redirects + 1):
            self.check(url)
            response = self._send(url, headers or {})
            if response.status_code in REDIRECTS and response.headers.get("location"):
                response.close()
                url = urljoin(url, response.headers["location"])
                continue
            return response
        raise FetchError("redirects", f"more than {self.settings.max_redirects} redirects")

    def _chunks(self, response: httpx.Response):
        """The body in chunks, cut off when it takes longer than the body deadline."""
        deadline = self.clock() + self.settings.body_deadline_s
        for chunk in response.iter_bytes(CHUNK):
            if self.clock() > deadline:
                raise FetchError("timeout", f"still arriving after {self.settings.body_deadline_s:g} s")
            yield chunk

    def _read_text(self, response: httpx.Response, limit: int) -> str:
        body = bytearray()
        try:
            for chunk in self._chunks(response):
                body += chunk
                if len(body) > limit:
                    raise FetchError("too_large", f"larger than {limit // (1024 * 1024)} MB")
        except httpx.TimeoutException:
            raise FetchError("timeout", f"no data within {self.settings.timeout_s:g} s") from None
        except httpx.TransportError as exc:
            raise FetchError("network", f"{type(exc).__name__}: {exc}") from None
        encoding = response.charset_encoding or "utf-8"
        try:
            return bytes(body).decode(encoding, errors="replace")
        except LookupError:
            return bytes(body).decode("utf-8", errors="replace")

    def page(self, url: str) -> Page:
        """The text of a page or web-service answer; FetchError unless the answer is 200."""
        response = self.open(url)
        try:
            if response.status_code != 200:
                raise status_error(response)
            return Page(str(response.url), self._read_text(response, self.settings.max_page_bytes),
                        response.headers.get("content-type", ""))
        finally:
            response.close()
            self._last_request = self.clock()  # the pause runs from the end of the body

    def download(self, url: str, dest: Path, etag: str | None = None, last_modified: str | None = None) -> Download:
        """Save url's body to dest (hashing it on the way), or nothing on 304 Not Modified when the
        validators of the copy we hold are given (a conditional GET)."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        response = self.open(url, headers)
        try:
            meta = dict(url=str(response.url), etag=response.headers.get("etag"),
                        last_modified=response.headers.get("last-modified"),
                        content_type=response.headers.get("content-type", ""),
                        content_disposition=response.headers.get("content-disposition"))
            if response.status_code == 304 and headers:
                return Download(status=304, **meta)
            if response.status_code != 200:
                raise status_error(response)
            digest, size = hashlib.sha256(), 0
            limit = self.settings.max_document_bytes
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                with open(dest, "wb") as out:
                    for chunk in self._chunks(response):
                        size += len(chunk)
                        if size > limit:
                            raise FetchError("too_large", f"larger than {limit // (1024 * 1024)} MB")
                        digest.update(chunk)
                        out.write(chunk)
            except httpx.TimeoutException:
                dest.unlink(missing_ok=True)
                raise FetchError("timeout", f"no data within {self.settings.timeout_s:g} s") from None
            except httpx.TransportError as exc:
                dest.unlink(missing_ok=True)
                raise FetchError("network", f"{type(exc).__name__}: {exc}") from None
            except FetchError:
                dest.unlink(missing_ok=True)
                raise
            return Download(status=200, path=dest, sha256=digest.hexdigest(), size=size, **meta)
        finally:
            response.close()
            self._last_request = self.clock()

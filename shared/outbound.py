"""Where the app may send requests of its own: public addresses only (README "Security").

A webhook URL is typed by whoever configures a storefront. Pointing it at
127.0.0.1, a private network or a cloud metadata address (169.254.169.254)
would make our workers call services that are not meant to be reachable from
outside, and the attempt log would show their answers. So in production a URL
whose host resolves to any address that is not globally routable is refused
when it is configured, and again at each delivery: DNS can change after the
check, so the delivery connects only to the addresses it has just checked.

`WEBHOOKS_ALLOW_PRIVATE_ADDRESSES` (default: on when DEBUG is) lifts the rule,
for a receiver on the developer's own machine.
"""

import http.client
import ipaddress
import random
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings


class AddressRefused(OSError):
    """The host resolves to an address outbound requests may not reach."""


def private_addresses_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False))


def address_is_public(address: str) -> bool:
    """True for a globally routable unicast address (not loopback, private, link-local, ...)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None) or getattr(ip, "sixtofour", None)
    if mapped is not None:  # ::ffff:127.0.0.1 reaches 127.0.0.1
        ip = mapped
    return ip.is_global and not ip.is_multicast


def host_addresses(host: str, port: int) -> list[tuple]:
    """Resolve `host` as a connection would: getaddrinfo's entries for a TCP stream."""
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def url_address_problem(url: str) -> str:
    """Say why requests may not go to `url`'s host; "" when they may.

    A host that does not resolve now is not refused here: it cannot be shown to
    be private, and a delivery to it fails (and is retried) like any outage.
    """
    if private_addresses_allowed():
        return ""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "The URL's port is not a number from 0 to 65535."
    try:
        entries = host_addresses(host, port)
    except (OSError, UnicodeError):
        return ""
    private = sorted({entry[4][0] for entry in entries if not address_is_public(entry[4][0])})
    if private:
        return (
            f"{host} resolves to {', '.join(private)}, which is not a public address "
            "(loopback, private, link-local or reserved); webhooks go to public addresses only."
        )
    return ""


def connection_to_public_address(
    address: tuple[str, int], timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None
) -> socket.socket:
    """socket.create_connection, refusing (AddressRefused) a host with any non-public address.

    Resolves once and connects only to the addresses it checked, so a DNS answer
    that changes between the check and the connection cannot redirect the request.
    """
    host, port = address
    try:
        entries = host_addresses(host, port)
    except UnicodeError as error:  # an over-long label: a failed delivery, retried, not a crash
        raise OSError(f"{host} is not a valid host name.") from error
    refused = [entry[4][0] for entry in entries if not address_is_public(entry[4][0])]
    if refused and not private_addresses_allowed():
        raise AddressRefused(f"{host} resolves to {', '.join(refused)}, not a public address.")
    last_error: OSError | None = None
    for family, kind, protocol, _name, socket_address in entries:
        sock = socket.socket(family, kind, protocol)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(socket_address)
            return sock
        except OSError as error:
            last_error = error
            sock.close()
    raise last_error or OSError(f"{host} has no address to connect to.")


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Connects only to the addresses it has just resolved and found public
        # (http.client sets this attribute per instance, so a class attribute would not do).
        self._create_connection = connection_to_public_address


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = connection_to_public_address


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(
            _PublicHTTPSConnection,
            req,
            context=self._context,
            check_hostname=self._check_hostname,
        )


class _RedirectRefused(urllib.request.HTTPRedirectHandler):
    """A 3xx is the receiver's answer: following it would send the request (and any
    credentials in it) elsewhere, and a redirected POST would lose its body."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def public_address_opener() -> urllib.request.OpenerDirector:
    """A urllib opener for the app's own requests: public addresses only, no redirects.

    No proxy from the environment either: the address check must see the receiver
    itself. Webhooks to storefronts and calls to the platforms' APIs both use it.
    """
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _PublicHTTPHandler, _PublicHTTPSHandler, _RedirectRefused
    )


@dataclass(frozen=True)
class OutboundAnswer:
    """What one outgoing request came back with (never an exception)."""

    status: int | None = None
    body: str = ""
    error: str = ""
    retry_after: float | None = None
    # No request was possible and none will ever help (a refused address, a bad URL).
    hopeless: bool = False


def outbound_send(
    request: urllib.request.Request, *, timeout: float, body_bytes: int
) -> OutboundAnswer:
    """Send `request` through `public_address_opener`; any answer, timeout or error comes back.

    `body_bytes`: how much of the answer's body to read (for the log, or to parse).
    The caller checked the URL's scheme (http or https).
    """
    try:
        with public_address_opener().open(request, timeout=timeout) as response:
            return OutboundAnswer(status=response.status, body=_body_start(response, body_bytes))
    except urllib.error.HTTPError as error:  # any answer but 2xx
        try:
            return OutboundAnswer(
                status=error.code,
                body=_body_start(error, body_bytes),
                error=f"HTTP {error.code} {error.reason}".strip(),
                retry_after=retry_after_parse(error.headers.get("Retry-After")),
            )
        finally:
            error.close()
    except TimeoutError:
        return OutboundAnswer(error=f"No answer within {timeout:g} s (timeout).")
    except urllib.error.URLError as error:
        if isinstance(error.reason, AddressRefused):  # a non-public address, as resolved now
            return OutboundAnswer(error=f"Refused: {error.reason}", hopeless=True)
        if isinstance(error.reason, TimeoutError):
            return OutboundAnswer(error=f"No connection within {timeout:g} s (timeout).")
        return OutboundAnswer(error=f"Connection failed: {error.reason}")
    except (OSError, http.client.HTTPException, ValueError) as error:
        # ValueError: a URL urllib cannot take at all (no host, bad port).
        return OutboundAnswer(error=f"Connection failed: {type(error).__name__}: {error}")


def _body_start(response, limit: int) -> str:
    try:
        raw = response.read(limit)
    except (OSError, http.client.HTTPException):
        return ""  # the status line arrived, which is what counts; the body is for the log
    # PostgreSQL text cannot hold NUL characters.
    return raw.decode("utf-8", errors="replace").replace("\x00", "")


def retry_after_parse(value: str | None) -> float | None:
    """Retry-After in seconds when it is a number (Shopify sends "2.0"); dates are ignored."""
    try:
        seconds = float((value or "").strip())
    except ValueError:
        return None
    return seconds if 0 <= seconds < float("inf") else None


def retry_delay(
    *, attempts: int, base: float, cap: float, retry_after: float | None = None
) -> float:
    """Seconds to wait after the `attempts`-th failed try of an outgoing request.

    `base` doubled per attempt, capped at `cap`; up to 10% is taken off at random so
    that requests failing together do not retry together, and never past the cap. A
    larger `retry_after` (a 429's Retry-After) wins, still capped.
    """
    # The exponent is bounded only so that a huge attempt count cannot overflow a float.
    delay = min(base * 2 ** min(max(attempts - 1, 0), 64), cap)
    delay *= 1 - 0.1 * random.random()  # noqa: S311 - jitter, not a secret
    if retry_after is not None and retry_after > delay:
        delay = min(retry_after, cap)
    return delay

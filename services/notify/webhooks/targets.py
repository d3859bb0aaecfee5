"""Where a webhook may be sent: never, unless the operator allows it, to this machine, the
private network or a cloud's metadata service (server-side request forgery through an
admin's webhook URL).

The check is made on the addresses the host name resolves to at delivery time, and the
request then goes to the address that was checked (the name kept for `Host` and TLS), so
a name that resolves to a public address when checked and to an internal one when
connected (DNS rebinding) is sent nowhere it should not be. Redirects are not followed.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Metadata services that sit at addresses `is_private` does not flag everywhere.
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


def refusal(address: IpAddress) -> str | None:
    """Why `address` may not receive webhooks (None: it may)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private or address.is_reserved or address.is_unspecified:
        return "a private or reserved address"
    if address.is_multicast:
        return "a multicast address"
    return None


def literal_refusal(host: str) -> str | None:
    """For a URL whose host is an IP address: why it may not receive webhooks."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None  # a name: checked when it is resolved, at every delivery
    reason = refusal(address)
    return None if reason is None else f"{address} is {reason}"


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class TargetRefusedError(Exception):
    """The target resolves to an address webhooks may not be sent to."""


@dataclass(frozen=True)
class Target:
    address: str  # to connect to
    host: str  # for Host and TLS


async def checked_target(
    host: str, port: int, *, allow_private: bool, resolve: Resolver = system_resolver
) -> Target:
    """The address to send to; TargetRefusedError when any address of `host` is refused
    (a name with one internal address among public ones is refused whole). OSError when
    it does not resolve."""
    addresses = await resolve(host, port)
    if not addresses:
        raise OSError(f"{host} resolves to no address")
    if not allow_private:
        for raw in addresses:
            reason = refusal(ipaddress.ip_address(raw.split("%")[0]))
            if reason is not None:
                raise TargetRefusedError(f"{host} resolves to {raw}, {reason}")
    return Target(address=addresses[0], host=host)

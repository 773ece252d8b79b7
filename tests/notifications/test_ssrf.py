"""The webhook address filter, tested on addresses and URLs only: no traffic is sent."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from backend.notifications.ssrf import TargetRefused, address_refusal, check_url

REFUSED = [
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "127.0.0.1",
    "127.8.8.8",
    "0.0.0.0",
    "169.254.169.254",
    "169.254.1.1",
    "100.64.0.1",
    "100.100.100.200",
    "224.0.0.1",
    "255.255.255.255",
    "192.0.2.10",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd00:ec2::254",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2001:db8::1",
    "ff02::1",
]
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert address_refusal(address) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert address_refusal(address) is None


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.9", "::1", "fe80::2"])
def test_allow_private_lets_local_targets_through(address: str) -> None:
    assert address_refusal(address, allow_private=True) is None


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "fd00:ec2::254", "100.100.100.200", "0.0.0.0", "224.0.0.1"]
)
def test_metadata_stays_refused_with_allow_private(address: str) -> None:
    assert address_refusal(address, allow_private=True) is not None


def _dns(answers: dict[str, Sequence[str]]):  # type: ignore[no-untyped-def]
    seen: list[str] = []

    async def resolve(host: str, port: int) -> Sequence[str]:
        seen.append(host)
        if host not in answers:
            raise OSError("NXDOMAIN")
        return answers[host]

    resolve.seen = seen  # type: ignore[attr-defined]
    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "gopher://example.com",
        "http://user:pw@example.com/",
        "http:///nohost",
        "http://10.0.0.1/hook",
        "http://[::1]:8080/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0x7f000001/",  # not an IP literal for us: resolved (fake DNS has no answer)
        "https://example.com:99999/",
    ],
)
async def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(TargetRefused):
        await check_url(url, resolver=_dns({"example.com": ["93.184.216.34"]}))


async def test_every_dns_answer_is_checked() -> None:
    resolve = _dns(
        {
            "rebind.example": ["93.184.216.34", "127.0.0.1"],
            "meta.example": ["169.254.169.254"],
            "ok.example": ["93.184.216.34", "2606:4700:4700::1111"],
        }
    )
    with pytest.raises(TargetRefused, match=r"127\.0\.0\.1"):
        await check_url("https://rebind.example/hook", resolver=resolve)
    with pytest.raises(TargetRefused):
        await check_url("http://meta.example/", resolver=resolve, allow_private=True)
    target = await check_url("https://ok.example/hook?x=1", resolver=resolve)
    # the connection goes to the checked address, the host stays for Host/TLS
    assert (target.address, target.host, target.port, target.path) == (
        "93.184.216.34",
        "ok.example",
        443,
        "/hook?x=1",
    )

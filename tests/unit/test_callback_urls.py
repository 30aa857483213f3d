"""Which callback URLs a service may register and which addresses a callback may reach: https
to public hosts only; plain http and loopback only where a local run allows them."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from shared.domain.callbacks import (
    MAX_CALLBACK_URL_LENGTH,
    callback_url_errors,
    is_public_address,
    may_connect_to,
)


@pytest.mark.parametrize(
    "url",
    [
        "https://callbacks.comune.example.it/postino",
        "https://callbacks.example.com:8443/a/b?tenant=7",
        "https://8.8.8.8/hook",
        "https://[2001:4860:4860::8888]/hook",
        "https://xn--comune-bll.example.it/",
        "HTTPS://Callbacks.Example.COM/",
    ],
)
def test_https_urls_to_public_hosts_are_accepted(url):
    assert callback_url_errors(url, allow_loopback_http=False) == []


@pytest.mark.parametrize(
    ("url", "fault"),
    [
        ("http://callbacks.example.com/", "https"),
        ("ftp://callbacks.example.com/", "https"),
        ("https://user:pw@callbacks.example.com/", "user name or password"),
        ("https://callbacks.example.com/#frag", "fragment"),
        ("https://callbacks.example.com/a b", "spaces"),
        ("https://callbacks.example.com/\x00", "control"),
        ("https://càllbacks.example.com/", "ASCII"),
        ("https:///path-only", "names its host"),
        ("https://callbacks.example.com:99999/", "port"),
    ],
)
def test_a_url_with_a_fault_is_refused_naming_it(url, fault):
    errors = callback_url_errors(url, allow_loopback_http=False)
    assert errors
    assert fault in " ".join(errors)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "[::1]",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.10",
        "169.254.169.254",
        "[fd00:ec2::254]",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104  # a URL host, not a bind address
        "224.0.0.1",
        "[fe80::1]",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::a00:1]",
        "[2002:c0a8:101::]",
    ],
)
def test_an_address_that_is_not_public_is_refused_in_production(host):
    errors = callback_url_errors(f"https://{host}/hook", allow_loopback_http=False)
    assert any("not public" in error for error in errors), errors


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "api.localhost",
        "printer.local",
        "metadata.google.internal",
        "nas.home.arpa",
        "intranet",
        "2130706433",
        "127.1",
        "0x7f.1",
        "under_score.example.com",
        "-bad.example.com",
    ],
)
def test_local_single_label_and_numeric_names_are_refused(host):
    assert callback_url_errors(f"https://{host}/hook", allow_loopback_http=False)


def test_a_url_over_the_length_limit_is_refused():
    url = "https://callbacks.example.com/" + "a" * MAX_CALLBACK_URL_LENGTH
    assert "at most" in callback_url_errors(url, allow_loopback_http=False)[0]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:7072/callbacks",
        "http://localhost:7072/",
        "http://[::1]:7072/",
        "https://127.0.0.1:8443/",
    ],
)
def test_loopback_and_plain_http_to_it_only_where_allowed(url):
    assert callback_url_errors(url, allow_loopback_http=True) == []
    assert callback_url_errors(url, allow_loopback_http=False) != []


@pytest.mark.parametrize("url", ["http://callbacks.example.com/", "http://10.0.0.1/"])
def test_the_local_allowance_is_for_loopback_only(url):
    assert callback_url_errors(url, allow_loopback_http=True) != []


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"]
)
def test_global_unicast_addresses_are_public(address):
    assert is_public_address(ip_address(address))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "169.254.169.254",
        "fd00:ec2::254",
        "100.64.1.1",
        "198.18.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "224.0.0.251",
        "ff02::1",
        "::",
        "::1",
        "::ffff:10.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b:1::1",
        "2002:7f00:1::",
        "2001:db8::1",
        "fe80::1%1",
    ],
)
def test_special_purpose_addresses_are_not_public(address):
    assert not is_public_address(ip_address(address))


def test_loopback_addresses_may_be_connected_to_only_when_allowed():
    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        assert may_connect_to(ip_address(address), allow_loopback=True)
        assert not may_connect_to(ip_address(address), allow_loopback=False)
    assert not may_connect_to(ip_address("10.0.0.1"), allow_loopback=True)

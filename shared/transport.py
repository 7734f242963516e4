"""Client options that make the environment's HTTP settings be read once per client, not on every request.

azure-core's default ``RequestsTransport`` (``use_env_settings=True``) leaves the environment to requests, which
reads it again for every request: the proxy variables (``HTTP_PROXY``, ``HTTPS_PROXY``, ``NO_PROXY``: two scans of
the whole ``os.environ`` and a ``NO_PROXY`` match), the CA bundle (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``) and
``~/.netrc``. For the state, queue and blob requests every chunk makes, that is CPU spent on answers that do not
change while the app runs (about 0.3 ms a request with 40 environment variables, 0.7 ms with 120). A storage
service client talks to one endpoint, so its proxies are resolved once here for that endpoint, as requests would
resolve them, and handed to the client's ``ProxyPolicy`` (``proxies``), the CA bundle as ``connection_verify``, and
the transport is told not to read the environment itself (``use_env_settings=False``); the SDK still builds its own
transport with its own timeouts and block size. ``.netrc`` is not read: every storage request carries its own
``Authorization``, which a ``.netrc`` entry would only replace.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")  # requests' order (Session.merge_environment_settings)


def environment_options(url: str) -> dict[str, Any]:
    """Keyword arguments for an azure-core client of the endpoint ``url``: the environment read now, not per request."""
    from requests.utils import get_environ_proxies

    parts = urlsplit(url)
    options: dict[str, Any] = {"use_env_settings": False}
    proxies = get_environ_proxies(f"{parts.scheme}://{parts.netloc}")
    if proxies:
        options["proxies"] = dict(proxies)
    bundle = next((os.environ[name] for name in CA_BUNDLE_VARIABLES if os.environ.get(name)), "")
    if bundle:
        options["connection_verify"] = bundle
    return options

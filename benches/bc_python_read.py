"""Reads every product of a BigCommerce store with its variants through the official Python
client (PyPI `bigcommerce`), the way its users page through v3: one page after another,
250 a page, with the client's own rate-limit management. Prints one JSON line.

Used by bench-read.py; see the README's performance section.

    python bc_python_read.py BASE_URL STORE_HASH TOKEN
"""

import json
import sys
import time
from collections import Counter

from importlib.metadata import version

import bigcommerce
from bigcommerce.exception import RateLimitingException


def main():
    base_url, store_hash, token = sys.argv[1:4]
    api = bigcommerce.api.BigcommerceApi(
        client_id="bench-read",
        store_hash=store_hash,
        access_token=token,
        # Wait for the window to reset when the quota runs low, as its README suggests.
        rate_limiting_management={"min_requests_remaining": 2, "wait": True},
    )
    conn = api.connection
    statuses = Counter()
    conn._session.hooks["response"].append(
        lambda response, *args, **kwargs: statuses.update([response.status_code])
    )
    # The client builds https URLs from a host name; the sandbox is plain http on loopback,
    # so the listing is addressed by its full URL (which the client then uses as given).
    url = base_url.rstrip("/") + "/stores/" + store_hash + "/v3/catalog/products"
    started = time.perf_counter()
    products = variants = 0
    page = 1
    while True:
        try:
            body = conn.get(url, include="variants", limit=250, page=page)
        except RateLimitingException as e:
            wait_ms = int(e.response.headers.get("X-Rate-Limit-Time-Reset-Ms", "1000"))
            time.sleep(wait_ms / 1000.0)
            continue
        for product in body["data"]:
            products += 1
            variants += len(product.get("variants") or [])
        if page >= body["meta"]["pagination"]["total_pages"] or not body["data"]:
            break
        page += 1
    wall = time.perf_counter() - started
    print(
        json.dumps(
            {
                "client": "bigcommerce %s (Python)" % version("bigcommerce"),
                "wall_s": wall,
                "products": products,
                "variants": variants,
                "requests": sum(statuses.values()),
                "pages": page,
                "status_429": statuses.get(429, 0),
            }
        )
    )


if __name__ == "__main__":
    main()

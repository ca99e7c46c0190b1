"""gzip for text the app sends itself (pages, stylesheets), when the browser accepts it.

Pages that show a secret — the learner code, staff pages — are never compressed: with
compression, the size of a response could leak a secret to an observer who can also inject
text into it (the BREACH attack).
"""

from __future__ import annotations

import gzip

from flask import Flask, Response, request

COMPRESSIBLE = {"text/html", "text/css", "text/csv", "text/vtt", "application/javascript", "image/svg+xml"}
NEVER = {"learner.save_progress"}
MINIMUM_BYTES = 1024


def compress_response(response: Response) -> Response:
    if (response.status_code != 200 or response.direct_passthrough or response.mimetype not in COMPRESSIBLE
            or not request.accept_encodings["gzip"] or "Content-Encoding" in response.headers
            or request.endpoint in NEVER or (request.endpoint or "").startswith("staff.")):
        return response
    body = response.get_data()
    if len(body) < MINIMUM_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def init_app(app: Flask) -> None:
    app.after_request(compress_response)

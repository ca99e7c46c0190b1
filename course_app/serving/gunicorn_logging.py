"""A gunicorn logger that never writes a client's address (S4), and never an access log.

gunicorn's own messages name clients: ``Invalid request from ip=203.0.113.7: …`` for an
oversize or malformed request, among others. This logger formats each message, replaces every
IPv4 and IPv6 address in it with ``[address]`` and only then writes it; the access log is
switched off in the class itself, so a command-line ``--access-logfile`` cannot turn it on.
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

# Four numbers, not part of a longer dotted run (a version such as 1.2.3.4.5); a full stop after
# them ends a sentence.
IPV4 = r"(?<!\d)(?<!\d\.)(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)"
# Full eight-group addresses, and any form with "::" (times such as 10:32:05 are neither, nor is a
# lone colon in a message such as "'two': must be a whole number"). One followed by ".digit" is the
# start of an IPv4-mapped address (::ffff:203.0.113.7): its IPv4 part is then matched whole.
_GROUPS = r"(?:[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6})"
IPV6 = (rf"(?<![\w:])(?:(?:[0-9A-Fa-f]{{1,4}}:){{7}}[0-9A-Fa-f]{{1,4}}"
        rf"|{_GROUPS}?::{_GROUPS}?(?:%[\w.]+)?)(?![\w:]|\.\d)")
ADDRESS = re.compile(f"{IPV4}|{IPV6}")
REPLACEMENT = "[address]"


def without_addresses(text: str) -> str:
    """``text`` with every IP address replaced by ``[address]``."""
    return ADDRESS.sub(REPLACEMENT, text)


class AddresslessLogger(Logger):
    """gunicorn's logger with every message cleaned of client addresses, and no access log at all."""

    def _clean(self, msg: object, args: tuple[Any, ...]) -> str:
        text = str(msg)
        if args:
            try:
                text = text % args
            except (TypeError, ValueError):
                text = " ".join([text, *map(str, args)])
        return without_addresses(text)

    def critical(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.error_log.critical(self._clean(msg, args), **kwargs)

    def error(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.error_log.error(self._clean(msg, args), **kwargs)

    def warning(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.error_log.warning(self._clean(msg, args), **kwargs)

    def info(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.error_log.info(self._clean(msg, args), **kwargs)

    def debug(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self.error_log.debug(self._clean(msg, args), **kwargs)

    def exception(self, msg: object, *args: Any, **kwargs: Any) -> None:
        # The traceback is about our code; the message line is cleaned like every other.
        self.error_log.exception(self._clean(msg, args), **kwargs)

    def log(self, lvl: int | str, msg: object, *args: Any, **kwargs: Any) -> None:
        super().log(lvl, self._clean(msg, args), **kwargs)

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        """No access log, ever: it would list who read what."""

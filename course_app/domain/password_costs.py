"""The costs of the staff password hash (Argon2id), and the least a server may set.

A server sets its own costs (STAFF_PASSWORD_MEMORY_KIB, STAFF_PASSWORD_TIME_COST), never below
OWASP's least for Argon2id: 19 MiB and 2 passes. The configuration asks ``password_hasher`` itself,
so the rule lives here once; this module imports nothing of the app, so configuration can use it.
"""

from __future__ import annotations

from argon2 import PasswordHasher

__all__ = ["LEAST_MEMORY_KIB", "LEAST_TIME_COST", "password_hasher"]

LEAST_MEMORY_KIB = 19_456
LEAST_TIME_COST = 2


def password_hasher(memory_kib: int, time_cost: int) -> PasswordHasher:
    """Argon2id with these costs; hashes made with other costs are renewed at the next sign-in."""
    if memory_kib < LEAST_MEMORY_KIB or time_cost < LEAST_TIME_COST:
        raise ValueError(f"Argon2id needs at least {LEAST_MEMORY_KIB} KiB and {LEAST_TIME_COST} passes")
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)

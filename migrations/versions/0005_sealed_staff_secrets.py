"""staff authenticator secrets sealed; sign-in throttles keyed by a hash of the name

The TOTP secret column grows to hold the sealed form (AES-GCM under STAFF_TOTP_KEY).
Secrets stored before this revision are sealed by `course-app db upgrade` (and `serve`) right
after migrating, since the key is not the database's to know. Throttle rows were keyed by
whatever was typed as the name — a password typed into the name field would sit there in
plain text — so they are all deleted; the new ones hold a keyed hash.

Revision ID: 0005
Revises: 0004
Created: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=200),
                              existing_nullable=True)
    op.execute("DELETE FROM throttle_window")


def downgrade() -> None:
    # A sealed secret does not fit the old column and cannot be opened without the key: staff
    # enrol their authenticator again after a downgrade.
    op.execute("UPDATE staff_member SET totp_secret = NULL, totp_enrolled = false, totp_last_step = 0 "
               "WHERE length(totp_secret) > 64")
    with op.batch_alter_table('staff_member', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=200), type_=sa.String(length=64),
                              existing_nullable=True)

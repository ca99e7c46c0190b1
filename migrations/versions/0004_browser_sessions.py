"""browser sessions kept on the server; the cookie holds only a sealed token

Sessions made before this revision lived in signed cookies; those cookies no longer open
anything, so learners without a code start afresh (their rows are removed by the next purge,
as they would have been when their browser closed). Learners with a code continue with it.

Revision ID: 0004
Revises: 0003
Created: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('browser_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('learner_id', sa.String(length=32), nullable=True),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('last_seen_on', sa.Date(), nullable=False),
    sa.Column('remembered', sa.Boolean(), nullable=False),
    sa.Column('data', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_browser_session_learner_id_learner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_browser_session'))
    )
    with op.batch_alter_table('browser_session', schema=None) as batch_op:
        batch_op.create_index('ix_browser_session_last_seen_on', ['last_seen_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_browser_session_learner_id'), ['learner_id'], unique=False)
    # Whether a device is remembered now belongs to the browser session, not to the learner.
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_column('remembered')


def downgrade() -> None:
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remembered', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('browser_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_browser_session_learner_id'))
        batch_op.drop_index('ix_browser_session_last_seen_on')
    op.drop_table('browser_session')

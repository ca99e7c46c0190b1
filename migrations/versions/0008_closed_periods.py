"""statistics of closed periods, fixed once published

Staff see figures only for calendar weeks and months that have ended, and for the whole life
of a course up to the last ended month. Each such period's cells are written once
(``stats_period``, ``stats_cell``) and never changed: no learner is linked to them, and a later
purge or "Delete everything" leaves them as they were. Existing installations start with no
fixed period; the first dashboard view (or purge) fixes every ended period from the data then.

Revision ID: 0008
Revises: 0007
Created: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('stats_period',
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('fixed_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_stats_period'))
    )
    op.create_table('stats_cell',
    sa.Column('period_key', sa.String(length=16), nullable=False),
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=12), nullable=False),
    sa.Column('figure', sa.String(length=24), nullable=False),
    sa.Column('item', sa.String(length=80), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('hidden', sa.String(length=12), nullable=True),
    sa.ForeignKeyConstraint(['period_key'], ['stats_period.key'], name=op.f('fk_stats_cell_period_key_stats_period'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('period_key', 'course_slug', 'lang', 'figure', 'item', name=op.f('pk_stats_cell'))
    )


def downgrade() -> None:
    op.drop_table('stats_cell')
    op.drop_table('stats_period')

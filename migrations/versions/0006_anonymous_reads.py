"""anonymous lesson reads, and the day reading stopped creating learners

From this revision on, reading creates no learner: a learner is counted as "started" at their
first action (a quiz answered, a lesson marked done, a code saved), and reads are counted
apart, anonymously. The day of the upgrade is kept, so the dashboard can mark when the
meaning of "started" changed.

Revision ID: 0006
Revises: 0005
Created: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lesson_read_day',
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('lesson_slug', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=12), nullable=False),
    sa.Column('reads', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('course_slug', 'day', 'lesson_slug', 'lang', name=op.f('pk_lesson_read_day'))
    )
    site_event = op.create_table('site_event',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_site_event'))
    )
    op.execute(site_event.insert().values(name="reading-creates-no-learner", day=sa.func.current_date()))


def downgrade() -> None:
    op.drop_table('site_event')
    op.drop_table('lesson_read_day')

"""rounded statistics: fixed cells hold true values of the registry's figures; answers counted by day

Staff figures are now rounded when published (to the nearest multiple of ROUNDING_BASE) instead
of hidden cell by cell, so a fixed cell no longer says whether it is hidden, and it may describe a
quiz question or an answer given to one. No site has published figures under the old rule: the
fixed cells and periods are dropped, and the next ``course-app stats fix`` (or the daily purge,
or the first dashboard view) fixes every ended period again.

The anonymous answer counters gain a day (the first day of the span of days they count). What they
had counted before this revision keeps no day: it is stored under 1 January 2000 and the upgrade's
day is noted ("answers-counted-by-day"), so that it is shown as one period, "until the upgrade".

Revision ID: 0009
Revises: 0008
Created: 2026-12-05
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

UNDATED = date(2000, 1, 1)
ANSWERS_DATED = "answers-counted-by-day"
TALLY_KEY = ['course_slug', 'lesson_slug', 'question_id', 'lang', 'answer_key']


def _stats_cell(*columns: sa.Column, key: tuple[str, ...] = ()) -> None:
    op.create_table('stats_cell',
    sa.Column('period_key', sa.String(length=16), nullable=False),
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=12), nullable=False),
    sa.Column('figure', sa.String(length=24), nullable=False),
    sa.Column('item', sa.String(length=80), nullable=False),
    *columns,
    sa.ForeignKeyConstraint(['period_key'], ['stats_period.key'], name=op.f('fk_stats_cell_period_key_stats_period'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('period_key', 'course_slug', 'lang', 'figure', 'item', *key, name=op.f('pk_stats_cell'))
    )


def upgrade() -> None:
    op.drop_table('stats_cell')
    op.execute(sa.text("DELETE FROM stats_period"))
    _stats_cell(sa.Column('question', sa.String(length=80), nullable=False),
                sa.Column('answer', sa.String(length=200), nullable=False),
                sa.Column('value', sa.Integer(), nullable=False), key=('question', 'answer'))
    connection = op.get_bind()
    counted_before = connection.execute(sa.text("SELECT COUNT(*) FROM answer_tally")).scalar_one()
    with op.batch_alter_table('answer_tally', schema=None) as batch_op:
        batch_op.add_column(sa.Column('day', sa.Date(), nullable=False, server_default=UNDATED.isoformat()))
        batch_op.drop_constraint('pk_answer_tally', type_='primary')
        batch_op.create_primary_key('pk_answer_tally', [*TALLY_KEY, 'day'])
    with op.batch_alter_table('answer_tally', schema=None) as batch_op:
        batch_op.alter_column('day', server_default=None)
    if counted_before:
        site_event = sa.table('site_event', sa.column('name', sa.String), sa.column('day', sa.Date))
        op.execute(site_event.insert().values(name=ANSWERS_DATED, day=sa.func.current_date()))


def downgrade() -> None:
    connection = op.get_bind()
    key = ", ".join(TALLY_KEY)
    added_up = connection.execute(sa.text(
        f"SELECT {key}, SUM(count) FROM answer_tally GROUP BY {key}")).all()  # nosec B608  (column names only)
    op.execute(sa.text("DELETE FROM answer_tally"))
    with op.batch_alter_table('answer_tally', schema=None) as batch_op:
        batch_op.drop_constraint('pk_answer_tally', type_='primary')
        batch_op.drop_column('day')
        batch_op.create_primary_key('pk_answer_tally', TALLY_KEY)
    tally = sa.table('answer_tally', *(sa.column(name, sa.String) for name in TALLY_KEY),
                     sa.column('count', sa.Integer))
    if added_up:
        op.bulk_insert(tally, [{**dict(zip(TALLY_KEY, row[:5], strict=True)), "count": int(row[5])}
                               for row in added_up])
    op.execute(sa.text(f"DELETE FROM site_event WHERE name = '{ANSWERS_DATED}'"))  # nosec B608  (a constant)
    op.drop_table('stats_cell')
    op.execute(sa.text("DELETE FROM stats_period"))
    _stats_cell(sa.Column('value', sa.Integer(), nullable=False),
                sa.Column('hidden', sa.String(length=12), nullable=True))

"""the quiz questions each learner has met, for question banks

With ``ask:``, a retry asks other questions; the anonymous answer counters take each learner's
first meeting with each question. Rows from before this revision met every question of their
quiz at their first attempt; they start with an empty list, so a question a learner had met
before the upgrade is counted again once at most.

Revision ID: 0007
Revises: 0006
Created: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('quiz_progress', schema=None) as batch_op:
        batch_op.add_column(sa.Column('met_questions', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('quiz_progress', schema=None) as batch_op:
        batch_op.drop_column('met_questions')

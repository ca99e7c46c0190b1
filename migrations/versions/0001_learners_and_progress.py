"""learners, progress and answer counters

Revision ID: 0001
Revises:
Created: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('answer_tally',
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.Column('lesson_slug', sa.String(length=80), nullable=False),
    sa.Column('question_id', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=12), nullable=False),
    sa.Column('answer_key', sa.String(length=200), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('course_slug', 'lesson_slug', 'question_id', 'lang', 'answer_key', name=op.f('pk_answer_tally'))
    )
    op.create_table('learner',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('last_seen_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learner')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_learner_code_hash'))
    )
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_last_seen_on'), ['last_seen_on'], unique=False)

    op.create_table('lesson_progress',
    sa.Column('learner_id', sa.String(length=32), nullable=False),
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.Column('lesson_slug', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=12), nullable=False),
    sa.Column('reached_on', sa.Date(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_lesson_progress_learner_id_learner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', 'course_slug', 'lesson_slug', name=op.f('pk_lesson_progress'))
    )
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.create_index('ix_lesson_progress_course_lesson', ['course_slug', 'lesson_slug'], unique=False)
        batch_op.create_index('ix_lesson_progress_course_reached', ['course_slug', 'reached_on'], unique=False)

    op.create_table('quiz_progress',
    sa.Column('learner_id', sa.String(length=32), nullable=False),
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.Column('lesson_slug', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('best_score', sa.Integer(), nullable=False),
    sa.Column('first_attempt_on', sa.Date(), nullable=False),
    sa.Column('last_attempt_on', sa.Date(), nullable=False),
    sa.Column('passed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_quiz_progress_learner_id_learner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', 'course_slug', 'lesson_slug', name=op.f('pk_quiz_progress'))
    )
    with op.batch_alter_table('quiz_progress', schema=None) as batch_op:
        batch_op.create_index('ix_quiz_progress_course_lesson', ['course_slug', 'lesson_slug'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quiz_progress', schema=None) as batch_op:
        batch_op.drop_index('ix_quiz_progress_course_lesson')

    op.drop_table('quiz_progress')
    with op.batch_alter_table('lesson_progress', schema=None) as batch_op:
        batch_op.drop_index('ix_lesson_progress_course_reached')
        batch_op.drop_index('ix_lesson_progress_course_lesson')

    op.drop_table('lesson_progress')
    with op.batch_alter_table('learner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_learner_last_seen_on'))

    op.drop_table('learner')
    op.drop_table('answer_tally')

"""staff, throttling and statistics aggregates

Installations with progress from before this revision: run `course-app stats rebuild` once
after upgrading, to fill the new aggregates from the existing rows.

Revision ID: 0002
Revises: 0001
Created: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('staff_name', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)

    op.create_table('lesson_day',
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('lesson_slug', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=12), nullable=False),
    sa.Column('reached', sa.Integer(), nullable=False),
    sa.Column('completed', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('course_slug', 'day', 'lesson_slug', 'lang', name=op.f('pk_lesson_day'))
    )
    op.create_table('quiz_day',
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('lesson_slug', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=12), nullable=False),
    sa.Column('learners', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('best_score_sum', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('course_slug', 'day', 'lesson_slug', 'lang', name=op.f('pk_quiz_day'))
    )
    op.create_table('staff_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_enrolled', sa.Boolean(), nullable=False),
    sa.Column('totp_last_step', sa.Integer(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_member')),
    sa.UniqueConstraint('name', name=op.f('uq_staff_member_name'))
    )
    op.create_table('throttle_window',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('window_start', sa.BigInteger(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_throttle_window'))
    )
    op.create_table('course_progress',
    sa.Column('learner_id', sa.String(length=32), nullable=False),
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.Column('lang', sa.String(length=12), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('lessons_done', sa.Integer(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learner.id'], name=op.f('fk_course_progress_learner_id_learner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', 'course_slug', name=op.f('pk_course_progress'))
    )
    with op.batch_alter_table('course_progress', schema=None) as batch_op:
        batch_op.create_index('ix_course_progress_completed', ['course_slug', 'completed_on', 'lang'], unique=False)
        batch_op.create_index('ix_course_progress_started', ['course_slug', 'started_on', 'lang', 'lessons_done', 'completed_on'], unique=False)

    op.create_table('staff_course',
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('course_slug', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], name=op.f('fk_staff_course_staff_id_staff_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('staff_id', 'course_slug', name=op.f('pk_staff_course'))
    )
    op.create_table('staff_session',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_member.id'], name=op.f('fk_staff_session_staff_id_staff_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_staff_session'))
    )
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_session_staff_id'), ['staff_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('staff_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_session_staff_id'))

    op.drop_table('staff_session')
    op.drop_table('staff_course')
    with op.batch_alter_table('course_progress', schema=None) as batch_op:
        batch_op.drop_index('ix_course_progress_started')
        batch_op.drop_index('ix_course_progress_completed')

    op.drop_table('course_progress')
    op.drop_table('throttle_window')
    op.drop_table('staff_member')
    op.drop_table('quiz_day')
    op.drop_table('lesson_day')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))

    op.drop_table('audit_event')

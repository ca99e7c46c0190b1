"""Every model, imported here so Alembic and the app see the whole schema."""

from .answers import AnswerTally
from .learner import Learner
from .progress import LessonProgress, QuizProgress
from .session import BrowserSession
from .staff import AuditEvent, StaffCourse, StaffMember, StaffRole, StaffSession
from .statistics import CourseProgress, LessonDay, LessonReadDay, QuizDay, SiteEvent, StatsCell, StatsPeriod
from .throttle import ThrottleWindow

__all__ = [
    "AnswerTally", "AuditEvent", "BrowserSession", "CourseProgress", "Learner", "LessonDay", "LessonProgress",
    "LessonReadDay", "QuizDay", "QuizProgress", "SiteEvent", "StaffCourse", "StaffMember", "StaffRole", "StaffSession",
    "StatsCell", "StatsPeriod", "ThrottleWindow",
]

"""The starter course itself: key facts stated in every language, and videos that speak the page's language."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from course_app.content.loader import load_catalogue
from course_app.content.model import Lesson
from course_app.content.problems import ProblemList
from course_app.content.webvtt import parse_webvtt
from tests.conftest import STARTER_LESSONS
from tests.content.test_loader import OPTIONS

COURSE = STARTER_LESSONS / "trade-unions"

# Facts an outside review found missing or vague, as each language's lesson states them.
KEY_FACTS = {
    ("wages", "C131 not ratified"): {
        "en": "it has not ratified Convention No. 131",
        "ru": "Конвенцию № 131 она не ратифицировала",
        "be": "Канвенцыю № 131 яна не ратыфікавала",
    },
    ("forced-labour", "P29 not ratified"): {
        "en": "Belarus has not ratified the Protocol",
        "ru": "Беларусь Протокол не ратифицировала",
        "be": "Беларусь Пратакол не ратыфікавала",
    },
    ("strikes", "the ICJ opinion's date"): {
        "en": "On 21 May 2026 the Court gave its answer",
        "ru": "21 мая 2026 года Суд дал ответ",
        "be": "21 траўня 2026 года Суд даў адказ",
    },
    ("freedom-of-association", "the CFA's year"): {
        "en": "in 1951 the Governing Body set up the Committee on Freedom of Association",
        "ru": "в 1951 году Административный совет создал Комитет по свободе объединения",
        "be": "ў 1951 годзе Адміністрацыйны савет стварыў Камітэт па свабодзе аб'яднання",
    },
}


# The third edition (issue 27): corrected dates, and the new material, as each language states it.
YARASHUK_SENTENCE = {
    "en": "26 December 2022",
    "ru": "26 декабря 2022 года",
    "be": "26 снежня 2022 года",
}
SUPREME_COURT = {"en": "24 March 2023", "ru": "24 марта 2023 года", "be": "24 сакавіка 2023 года"}
# The day the Article 33 resolution was adopted, and the vote its cited source reports.
RESOLUTION_DAY = {"en": "12 June 2023", "ru": "12 июня 2023 года", "be": "12 чэрвеня 2023 года"}
RESOLUTION_VOTE = {"en": "301 votes to 54, with 108 abstentions", "ru": "301 голосом против 54 при 108 воздержавшихся",
                   "be": "301 голасам супраць 54 пры 108 устрыманых"}
# Zerkalo's report of the vote, dated the day after it (its Belarusian edition): the day's dated source.
PRESS_REPORT_DATE = {"en": "13 June 2023", "ru": "13 июня 2023 года", "be": "13 чэрвеня 2023 года"}

KEY_FACTS.update({
    ("what-is-a-union", "Yarashuk's sentence and its articles"): {
        "en": "On 26 December 2022 the Minsk City Court sentenced Aliaksandr Yarashuk to four years in prison "
              "under Articles 342(1) and 361(3) of the Criminal Code; the Supreme Court upheld the sentence on "
              "24 March 2023.",
        "ru": "26 декабря 2022 года Минский городской суд приговорил Александра Ярошука к четырём годам лишения "
              "свободы по части 1 статьи 342 и части 3 статьи 361 Уголовного кодекса; Верховный суд оставил "
              "приговор в силе 24 марта 2023 года.",
        "be": "26 снежня 2022 года Мінскі гарадскі суд асудзіў Аляксандра Ярашука да чатырох гадоў пазбаўлення волі "
              "паводле часткі 1 артыкула 342 і часткі 3 артыкула 361 Крымінальнага кодэкса; Вярхоўны суд пакінуў "
              "прысуд у сіле 24 сакавіка 2023 года.",
    },
    ("ilo-supervision", "Article 25: publication of a representation"): {
        "en": "the Governing Body may publish the representation and the reply (Article 25)",
        "ru": "Административный совет может опубликовать представление и ответ на него (статья 25)",
        "be": "Адміністрацыйны савет можа апублікаваць прадстаўленне і адказ на яго (артыкул 25)",
    },
    ("study-safely", "Constitution Article 27"): {
        "en": "Article 27 of the Constitution of Belarus: no one shall be compelled to give testimony or explanations "
              "against himself, members of his family or close relatives.",
        "ru": "Статья 27 Конституции Беларуси: «Никто не должен принуждаться к даче показаний и объяснений против "
              "самого себя, членов своей семьи, близких родственников».",
        "be": "Артыкул 27 Канстытуцыі Беларусі: «Ніхто не павінен прымушацца да дачы паказанняў і тлумачэнняў супраць "
              "самога сябе, членаў сваёй сям'і, блізкіх сваякоў».",
    },
    ("strikes", "Labour Code strike articles"): {
        "en": "The Labour Code of Belarus regulates strikes in Articles 388 to 399",
        "ru": "Трудовой кодекс Беларуси регулирует забастовки в статьях 388–399",
        "be": "Працоўны кодэкс Беларусі рэгулюе забастоўкі ў артыкулах 388–399",
    },
    ("strikes", "the ballot under Article 389"): {
        "en": "the strike is approved only if at least two thirds of those present vote for it (Article 389)",
        "ru": "решение принято, если за него проголосовали не менее двух третей присутствующих (статья 389)",
        "be": "рашэнне прынятае, калі за яго прагаласавалі не менш за дзве трэціх прысутных (артыкул 389)",
    },
    ("strikes", "notice under Article 390"): {
        "en": "at least two weeks before the strike starts (Article 390)",
        "ru": "не позднее чем за две недели до начала забастовки (статья 390)",
        "be": "не пазней чым за два тыдні да пачатку забастоўкі (артыкул 390)",
    },
    ("forced-labour", "C105 and the Criminal Code"): {
        "en": "Under Article 1(a) of Convention No. 105, the Committee of Experts has asked the Government to amend or "
              "repeal Articles 339 (hooliganism), 342",
        "ru": "На основании статьи 1(a) Конвенции № 105 Комитет экспертов просил правительство изменить или отменить "
              "статьи 339 (хулиганство), 342",
        "be": "На падставе артыкула 1(a) Канвенцыі № 105 Камітэт экспертаў прасіў урад змяніць або адмяніць "
              "артыкулы 339 (хуліганства), 342",
    },
    ("forced-labour", "Criminal Code Articles 367, 368 and 369(2)"): {
        "en": "367 (libelling the President), 368 (insulting the President) and 369(2)",
        "ru": "367 (клевета в отношении Президента), 368 (оскорбление Президента) и часть 2 статьи 369",
        "be": "367 (паклёп у дачыненні да Прэзідэнта), 368 (абраза Прэзідэнта) і частку 2 артыкула 369",
    },
    ("what-you-can-do", "leaving dangerous work"): {
        "en": "Under Article 11 of the Law on Labour Protection (No. 356-Z of 23 June 2008) and Article 222 of the "
              "Labour Code",
        "ru": "По статье 11 Закона «Об охране труда» (№ 356-З от 23 июня 2008 года) и статье 222 Трудового кодекса",
        "be": "Паводле артыкула 11 Закона «Аб ахове працы» (№ 356-З ад 23 чэрвеня 2008 года) і артыкула 222 "
              "Працоўнага кодэкса",
    },
})


def lesson_text(lesson: str, lang: str) -> str:
    return (COURSE / lesson / f"{lang}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("lesson_fact", list(KEY_FACTS), ids=lambda key: key[1])
def test_key_facts_in_every_language(lesson_fact: tuple[str, str]) -> None:
    lesson, _fact = lesson_fact
    for lang, sentence in KEY_FACTS[lesson_fact].items():
        assert sentence in lesson_text(lesson, lang), (lesson, lang)


def course_files() -> list[Path]:
    """Every lesson, quiz and subtitle file of the starter course, in every language."""
    return sorted(path for path in COURSE.rglob("*") if path.suffix in (".md", ".yaml", ".vtt"))


# How the lessons used to date the two events (in each language), which the sources contradict.
WRONG_DATES = [
    # "Yarashuk, sentenced in 2023", "Ярошука приговорили к лишению свободы в 2023 году", "Ярашук, асуджаны ў 2023 …"
    re.compile(r"(?:Yarashuk|Ярошук|Ярашук)\w*[^.\n]{0,25}(?:sentenced|осужд|пригово|асудж|асудзі)[^.\n]{0,40}"
               r"\b(?:in|в|ў) 2023"),
    re.compile(r"14 June 2023|14 июня 2023|14 чэрвеня 2023"),
]


def test_no_file_repeats_the_two_wrong_dates() -> None:
    found = [(path.relative_to(COURSE), pattern.pattern) for path in course_files()
             for pattern in WRONG_DATES if pattern.search(path.read_text(encoding="utf-8"))]
    assert found == []


@pytest.mark.parametrize("lesson", ["what-is-a-union", "freedom-of-association", "ilo-supervision"])
@pytest.mark.parametrize("lang", ["en", "ru", "be"])
def test_each_lesson_naming_yarashuks_sentence_dates_it_as_the_sources_do(lesson: str, lang: str) -> None:
    text = lesson_text(lesson, lang)
    assert YARASHUK_SENTENCE[lang] in text and SUPREME_COURT[lang] in text
    # The cited sources say the same: the ITUC's statement on the sentences of 26 December.
    sources = text.split("\n## ")[-1]
    assert "ITUC condemns prison sentences against Aliaksandr Yarashuk" in sources
    assert YARASHUK_SENTENCE["en"] in sources or YARASHUK_SENTENCE[lang] in sources


@pytest.mark.parametrize("lesson", ["what-is-a-union", "freedom-of-association", "ilo-supervision", "strikes"])
@pytest.mark.parametrize("lang", ["en", "ru", "be"])
def test_the_article_33_resolution_is_dated_as_its_cited_source_gives_it(lesson: str, lang: str) -> None:
    text = lesson_text(lesson, lang)
    body, _, sources = text.rpartition("\n## ")
    assert RESOLUTION_DAY[lang] in body
    # The sources section gives the same day, with the vote as the cited Salidarnast report gives it.
    cited = [line for line in sources.splitlines() if "111" in line and RESOLUTION_DAY[lang] in line]
    assert len(cited) == 1, cited
    assert RESOLUTION_VOTE[lang] in cited[0]
    # A dated press report gives the day itself: Zerkalo, the next morning.
    dated = [line for line in sources.splitlines() if "МАП прыняла рэзалюцыю па Беларусі" in line]
    assert len(dated) == 1 and PRESS_REPORT_DATE[lang] in dated[0] and RESOLUTION_DAY[lang] in dated[0], dated


def lessons_with_video() -> list[Lesson]:
    course = load_catalogue(STARTER_LESSONS, OPTIONS).course("trade-unions")
    assert course is not None
    found = [lesson for lesson in course.lessons if any(text.videos for text in lesson.texts.values())]
    assert found, "the starter course has no video"
    return found


def speech_and_pauses(audio: Path) -> list[tuple[float, float]]:
    """The silent stretches of at least 0.8 s in a sound file, as ffmpeg's silencedetect hears them."""
    result = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(audio), "-af",
                             "silencedetect=noise=-40dB:d=0.8", "-f", "null", "-"],
                            capture_output=True, text=True, check=True)
    starts = [float(value) for value in re.findall(r"silence_start: ([\d.]+)", result.stderr)]
    ends = [float(value) for value in re.findall(r"silence_end: ([\d.]+)", result.stderr)]
    return list(zip(starts, ends, strict=True))


def decoded_sound_digest(path: Path) -> str:
    result = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-i", str(path), "-map", "0:a",
                             "-f", "md5", "-"], capture_output=True, text=True, check=True)
    return result.stdout.strip()


# Letters that tell the page's language apart in subtitles: Belarusian has і and ў, Russian и and щ.
SCRIPT = {"en": re.compile(r"^[^А-Яа-яЁёІіЎў]+$"), "ru": re.compile(r"^(?=.*[иИщЩ])[^ІіЎў]+$", re.S),
          "be": re.compile(r"^(?=.*[ІіЎў])[^иИщЩ]+$", re.S)}


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="unreachable: .ci/run installs ffmpeg")
@pytest.mark.parametrize("lesson", lessons_with_video(), ids=lambda lesson: lesson.slug)
def test_each_language_hears_its_own_narration(lesson: Lesson) -> None:
    """Each language's page shows its own video; its sound differs from the others', its subtitles in
    that language are in that language's script, and they are timed to that video's own speech."""
    digests = set()
    for lang, text in lesson.texts.items():
        (video,) = text.videos
        audio = next(size.file.path for size in video.sizes if size.key == "audio")
        digests.add(decoded_sound_digest(audio))
        track = next(track for track in video.subtitles if track.lang == lang)
        problems = ProblemList()
        cues = parse_webvtt(track.file.path.read_text(encoding="utf-8"), track.file.path, problems)
        assert not problems.errors
        spoken = " ".join(cue.text for cue in cues)
        assert SCRIPT[lang].match(spoken), (track.file.path, spoken[:80])
        pauses = speech_and_pauses(audio)
        # Every cue is spoken (its middle is not silent) and followed by the pause between scenes.
        assert len(pauses) == len(cues), (audio, pauses, [(cue.start, cue.end) for cue in cues])
        for cue, (pause_start, pause_end) in zip(cues, pauses, strict=True):
            middle = (cue.start + cue.end) / 2
            assert not any(start <= middle <= end for start, end in pauses), (track.file.path, cue)
            assert pause_start <= cue.end <= pause_end + 0.1, (track.file.path, cue, (pause_start, pause_end))
    assert len(digests) == len(lesson.texts), f"{lesson.slug}: two languages share one narration"


# Words a learner will meet, explained in the glossary rather than banned; official titles never banned.
GLOSSARY_WORDS = {
    "yellow-union": {"en": "yellow union", "ru": "жёлтый профсоюз", "be": "жоўты прафсаюз"},
    "c98": {"ru": "Конвенция 1949 года о праве на организацию и на ведение коллективных переговоров (№ 98)",
            "be": "Канвенцыя 1949 года аб праве на арганізацыю і на вядзенне калектыўных перамоў (№ 98)"},
}


@pytest.mark.parametrize("concept_id", sorted(GLOSSARY_WORDS))
def test_the_glossary_explains_the_words_learners_meet_and_bans_none_of_them(concept_id: str) -> None:
    course = load_catalogue(STARTER_LESSONS, OPTIONS).course("trade-unions")
    assert course is not None and course.glossary is not None
    concept = next(concept for concept in course.glossary.concepts if concept.id == concept_id)
    for lang, words in GLOSSARY_WORDS[concept_id].items():
        assert concept.wordings[lang].use == words and concept.wordings[lang].means
        flagged = list(course.glossary.avoided_in(words, lang))
        assert flagged == [], (lang, flagged)

"""Make the starter course's two demonstration videos, one per language: title cards and synthetic narration.

They are honest demos, not lectures: plain cards drawn by ffmpeg and a synthetic voice from
espeak-ng, said to be synthetic in the video itself. Each language has its own video: its cards
are written in that language and its narration is spoken in it (espeak-ng voices ``en-gb``,
``ru`` and ``be``). Each video has subtitles in every language, timed to its own narration, so a
reader can switch tracks; the track in the video's own language is exactly what is said.

Files, in the lesson's ``media/`` folder, for a video NAME and a language LANG:

    NAME-LANG.360p.mp4, NAME-LANG.240p.mp4, NAME-LANG.audio.m4a, NAME-LANG.poster.jpg
    NAME-LANG.en.vtt, NAME-LANG.ru.vtt, NAME-LANG.be.vtt

and each language's lesson file names its own video (``source: media/NAME-LANG.mp4``).
Running this again rebuilds them (the source videos are made in a temporary folder and never
kept) and removes files of the old single-language layout (``NAME.360p.mp4`` …):

    sudo apt-get install ffmpeg espeak-ng fonts-dejavu-core
    .venv/bin/python docs/demo-videos/make_demo_videos.py

The spoken and subtitled words follow the course vocabulary in lessons/trade-unions/terms.yaml.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from course_app.content.video_ladder import encode_ladder  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
PAUSE = 0.6
LANGUAGES = ("en", "ru", "be")
# espeak-ng voice and speed per language (`espeak-ng --voices` lists them; "be" is Belarusian).
VOICES = {"en": ("en-gb", 150), "ru": ("ru", 140), "be": ("be", 140)}
FOOTER = {
    "en": "Trade unions and your rights · demo, synthetic voice",
    "ru": "Профсоюзы и ваши права · демо, синтезированный голос",
    "be": "Прафсаюзы і вашыя правы · дэма, сінтэзаваны голас",
}
INTRO_CARD = {"en": "Demonstration video", "ru": "Демонстрационное видео", "be": "Дэманстрацыйнае відэа"}
INTRO = {
    "en": "This is a short demonstration video for the course Trade unions and your rights. The voice is synthetic.",
    "ru": "Это короткое демонстрационное видео курса «Профсоюзы и ваши права». Голос синтезирован.",
    "be": "Гэта кароткае дэманстрацыйнае відэа курса «Прафсаюзы і вашыя правы». Голас сінтэзаваны.",
}


@dataclass(frozen=True)
class Scene:
    card: dict[str, str]      # what the card shows, per language (short)
    said: dict[str, str]      # what is said in each language's video, and its subtitles


@dataclass(frozen=True)
class DemoVideo:
    lesson: str
    name: str
    scenes: tuple[Scene, ...]


VIDEOS = (
    DemoVideo("what-is-a-union", "what-a-union-does", (
        Scene(INTRO_CARD, INTRO),
        Scene({"en": "Workers join together", "ru": "Работники объединяются", "be": "Работнікі аб'ядноўваюцца"}, {
            "en": "A trade union is workers joining together, so that no one faces the employer alone.",
            "ru": "Профсоюз — это объединение работников, чтобы никто не оставался с нанимателем один на один.",
            "be": "Прафсаюз — гэта аб'яднанне работнікаў, каб ніхто не заставаўся з наймальнікам сам-насам."}),
        Scene({"en": "Members decide", "ru": "Решают члены профсоюза", "be": "Вырашаюць сябры прафсаюза"}, {
            "en": "Members pay dues, elect their representatives, and can replace them.",
            "ru": "Члены профсоюза платят взносы, выбирают своих представителей и могут их сменить.",
            "be": "Сябры прафсаюза плацяць узносы, выбіраюць сваіх прадстаўнікоў і могуць іх змяніць."}),
        Scene({"en": "Bargaining and defence", "ru": "Переговоры и защита", "be": "Перамовы і абарона"}, {
            "en": "Together they negotiate wages, safety and working time, and defend any member treated unfairly.",
            "ru": "Вместе они договариваются о зарплате, безопасности и рабочем времени и защищают каждого, "
                  "с кем обошлись несправедливо.",
            "be": "Разам яны дамаўляюцца пра заробак, бяспеку і працоўны час і абараняюць кожнага, "
                  "з кім абышліся несправядліва."}),
        Scene({"en": "Independent", "ru": "Независимый", "be": "Незалежны"}, {
            "en": "An independent union answers to its members, not to the employer or the government.",
            "ru": "Независимый профсоюз подотчётен своим членам, а не нанимателю и не государству.",
            "be": "Незалежны прафсаюз падсправаздачны сваім сябрам, а не наймальніку і не дзяржаве."}),
    )),
    DemoVideo("ilo-supervision", "how-the-ilo-supervises", (
        Scene(INTRO_CARD, INTRO),
        Scene({"en": "Membership has rules", "ru": "Членство обязывает", "be": "Сяброўства абавязвае"}, {
            "en": "A country that joins the International Labour Organization accepts its principle of freedom "
                  "of association.",
            "ru": "Вступая в Международную организацию труда, государство принимает её принцип свободы объединения.",
            "be": "Уступаючы ў Міжнародную арганізацыю працы, дзяржава прымае яе прынцып свабоды аб'яднання."}),
        Scene({"en": "Committee on Freedom of Association", "ru": "Комитет по свободе объединения",
               "be": "Камітэт па свабодзе аб'яднання"}, {
            "en": "Workers' and employers' organisations, and governments, can complain to the Committee on Freedom "
                  "of Association, even if the country has not ratified the conventions.",
            "ru": "Организации работников и нанимателей, а также правительства могут подать жалобу в Комитет "
                  "по свободе объединения, даже если страна не ратифицировала конвенции.",
            "be": "Арганізацыі работнікаў і наймальнікаў, а таксама ўрады могуць падаць скаргу ў Камітэт "
                  "па свабодзе аб'яднання, нават калі краіна не ратыфікавала канвенцыі."}),
        Scene({"en": "Commission of Inquiry", "ru": "Комиссия по расследованию", "be": "Камісія па расследаванні"}, {
            "en": "In serious cases a Commission of Inquiry investigates. For Belarus it worked in 2003 and 2004.",
            "ru": "В серьёзных случаях проводит расследование Комиссия по расследованию. "
                  "По Беларуси она работала в 2003–2004 годах.",
            "be": "У сур'ёзных выпадках расследаванне праводзіць Камісія па расследаванні. "
                  "Па Беларусі яна працавала ў 2003–2004 гадах."}),
        Scene({"en": "Article 33, June 2023", "ru": "Статья 33, июнь 2023", "be": "Артыкул 33, чэрвень 2023"}, {
            "en": "In June 2023, for only the second time in its history, the ILO used Article 33 of its "
                  "Constitution: against Belarus.",
            "ru": "В июне 2023 года МОТ лишь во второй раз в своей истории применила статью 33 своего Устава — "
                  "против Беларуси.",
            "be": "У чэрвені 2023 года МАП толькі другі раз у сваёй гісторыі ўжыла артыкул 33 свайго Статута — "
                  "супраць Беларусі."}),
    )),
)


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


def speak(text: str, lang: str, target: Path) -> float:
    voice, speed = VOICES[lang]
    run("espeak-ng", "-v", voice, "-s", str(speed), "-w", str(target), text)
    with wave.open(str(target)) as audio:
        return audio.getnframes() / audio.getframerate()


def timestamp(seconds: float) -> str:
    whole = int(seconds)
    millis = int(round((seconds - whole) * 1000)) % 1000
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{millis:03d}"


def drawtext_value(text: str) -> str:
    """Text for ffmpeg's drawtext inside single quotes: escape what the filter syntax reads."""
    return text.replace("\\", "\\\\").replace(":", r"\:").replace("'", "’").replace("%", r"\%")


def card_size(text: str, largest: int = 64) -> int:
    """A font size at which one line of bold text fits the 1280-pixel-wide card."""
    return min(largest, int(1900 / max(len(text), 1)))


def build(video: DemoVideo, lang: str, work: Path) -> None:
    lesson_media = ROOT / "lessons" / "trade-unions" / video.lesson / "media"
    lesson_media.mkdir(parents=True, exist_ok=True)
    name = f"{video.name}-{lang}"
    clips, cues, start = [], [], 0.0
    footer = drawtext_value(FOOTER[lang])
    for index, scene in enumerate(video.scenes):
        wav = work / f"{name}-{index}.wav"
        spoken = speak(scene.said[lang], lang, wav)
        length = spoken + PAUSE
        card = work / f"{name}-{index}.mp4"
        card_text = scene.card[lang]
        run("ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"color=c=0x1d4f73:s=1280x720:r=15:d={length:.3f}",
            "-i", str(wav), "-af", f"apad=whole_dur={length:.3f}",
            "-vf", (f"drawtext=fontfile={FONT_BOLD}:text='{drawtext_value(card_text)}':fontcolor=white:"
                    f"fontsize={card_size(card_text)}:x=(w-text_w)/2:y=(h-text_h)/2,"
                    f"drawtext=fontfile={FONT}:text='{footer}':fontcolor=0xdde8f0:"
                    f"fontsize=28:x=(w-text_w)/2:y=h-90"),
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "22050", "-ac", "1",
            "-t", f"{length:.3f}", str(card))
        clips.append(card)
        cues.append((start, start + spoken, scene.said))
        start += length
    listing = work / f"{name}.txt"
    listing.write_text("".join(f"file '{clip}'\n" for clip in clips))
    source = work / f"{name}.mp4"
    run("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
        "-c", "copy", str(source))
    for file in encode_ladder(source, lesson_media):
        print(f"{file.path.relative_to(ROOT)}  {file.size // 1000} KB")
    # Subtitles in every language, timed to this video's narration: the track in the video's own
    # language is what is said; the others translate it, cue by cue.
    for track in LANGUAGES:
        lines = ["WEBVTT", ""]
        for number, (begin, end, said) in enumerate(cues, start=1):
            lines += [str(number), f"{timestamp(begin)} --> {timestamp(end)}", said[track], ""]
        target = lesson_media / f"{name}.{track}.vtt"
        target.write_text("\n".join(lines), encoding="utf-8")
        print(f"{target.relative_to(ROOT)}")


def remove_old_layout(video: DemoVideo) -> None:
    """Delete the files of the former English-only video (NAME.360p.mp4, NAME.en.vtt …) that nothing names now."""
    lesson_media = ROOT / "lessons" / "trade-unions" / video.lesson / "media"
    suffixes = [".360p.mp4", ".240p.mp4", ".audio.m4a", ".poster.jpg", *(f".{lang}.vtt" for lang in LANGUAGES)]
    for suffix in suffixes:
        old = lesson_media / f"{video.name}{suffix}"
        if old.is_file():
            old.unlink()
            print(f"removed {old.relative_to(ROOT)}")


def check_voices() -> None:
    listed = subprocess.run(["espeak-ng", "--voices"], check=True, capture_output=True, text=True).stdout.split()
    missing = [voice for voice, _speed in VOICES.values() if voice not in listed]
    if missing:
        sys.exit(f"espeak-ng has no voice {', '.join(missing)}: install a newer espeak-ng")


def main() -> None:
    for program in ("ffmpeg", "espeak-ng"):
        if shutil.which(program) is None:
            sys.exit(f"{program} is missing: sudo apt-get install ffmpeg espeak-ng fonts-dejavu-core")
    check_voices()
    with tempfile.TemporaryDirectory() as work:
        for video in VIDEOS:
            for lang in LANGUAGES:
                build(video, lang, Path(work))
            remove_old_layout(video)


if __name__ == "__main__":
    main()

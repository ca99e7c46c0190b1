"""Make the starter course's two demonstration videos: title cards with synthetic narration.

They are honest demos, not lectures: plain cards drawn by ffmpeg, an English voice from
espeak-ng, and subtitles in English, Russian and Belarusian. Running this again rebuilds the
files in the lesson folders (the source video is made in a temporary folder and never kept):

    sudo apt-get install ffmpeg espeak-ng fonts-dejavu-core
    .venv/bin/python docs/demo-videos/make_demo_videos.py
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

from course_app.video_ladder import encode_ladder  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
PAUSE = 0.6
INTRO = {
    "en": "This is a short demonstration video for the course Trade unions and your rights.",
    "ru": "Это короткое демонстрационное видео курса «Профсоюзы и ваши права».",
    "be": "Гэта кароткае дэманстрацыйнае відэа курса «Прафсаюзы і вашыя правы».",
}


@dataclass(frozen=True)
class Scene:
    card: str                 # what the card shows (English, short)
    said: dict[str, str]      # what is said (en) and its subtitles in every language


@dataclass(frozen=True)
class DemoVideo:
    lesson: str
    name: str
    scenes: tuple[Scene, ...]


VIDEOS = (
    DemoVideo("what-is-a-union", "what-a-union-does", (
        Scene("Demonstration video", INTRO),
        Scene("Workers join together", {
            "en": "A trade union is workers joining together, so that no one faces the employer alone.",
            "ru": "Профсоюз — это объединение работников, чтобы никто не оставался с нанимателем один на один.",
            "be": "Прафсаюз — гэта аб'яднанне працаўнікоў, каб ніхто не заставаўся з наймальнікам сам-насам."}),
        Scene("Members decide", {
            "en": "Members pay dues, elect their representatives, and can replace them.",
            "ru": "Члены профсоюза платят взносы, выбирают своих представителей и могут их сменить.",
            "be": "Сябры прафсаюза плацяць складкі, выбіраюць сваіх прадстаўнікоў і могуць іх змяніць."}),
        Scene("Bargaining and defence", {
            "en": "Together they negotiate wages, safety and working time, and defend any member treated unfairly.",
            "ru": "Вместе они договариваются о зарплате, безопасности и рабочем времени и защищают каждого, "
                  "с кем обошлись несправедливо.",
            "be": "Разам яны дамаўляюцца пра заробак, бяспеку і працоўны час і абараняюць кожнага, "
                  "з кім абышліся несправядліва."}),
        Scene("Independent", {
            "en": "An independent union answers to its members, not to the employer or the government.",
            "ru": "Независимый профсоюз подотчётен своим членам, а не нанимателю и не государству.",
            "be": "Незалежны прафсаюз падсправаздачны сваім сябрам, а не наймальніку і не дзяржаве."}),
    )),
    DemoVideo("ilo-supervision", "how-the-ilo-supervises", (
        Scene("Demonstration video", INTRO),
        Scene("Membership has rules", {
            "en": "A country that joins the International Labour Organization accepts its principles of freedom "
                  "of association.",
            "ru": "Вступая в Международную организацию труда, страна принимает её принципы свободы объединения.",
            "be": "Уступаючы ў Міжнародную арганізацыю працы, краіна прымае яе прынцыпы свабоды аб'яднання."}),
        Scene("Committee on Freedom of Association", {
            "en": "Unions can complain to the Committee on Freedom of Association, even if the country has not "
                  "ratified the conventions.",
            "ru": "Профсоюзы могут пожаловаться в Комитет по свободе объединения, даже если страна не "
                  "ратифицировала конвенции.",
            "be": "Прафсаюзы могуць паскардзіцца ў Камітэт па свабодзе аб'яднання, нават калі краіна не "
                  "ратыфікавала канвенцыі."}),
        Scene("Commission of Inquiry", {
            "en": "In serious cases a Commission of Inquiry investigates. For Belarus it worked in 2003 and 2004.",
            "ru": "В серьёзных случаях проводит расследование Комиссия по расследованию. "
                  "По Беларуси она работала в 2003–2004 годах.",
            "be": "У сур'ёзных выпадках расследаванне праводзіць Камісія па расследаванні. "
                  "Па Беларусі яна працавала ў 2003–2004 гадах."}),
        Scene("Article 33, June 2023", {
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


def speak(text: str, target: Path) -> float:
    run("espeak-ng", "-v", "en-gb", "-s", "150", "-w", str(target), text)
    with wave.open(str(target)) as audio:
        return audio.getnframes() / audio.getframerate()


def timestamp(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{int(round((seconds - whole) * 1000)) % 1000:03d}"


def build(video: DemoVideo, work: Path) -> None:
    lesson_media = ROOT / "lessons" / "trade-unions" / video.lesson / "media"
    lesson_media.mkdir(parents=True, exist_ok=True)
    clips, cues, start = [], [], 0.0
    for index, scene in enumerate(video.scenes):
        wav = work / f"{video.name}-{index}.wav"
        spoken = speak(scene.said["en"], wav)
        length = spoken + PAUSE
        card = work / f"{video.name}-{index}.mp4"
        card_text = scene.card.replace(":", r"\:").replace("'", "’")
        run("ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"color=c=0x1d4f73:s=1280x720:r=15:d={length:.3f}",
            "-i", str(wav), "-af", f"apad=whole_dur={length:.3f}",
            "-vf", (f"drawtext=fontfile={FONT_BOLD}:text='{card_text}':fontcolor=white:fontsize=64:"
                    f"x=(w-text_w)/2:y=(h-text_h)/2,"
                    f"drawtext=fontfile={FONT}:text='Trade unions and your rights · demo':fontcolor=0xdde8f0:"
                    f"fontsize=30:x=(w-text_w)/2:y=h-90"),
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ar", "22050", "-ac", "1",
            "-t", f"{length:.3f}", str(card))
        clips.append(card)
        cues.append((start, start + spoken, scene.said))
        start += length
    listing = work / f"{video.name}.txt"
    listing.write_text("".join(f"file '{clip}'\n" for clip in clips))
    source = work / f"{video.name}.mp4"
    run("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
        "-c", "copy", str(source))
    for file in encode_ladder(source, lesson_media):
        print(f"{file.path.relative_to(ROOT)}  {file.size // 1000} KB")
    for lang in ("en", "ru", "be"):
        lines = ["WEBVTT", ""]
        for number, (begin, end, said) in enumerate(cues, start=1):
            lines += [str(number), f"{timestamp(begin)} --> {timestamp(end)}", said[lang], ""]
        target = lesson_media / f"{video.name}.{lang}.vtt"
        target.write_text("\n".join(lines), encoding="utf-8")
        print(f"{target.relative_to(ROOT)}")


def main() -> None:
    for program in ("ffmpeg", "espeak-ng"):
        if shutil.which(program) is None:
            sys.exit(f"{program} is missing: sudo apt-get install ffmpeg espeak-ng fonts-dejavu-core")
    with tempfile.TemporaryDirectory() as work:
        for video in VIDEOS:
            build(video, Path(work))


if __name__ == "__main__":
    main()

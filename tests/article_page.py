"""A desktop screenshot of a news article with a picture in it, for tests and benchmarks:
masthead, headline, the picture at a share of the page's width with columns of text on its
left, right and below (no uniform border that could be cut away)."""

from __future__ import annotations

import random

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 1366, 768
_WORDS = ["officials", "said", "the", "water", "reached", "ground", "floors", "on", "Sunday",
          "night", "while", "crews", "were", "deployed", "harbour", "district"]


def article_page(picture: Image.Image, headline: str, share: float = 1 / 3, *,
                 seed: int | str = 0) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """The page, and where the picture is in it (left, top, right, bottom pixels). `seed` picks
    the words of the text."""
    rng = random.Random(seed)
    canvas = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, WIDTH, 60), fill=(170, 20, 30))
    draw.text((20, 22), "THE DAILY COURIER   World   Politics   Business   Sport", fill="white")
    draw.text((330, 80), headline, fill=(0, 0, 0))
    pic = picture.convert("RGB")
    pic.thumbnail((int(WIDTH * share), 420))
    x0, y0 = 330, 110
    canvas.paste(pic, (x0, y0))
    columns = [(20, 110, 290), (x0 + pic.width + 20, 110, WIDTH - 20),
               (x0, y0 + pic.height + 12, x0 + pic.width)]
    for left, top, right in columns:
        for y in range(top, HEIGHT - 16, 18):
            line = " ".join(rng.choice(_WORDS) for _ in range(max(1, (right - left) // 45)))
            draw.text((left, y), line, fill=(30, 30, 30))
    return canvas, (x0, y0, x0 + pic.width, y0 + pic.height)

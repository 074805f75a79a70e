"""Tests for portal.kernel.images (the one image intake + private store)."""

from __future__ import annotations

import hashlib
import io
import stat
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from portal.kernel.images import (
    REJECT_REASONS,
    CleanImage,
    ImageRejected,
    IntakePolicy,
    PrivateImageStore,
    intake_image,
)

# --------------------------------------------------------------- helpers


def _encode(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _jpeg_with_gps(size: tuple[int, int] = (64, 48), orientation: int | None = None) -> bytes:
    im = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "ACME Phone"  # Make
    exif[0x0110] = "Model X"  # Model
    if orientation is not None:
        exif[0x0112] = orientation
    # GPS IFD: 30deg 39' N, 104deg 4' E (somewhere in Chengdu)
    exif[0x8825] = {
        1: "N", 2: (30.0, 39.0, 0.0),
        3: "E", 4: (104.0, 4.0, 0.0),
    }
    return _encode(im, "JPEG", exif=exif.tobytes(), comment=b"secret note",
                   icc_profile=b"\0" * 128)


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge 1-bit canvas (decompression bomb
    shape) -- built by hand so the test never allocates the pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024, 9)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b""))


def _reason(data: bytes, policy: IntakePolicy = IntakePolicy()) -> str:
    with pytest.raises(ImageRejected) as exc:
        intake_image(data, policy)
    assert exc.value.reason in REJECT_REASONS
    return exc.value.reason


def _reopen(clean: CleanImage) -> Image.Image:
    im = Image.open(io.BytesIO(clean.data))
    im.load()
    return im


# ---------------------------------------------------------------- intake


def test_jpeg_gps_exif_and_metadata_are_stripped() -> None:
    data = _jpeg_with_gps()
    with Image.open(io.BytesIO(data)) as src:  # sanity: the input really has it
        assert src.getexif().get_ifd(0x8825)
        assert "icc_profile" in src.info

    clean = intake_image(data)
    out = _reopen(clean)
    assert out.format == "JPEG"
    assert len(out.getexif()) == 0
    assert "exif" not in out.info
    assert "icc_profile" not in out.info
    assert "comment" not in out.info
    assert b"Exif" not in clean.data and b"ACME" not in clean.data
    assert b"secret note" not in clean.data


def test_clean_image_fields() -> None:
    clean = intake_image(_encode(Image.new("RGB", (30, 20), "blue"), "PNG"))
    assert clean.content_type == "image/jpeg"
    assert (clean.width, clean.height) == (30, 20)
    assert clean.sha256 == hashlib.sha256(clean.data).hexdigest()
    assert clean.data.startswith(b"\xff\xd8")


def test_text_file_renamed_jpg_is_not_image(tmp_path: Path) -> None:
    fake = tmp_path / "photo.jpg"
    fake.write_text("这不是图片 / not a picture\n" * 20, encoding="utf-8")
    assert _reason(fake.read_bytes()) == "image.not_image"


def test_truncated_jpeg_is_not_image() -> None:
    data = _encode(Image.effect_noise((200, 200), 50).convert("RGB"), "JPEG")
    assert _reason(data[: len(data) // 2]) == "image.not_image"


def test_png_with_bad_crc_is_not_image() -> None:
    data = bytearray(_encode(Image.new("RGB", (10, 10), "red"), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 6] ^= 0xFF  # flip a byte inside IDAT -> CRC mismatch
    assert _reason(bytes(data)) == "image.not_image"


def test_too_large_checked_before_decoding() -> None:
    policy = IntakePolicy(max_bytes=1000)
    # Garbage bigger than the limit: must be "too_large", proving that the
    # size check runs before any decoding attempt.
    assert _reason(b"\0" * 1001, policy) == "image.too_large"
    assert _reason(b"\xff\xd8" + b"x" * (10 * 1024 * 1024)) == "image.too_large"


def test_empty_bytes() -> None:
    assert _reason(b"") == "image.empty"


def test_pixel_bomb_rejected_by_pillow_guard() -> None:
    # 50000 x 50000 = 2.5 G pixels: above 2 x Image.MAX_IMAGE_PIXELS, so
    # Pillow raises DecompressionBombError while opening.
    bomb = _png_claiming(50_000, 50_000)
    assert len(bomb) < 200
    assert _reason(bomb) == "image.too_many_pixels"


def test_pixel_count_over_policy_rejected_from_header() -> None:
    # 7000 x 7000 = 49 M pixels: below Pillow's own limit, above our 40 M.
    assert _reason(_png_claiming(7000, 7000)) == "image.too_many_pixels"


def test_low_policy_max_pixels() -> None:
    data = _encode(Image.new("RGB", (100, 100), "green"), "PNG")
    assert _reason(data, IntakePolicy(max_pixels=9_999)) == "image.too_many_pixels"
    assert intake_image(data, IntakePolicy(max_pixels=10_000)).width == 100


def test_unsupported_format() -> None:
    bmp = _encode(Image.new("RGB", (10, 10), "red"), "BMP")
    assert _reason(bmp) == "image.unsupported_format"
    png = _encode(Image.new("RGB", (10, 10), "red"), "PNG")
    assert _reason(png, IntakePolicy(allowed_formats=("JPEG",))) == "image.unsupported_format"


def test_rgba_png_becomes_jpeg_on_white() -> None:
    im = Image.new("RGBA", (40, 40), (0, 0, 0, 0))  # fully transparent black
    im.paste((255, 0, 0, 255), (0, 0, 20, 40))  # opaque red left half
    clean = intake_image(_encode(im, "PNG"))
    out = _reopen(clean)
    assert out.format == "JPEG" and out.mode == "RGB"
    r, g, b = out.getpixel((35, 20))
    assert min(r, g, b) > 240  # transparent -> white, not black
    r, g, b = out.getpixel((5, 20))
    assert r > 200 and g < 40 and b < 40


def test_palette_gif_and_webp_accepted() -> None:
    gif = _encode(Image.new("P", (20, 10), 3), "GIF")
    assert intake_image(gif).width == 20
    webp = _encode(Image.new("RGB", (20, 10), "yellow"), "WEBP")
    assert intake_image(webp).height == 10


def test_animated_gif_first_frame_only() -> None:
    frames = [Image.new("RGB", (16, 16), c) for c in ("white", "black")]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    out = _reopen(intake_image(buf.getvalue()))
    assert min(out.getpixel((8, 8))) > 240


def test_16bit_greyscale_png_is_not_clipped_to_white() -> None:
    im = Image.new("I;16", (10, 10), 0x4000)  # 25 % grey
    out = _reopen(intake_image(_encode(im, "PNG")))
    assert 50 < out.getpixel((5, 5))[0] < 80


def test_exif_orientation_applied() -> None:
    # Stored landscape 60x30 with orientation 6 ("rotate 90 CW to display"):
    # the clean image must come out portrait 30x60 with no orientation tag.
    im = Image.new("RGB", (60, 30), "white")
    im.paste((0, 0, 0), (0, 0, 10, 30))  # black stripe on the stored left edge
    exif = Image.Exif()
    exif[0x0112] = 6
    clean = intake_image(_encode(im, "JPEG", exif=exif.tobytes(), quality=95))
    out = _reopen(clean)
    assert (clean.width, clean.height) == (30, 60) == out.size
    assert 0x0112 not in out.getexif()
    # rotating 90 CW moves the stored left edge to the top
    assert max(out.getpixel((15, 3))) < 60
    assert min(out.getpixel((15, 56))) > 200


def test_downscaled_to_max_side() -> None:
    im = Image.new("RGB", (3000, 1000), "white")
    clean = intake_image(_encode(im, "PNG"), IntakePolicy(max_side_out=1200))
    assert (clean.width, clean.height) == (1200, 400)
    clean = intake_image(_encode(im, "JPEG"), IntakePolicy(max_side_out=700))
    assert max(clean.width, clean.height) == 700
    small = intake_image(_encode(Image.new("RGB", (50, 40)), "PNG"))
    assert (small.width, small.height) == (50, 40)  # never upscaled


def test_intake_is_deterministic() -> None:
    data = _jpeg_with_gps()
    assert intake_image(data).sha256 == intake_image(data).sha256


# ----------------------------------------------------------------- store


def _clean() -> CleanImage:
    return intake_image(_encode(Image.new("RGB", (20, 20), "purple"), "PNG"))


def test_store_round_trip_layout_and_permissions(tmp_path: Path) -> None:
    store = PrivateImageStore(tmp_path / "private")
    clean = _clean()
    image_id = store.save(clean)
    assert image_id == clean.sha256
    assert store.exists(image_id)
    assert store.open(image_id) == clean.data

    path = tmp_path / "private" / image_id[:2] / image_id[2:4] / f"{image_id}.jpg"
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    # no temp files left behind
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_store_save_is_idempotent(tmp_path: Path) -> None:
    store = PrivateImageStore(tmp_path)
    clean = _clean()
    assert store.save(clean) == store.save(clean)


def test_store_rejects_mismatched_hash(tmp_path: Path) -> None:
    store = PrivateImageStore(tmp_path)
    clean = _clean()
    forged = CleanImage(data=clean.data + b"x", width=1, height=1, sha256=clean.sha256)
    with pytest.raises(ValueError):
        store.save(forged)


def test_store_unknown_id(tmp_path: Path) -> None:
    store = PrivateImageStore(tmp_path)
    missing = "0" * 64
    assert not store.exists(missing)
    with pytest.raises(KeyError):
        store.open(missing)


@pytest.mark.parametrize(
    "bad_id",
    [
        "",
        "../../etc/passwd",
        "../" + "a" * 61,
        "a" * 63,
        "a" * 65,
        "A" * 64,  # uppercase is not our canonical form
        "g" * 64,
        "a" * 64 + "\n",
        "a" * 32 + "/" + "a" * 31,
        "a" * 63 + "\0",
        "/" + "a" * 63,
        "٠" * 64,  # Arabic-Indic digits: unicode "digits", not hex
    ],
)
def test_store_rejects_traversal_and_malformed_ids(tmp_path: Path, bad_id: str) -> None:
    store = PrivateImageStore(tmp_path)
    with pytest.raises(ValueError):
        store.open(bad_id)
    assert store.exists(bad_id) is False


def test_store_rejects_non_string_id(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        PrivateImageStore(tmp_path).open(None)  # type: ignore[arg-type]

"""The single image intake of the portal (applications, reports, supervisor photos).

Every uploaded picture goes through :func:`intake_image`, which refuses
non-images and decompression bombs, applies EXIF orientation, strips *all*
metadata (GPS position of an applicant's home must never leak), downscales
and re-encodes to JPEG within a byte budget (a small PNG never becomes a
multi-megabyte JPEG). :class:`PrivateImageStore` keeps the result on disk
outside any publicly served folder; :func:`accept_upload` is the one way an
async handler takes an uploaded file: read with a cap, intake and store in
the bounded heavy-work pool (`services/heavy`). Pure Python: no Reflex /
SQLAlchemy.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import io
import os
import re
import struct
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "CleanImage",
    "StoredImage",
    "accept",
    "accept_upload",
    "read_capped",
    "ImageRejected",
    "IntakePolicy",
    "PrivateImageStore",
    "REJECT_REASONS",
    "intake_image",
    "photo_token",
    "read_photo_token",
]

REJECT_REASONS = (
    "image.empty",
    "image.too_large",
    "image.not_image",
    "image.unsupported_format",
    "image.too_many_pixels",
    "image.disk_full",
    "image.busy",
)

# Errors Pillow raises for corrupt / truncated / hostile input. Broad on
# purpose: any decoder failure on user data means "not an image we accept".
# MemoryError is left out so real server trouble is not disguised as bad input.
_DECODE_ERRORS = (
    UnidentifiedImageError, OSError, SyntaxError, ValueError, TypeError,
    IndexError, KeyError, EOFError, struct.error, zlib.error,
)


class ImageRejected(Exception):
    """Upload refused; ``reason`` is a message-catalog key (see REJECT_REASONS)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail  # for logs only, never shown to citizens


@dataclass(frozen=True)
class IntakePolicy:
    """Limits for one upload. Defaults suit phone photos of documents."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000
    max_side_out: int = 2048  # legible for an ID card or a bank statement, a few hundred KB
    # Only formats core Pillow opens without plugins. HEIC is deliberately
    # absent (needs pillow-heif); browsers on iOS convert to JPEG on upload.
    allowed_formats: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "GIF")
    jpeg_quality: int = 82
    # Stored size: at most this, and at most `max_growth` times the upload (never below `min_budget`), lowering
    # the quality and then the size until it fits. Hostile pictures (noise, fine stripes) cost disk otherwise.
    max_out_bytes: int = 1_200_000
    max_growth: int = 4
    min_budget: int = 256 * 1024

    def budget(self, upload_bytes: int) -> int:
        return min(self.max_out_bytes, max(self.min_budget, self.max_growth * upload_bytes))


@dataclass(frozen=True)
class CleanImage:
    """Re-encoded, metadata-free JPEG produced by :func:`intake_image`."""

    data: bytes
    width: int
    height: int
    sha256: str
    content_type: str = "image/jpeg"


def _open(data: bytes) -> Image.Image:
    """Open lazily (header only). Bomb errors propagate to the caller."""
    return Image.open(io.BytesIO(data))


def _check_pixels(im: Image.Image, policy: IntakePolicy) -> None:
    w, h = im.size
    if w <= 0 or h <= 0:
        raise ImageRejected("image.not_image", f"bad size {w}x{h}")
    if w * h > policy.max_pixels:
        raise ImageRejected("image.too_many_pixels", f"{w}x{h}")


def _to_rgb(im: Image.Image) -> Image.Image:
    """Flatten any mode to RGB; transparency is composited on white (a black
    background is what a naive convert would give for transparent pixels)."""
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # 16-bit greyscale PNG: scale to 8 bit instead of clipping to white.
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if im.mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(bg, rgba).convert("RGB")
    return im.convert("RGB")


def intake_image(data: bytes, policy: IntakePolicy = IntakePolicy()) -> CleanImage:
    """Validate and sanitise an upload; raise :class:`ImageRejected` on refusal.

    Order matters: cheap checks (size, header) run before any pixel data is
    decoded so hostile files cost us almost nothing.
    """
    if not data:
        raise ImageRejected("image.empty")
    if len(data) > policy.max_bytes:
        raise ImageRejected("image.too_large", f"{len(data)} bytes")

    # 1. Sniff the content (never the filename) and read the header only.
    try:
        im = _open(data)
        fmt = im.format
        _check_pixels(im, policy)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        # Pillow's own global guard (MAX_IMAGE_PIXELS) fired while opening.
        raise ImageRejected("image.too_many_pixels", str(e)) from e
    except _DECODE_ERRORS as e:
        raise ImageRejected("image.not_image", repr(e)) from e
    if fmt not in policy.allowed_formats:
        raise ImageRejected("image.unsupported_format", str(fmt))

    # 2. Structural check (e.g. PNG chunk CRCs). verify() leaves the object
    #    unusable, hence the reopen below.
    try:
        im.verify()
    except _DECODE_ERRORS as e:
        raise ImageRejected("image.not_image", repr(e)) from e

    # 3. Decode for real. Re-check the header of the fresh object: the bytes
    #    are the same, but we never decode something we have not measured.
    try:
        im = _open(data)
        if im.format != fmt:
            raise ImageRejected("image.not_image", "format changed on reopen")
        _check_pixels(im, policy)
        if fmt == "JPEG":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the photo is
            # far bigger than needed: much less memory and CPU.
            im.draft("RGB", (policy.max_side_out, policy.max_side_out))
        im.seek(0)  # GIF / animated WEBP: first frame only
        im.load()
        # Orientation first (needs the EXIF), then drop everything.
        im = ImageOps.exif_transpose(im)
        rgb = _to_rgb(im)
        rgb.thumbnail((policy.max_side_out, policy.max_side_out), Image.Resampling.LANCZOS)
        # A brand-new image from raw pixels carries no info dict at all, so
        # no EXIF/GPS, ICC, XMP, comments or text chunks can survive.
        fresh = Image.frombytes("RGB", rgb.size, rgb.tobytes())
        fresh, out = _encode_within(fresh, policy.jpeg_quality, policy.budget(len(data)))
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageRejected("image.too_many_pixels", str(e)) from e
    except _DECODE_ERRORS as e:
        raise ImageRejected("image.not_image", repr(e)) from e

    return CleanImage(
        data=out,
        width=fresh.width,
        height=fresh.height,
        sha256=hashlib.sha256(out).hexdigest(),
    )


_QUALITY_STEPS = (70, 55, 40)


def _jpeg(im: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def _encode_within(im: Image.Image, quality: int, budget: int) -> tuple[Image.Image, bytes]:
    """JPEG bytes no larger than `budget`: lower quality first, then shrink (a few rounds, each much smaller)."""
    out = _jpeg(im, quality)
    for q in _QUALITY_STEPS:
        if len(out) <= budget or q >= quality:
            continue
        out = _jpeg(im, q)
    rounds = 0
    while len(out) > budget and rounds < 6 and min(im.size) > 16:
        # Bytes scale roughly with the pixel count: aim a little under the budget.
        scale = max(0.3, min(0.85, (budget / len(out)) ** 0.5 * 0.9))
        im = im.resize((max(1, int(im.width * scale)), max(1, int(im.height * scale))), Image.Resampling.LANCZOS)
        out = _jpeg(im, _QUALITY_STEPS[-1])
        rounds += 1
    return im, out


_ID_RE = re.compile(r"[0-9a-f]{64}")


class PrivateImageStore:
    """Content-addressed, private file store for :class:`CleanImage` data.

    Files live at ``root/ab/cd/<id>.jpg`` with mode 0600 (dirs 0700). ``root``
    must be outside any web-served folder: images are only ever streamed by
    handlers that have checked permissions.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @staticmethod
    def _check_id(image_id: str) -> str:
        # Strict full match: 64 lowercase hex, so "../", "/", NUL, unicode
        # digits or a trailing newline can never reach the filesystem.
        if not isinstance(image_id, str) or not _ID_RE.fullmatch(image_id):
            raise ValueError("invalid image id")
        return image_id

    def _path(self, image_id: str) -> Path:
        image_id = self._check_id(image_id)
        return self.root / image_id[:2] / image_id[2:4] / f"{image_id}.jpg"

    def save(self, clean: CleanImage) -> str:
        """Store the image (idempotent) and return its opaque id."""
        # Recompute rather than trust the field: the id is also the integrity check.
        image_id = hashlib.sha256(clean.data).hexdigest()
        if clean.sha256 and clean.sha256 != image_id:
            raise ValueError("CleanImage.sha256 does not match its data")
        path = self._path(image_id)
        if path.is_file():
            # Same content already stored. Touched so the sweep (which removes old unattached files) sees it as
            # freshly picked, not as a forgotten copy.
            try:
                os.utime(path)
            except FileNotFoundError:  # swept just now: store it again below
                pass
            else:
                return image_id
        try:
            self._write(path, clean.data)
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                # Server trouble the uploader must hear about plainly; nothing half-written stays behind.
                raise ImageRejected("image.disk_full", str(e)) from e
            raise
        return image_id

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Write to a private temp file in the same dir, then rename: readers
        # never see a half-written file, and concurrent saves of the same
        # content are harmless (os.replace is atomic).
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".jpg")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise

    def open(self, image_id: str) -> bytes:
        """JPEG bytes; ValueError for a malformed id, KeyError if absent."""
        path = self._path(image_id)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise KeyError(image_id) from None

    def exists(self, image_id: str) -> bool:
        """False for unknown *and* malformed ids (a malformed id cannot exist)."""
        try:
            return self._path(image_id).is_file()
        except ValueError:
            return False


# --- the one way an async handler takes an uploaded file ----------------------------------------------------------

@dataclass(frozen=True)
class StoredImage:
    """A picture through the intake and in a private store."""

    image_id: str
    width: int
    height: int


def accept(data: bytes, store: PrivateImageStore, policy: IntakePolicy = IntakePolicy()) -> StoredImage:
    """Intake, then store (synchronous: call it through `heavy.run` from async code, as `accept_upload` does)."""
    clean = intake_image(data, policy)
    return StoredImage(store.save(clean), clean.width, clean.height)


async def read_capped(upload, max_bytes: int) -> bytes:
    """At most `max_bytes` of an uploaded file (anything with an async `read(n)`); ImageRejected("image.too_large")
    beyond, having read one byte more than allowed and no further."""
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected("image.too_large", f"over {max_bytes} bytes")
    return data


async def accept_upload(upload, store: PrivateImageStore, policy: IntakePolicy = IntakePolicy()) -> StoredImage:
    """An uploaded file read with the policy's byte cap, then intake and store in the bounded heavy pool, off the
    event loop. Raises ImageRejected (reason: catalog key); a full pool becomes ImageRejected("image.busy")."""
    from portal.kernel import heavy

    data = await read_capped(upload, policy.max_bytes)
    try:
        return await heavy.run(accept, data, store, policy)
    except heavy.Busy as e:
        raise ImageRejected("image.busy") from e


# --- a photo uploaded before its form is sent ---------------------------------------------------------------------
# The phone uploads each photo as soon as it is chosen (`/api/photos/<purpose>`) and keeps a token for it; the form
# sends the tokens. Signed with the server's key, per purpose, so a token names only a picture this server took in
# for that kind of form: nobody attaches another person's photo by guessing or copying an id.

PHOTO_PURPOSES = ("report", "application", "evaluation")
_TOKEN_RE = re.compile(r"([0-9a-f]{64})\.([0-9]{1,5})\.([0-9]{1,5})\.([0-9a-f]{32})")


def _token_sig(purpose: str, image_id: str, width: int, height: int, key: str) -> str:
    msg = f"photo:{purpose}:{image_id}:{width}:{height}".encode()
    return hmac.new(key.encode(), msg, hashlib.sha256).hexdigest()[:32]


def photo_token(stored: StoredImage, purpose: str, key: str) -> str:
    """`<image id>.<width>.<height>.<signature>` for a picture just taken in for `purpose`."""
    if purpose not in PHOTO_PURPOSES:
        raise ValueError(purpose)
    return f"{stored.image_id}.{stored.width}.{stored.height}." + _token_sig(
        purpose, stored.image_id, stored.width, stored.height, key)


def read_photo_token(token: object, purpose: str, key: str) -> StoredImage | None:
    """The picture a token names, or None for anything this server did not sign for this purpose.

    >>> t = photo_token(StoredImage("ab" * 32, 640, 480), "report", "k")
    >>> read_photo_token(t, "report", "k")
    StoredImage(image_id='abab...', width=640, height=480)  # doctest: +SKIP
    >>> read_photo_token(t, "evaluation", "k") is None
    True
    """
    if not isinstance(token, str) or purpose not in PHOTO_PURPOSES:
        return None
    m = _TOKEN_RE.fullmatch(token.strip())
    if m is None:
        return None
    image_id, width, height, sig = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
    if not hmac.compare_digest(sig, _token_sig(purpose, image_id, width, height, key)):
        return None
    return StoredImage(image_id, width, height)

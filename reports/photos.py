"""Citizen photos: decode, verify, orient, strip every piece of metadata and re-encode.

A photo taken with a phone carries the reporter's GPS position, device and time in its EXIF/XMP
blocks; publishing it untouched would defeat the anonymity of a report. Nothing from the uploaded
file survives except its pixels: the image is decoded with Pillow, rotated per its EXIF orientation,
copied into a fresh image without `info`, and re-encoded (JPEG, or PNG when it really has
transparency) under a generated name.
"""

import io
import struct
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# Formats accepted from citizens (what phones and browsers produce). Anything else is refused
# before a decoder runs, which also keeps rarely-used Pillow plugins out of reach.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_SIDE = 2048
# 40 megapixels: more than any phone camera in use (a 48 MP sensor bins to 12 MP by default).
DEFAULT_MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded photo, ready for `ReportPhoto.image.save(photo.content.name, photo.content)`."""

    content: ContentFile
    width: int
    height: int
    content_type: str


def photo_limits() -> tuple[int, int, int]:
    """(max bytes of an upload, max side in pixels of the stored image, max pixels decoded)."""
    return (
        int(getattr(settings, "REPORT_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES)),
        int(getattr(settings, "REPORT_PHOTO_MAX_SIDE", DEFAULT_MAX_SIDE)),
        int(getattr(settings, "REPORT_PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS)),
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _read_bounded(upload, max_bytes: int) -> bytes:
    """The upload's bytes, refusing it (without reading it all) when it is larger than `max_bytes`."""
    too_big = ValidationError(
        f"La foto pesa más de {_megabytes(max_bytes)}, el máximo permitido. "
        "Envíe una foto más liviana (por ejemplo, tomada con menor resolución).",
        code="photo_too_large",
    )
    declared = getattr(upload, "size", None)
    if declared is not None and declared > max_bytes:
        raise too_big
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_big
    if not data:
        raise ValidationError(
            "El archivo de la foto está vacío. Adjunte una imagen JPEG, PNG o WebP.", code="photo_empty"
        )
    return data


def _not_an_image() -> ValidationError:
    return ValidationError(
        "El archivo no es una imagen válida o está dañado. Adjunte una foto JPEG, PNG o WebP.",
        code="photo_invalid",
    )


def _open_checked(data: bytes, max_pixels: int) -> Image.Image:
    """Open `data` as an image of an accepted format, refusing decompression bombs before decoding."""
    bomb = ValidationError(
        f"La imagen es demasiado grande (más de {max_pixels // 1_000_000} megapíxeles). "
        "Envíe una foto de menor resolución.",
        code="photo_too_many_pixels",
    )
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; treat the warning as a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # verify() walks the whole file (chunk CRCs, markers) without decoding pixels; it leaves
            # the image unusable, so the file is opened a second time to decode it.
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
                width, height = probe.size
                if width * height > max_pixels:
                    raise bomb
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bomb from None
    except UnidentifiedImageError:
        raise _not_an_image() from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error):
        # Truncated or corrupt data: Pillow reports it through several exception types.
        raise _not_an_image() from None
    if width <= 0 or height <= 0:
        raise _not_an_image()
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert colours from an embedded ICC profile to sRGB, so dropping the profile keeps the look."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, source, target, outputMode=mode) or image
    except (ImageCms.PyCMSError, OSError, ValueError):
        # A broken profile is simply discarded: the pixels are kept as they are.
        return image


def _has_transparency(image: Image.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        alpha = image.convert("RGBA").getchannel("A")
        return alpha.getextrema() != (255, 255)
    return False


def photo_clean(upload) -> CleanPhoto:
    """Decode, verify, orient, downscale and re-encode an uploaded photo with no metadata at all.

    `upload` is any file-like object (Django UploadedFile, BytesIO). Limits come from settings:
    REPORT_PHOTO_MAX_BYTES (upload size, bytes), REPORT_PHOTO_MAX_PIXELS (width × height before
    decoding) and REPORT_PHOTO_MAX_SIDE (longest side, pixels, of the stored image). Raises
    ValidationError with a Spanish message when the file is too large, is not an image, is
    truncated or would decode into too many pixels.
    """
    max_bytes, max_side, max_pixels = photo_limits()
    data = _read_bounded(upload, max_bytes)
    source = _open_checked(data, max_pixels)
    try:
        if getattr(source, "n_frames", 1) > 1:
            source.seek(0)  # animated WebP/PNG: keep the first frame only
        image = ImageOps.exif_transpose(source)
        image = _to_srgb(image)
        transparent = _has_transparency(image)
        image = image.convert("RGBA" if transparent else "RGB")
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        # A fresh image built from raw pixels has an empty `info`: no EXIF, GPS, XMP, ICC or comments
        # can be carried over by the encoder, whatever the source file held.
        clean = Image.frombytes(image.mode, image.size, image.tobytes())
    except (OSError, ValueError, SyntaxError):
        raise _not_an_image() from None
    finally:
        source.close()

    out = io.BytesIO()
    if transparent:
        clean.save(out, format="PNG", optimize=True)
        extension, content_type = "png", "image/png"
    else:
        clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        extension, content_type = "jpg", "image/jpeg"
    name = f"{uuid.uuid4().hex}.{extension}"
    return CleanPhoto(
        content=ContentFile(out.getvalue(), name=name),
        width=clean.width,
        height=clean.height,
        content_type=content_type,
    )

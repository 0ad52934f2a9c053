"""Customer photos for after-sales requests: checked, and stripped of their metadata.

A photo is accepted only if Pillow can decode it as JPEG, PNG or WebP within
the size and pixel limits. It is then saved again from its pixels, which drops
EXIF data such as where the photo was taken, and JPEG comment segments.
"""

from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

from shared.errors import OrderValidationError

# Pillow format name -> (content type, file extension).
ACCEPTED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class CheckedPhoto:
    content: ContentFile
    content_type: str


def _refuse(message: str) -> OrderValidationError:
    return OrderValidationError(message, details={"photo": [message]})


def after_sales_photo_check(upload: UploadedFile) -> CheckedPhoto:
    """Return the photo re-encoded without metadata, or refuse it (OrderValidationError)."""
    limit = settings.AFTER_SALES_PHOTO_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise _refuse(
            gettext("The photo is too large; send one up to %(limit)s.")
            % {"limit": filesizeformat(limit)}
        )
    not_a_photo = gettext("Send a photo as a JPEG, PNG or WebP file.")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            image_format = probe.format
            width, height = probe.size
            probe.verify()
        if image_format not in ACCEPTED_FORMATS:
            raise _refuse(not_a_photo)
        if width * height > MAX_PIXELS:
            raise _refuse(gettext("The photo has too many pixels; send a smaller one."))
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            buffer = BytesIO()
            # Saving without `exif=` or `pnginfo=` leaves the metadata behind; a JPEG's
            # comment (COM segment) is the exception: Pillow copies it unless told not to.
            upright.save(buffer, format=image_format, quality=88, comment=b"")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refuse(not_a_photo) from None
    content_type, extension = ACCEPTED_FORMATS[image_format]
    return CheckedPhoto(
        content=ContentFile(buffer.getvalue(), name=f"photo.{extension}"),
        content_type=content_type,
    )

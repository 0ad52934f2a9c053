"""A customer's photo is stored from its pixels: no EXIF, no comment segment, nothing it carried."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from fulfillment.services.photos import after_sales_photo_check

COMMENT = b"shot at 12 Le Loi, District 1; phone +84901234567"
COM = 0xFE  # the JPEG comment marker
APP1 = 0xE1  # EXIF (and XMP)


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """The (marker, payload) of every segment before the image data starts (SOS)."""
    assert data[:2] == b"\xff\xd8"
    segments, position = [], 2
    while position < len(data):
        assert data[position] == 0xFF
        marker = data[position + 1]
        if marker == 0xDA:  # start of scan: compressed pixels follow
            break
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        segments.append((marker, data[position + 4 : position + 2 + length]))
        position += 2 + length
    return segments


def jpeg_with_comment_and_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    buffer = BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(
        buffer, format="JPEG", comment=COMMENT, exif=exif
    )
    return buffer.getvalue()


def test_a_jpeg_loses_its_comment_segment_and_its_exif():
    original = jpeg_with_comment_and_exif()
    assert (COM, COMMENT) in jpeg_segments(original)  # the upload really carries both

    checked = after_sales_photo_check(SimpleUploadedFile("p.jpg", original, "image/jpeg"))

    stored = checked.content.read()
    markers = [marker for marker, _ in jpeg_segments(stored)]
    assert COM not in markers
    assert APP1 not in markers
    assert COMMENT not in stored
    assert b"PhoneMaker" not in stored
    with Image.open(BytesIO(stored)) as image:
        assert image.size == (32, 24)
        assert "comment" not in image.info


def test_a_png_loses_its_text_chunks():
    text = PngInfo()
    text.add_text("Comment", COMMENT.decode())
    buffer = BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG", pnginfo=text)
    assert COMMENT in buffer.getvalue()

    checked = after_sales_photo_check(SimpleUploadedFile("p.png", buffer.getvalue()))

    assert COMMENT not in checked.content.read()

"""Attaching files (photos, evidence, minutes) to any object, and serving them safely.

    from grassroots.core.attachments import attach, attachments_of, signed_url
    attach(user, case, request.FILES.getlist("photos"), role="photo", max_files=9)   # in a service
    attachments_of(case, role="photo")                                              # for templates

Rules, in one place:
- at most `max_files` per (object, role), 10 MB each; images JPEG/PNG/WebP/HEIC-free (Pillow must
  decode them), documents PDF/XLSX/DOCX by their magic bytes;
- images are re-encoded (EXIF incl. GPS stripped, longest side ≤ 2560 px): a resident's photo must
  not leak where they live, and re-encoding defuses polyglot files;
- files get random names under MEDIA_ROOT/attachments/ and are only served by `core:attachment`,
  which checks that the user can see the parent object, or by a signed link (`signed_url`) for
  no-login pages such as a resident's tracking page.
Errors raise core.errors.ServiceError with a Chinese message, before anything is written; a full or
read-only disk is a ServiceError with status 503, and no partial file stays behind.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import transaction
from django.urls import reverse

from .errors import ServiceError
from .faults import remove_quietly, storage_guard, write_file_atomic
from .models import Attachment

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 2560
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
DOCUMENTS = {
    b"%PDF-": ("application/pdf", "pdf"),
    # XLSX / DOCX are zip containers; the extension decides which one.
    b"PK\x03\x04": (None, None),
}
ZIP_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SIGNED_SALT = "grassroots.attachment"


def storage_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _read(upload) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ServiceError(f"文件“{upload.name}”超过 10 MB", field="files")
    data = upload.read()
    if len(data) > MAX_BYTES:
        raise ServiceError(f"文件“{upload.name}”超过 10 MB", field="files")
    if not data:
        raise ServiceError(f"文件“{upload.name}”是空文件", field="files")
    return data


def _image(name: str, data: bytes) -> tuple[bytes, str, str, int, int]:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        img = Image.open(io.BytesIO(data))
        fmt = img.format
        if fmt not in IMAGE_FORMATS:
            raise ServiceError(f"图片“{name}”格式不支持，请上传 JPG、PNG 或 WebP", field="files")
        img = ImageOps.exif_transpose(img)
        img.thumbnail((MAX_SIDE, MAX_SIDE))
        if fmt == "JPEG" and img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        out = io.BytesIO()
        img.save(out, format=fmt, **({"quality": 85} if fmt in ("JPEG", "WEBP") else {}))
    except ServiceError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ServiceError(f"文件“{name}”不是有效的图片", field="files") from exc
    mime, ext = IMAGE_FORMATS[fmt]
    return out.getvalue(), mime, ext, img.width, img.height


def _document(name: str, data: bytes) -> tuple[str, str]:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if data.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if data.startswith(b"PK\x03\x04") and ext in ZIP_TYPES:
        return ZIP_TYPES[ext], ext
    raise ServiceError(f"文件“{name}”类型不支持，请上传图片、PDF、Excel 或 Word 文件", field="files")


def validate_files(uploads, *, existing: int = 0, max_files: int = 9, images_only: bool = True) -> list[dict]:
    """Read and check every upload; returns prepared rows. Raises before anything is stored."""
    uploads = [u for u in (uploads or []) if u]
    if existing + len(uploads) > max_files:
        raise ServiceError(f"最多上传 {max_files} 个文件（已有 {existing} 个）", field="files")
    prepared = []
    for upload in uploads:
        name = Path(getattr(upload, "name", "") or "file").name[:200]
        data = _read(upload)
        width = height = None
        try:
            data, mime, ext, width, height = _image(name, data)
        except ServiceError:
            if images_only:
                raise
            mime, ext = _document(name, data)
        prepared.append(
            {"name": name, "data": data, "mime": mime, "ext": ext, "width": width, "height": height}
        )
    return prepared


def attach(user, obj, uploads, *, role: str = "photo", max_files: int = 9, images_only: bool = True):
    """Validate and store `uploads` on `obj`. Call inside the service's transaction, after its own
    permission checks; returns the Attachment rows."""
    ct = ContentType.objects.get_for_model(obj)
    existing = Attachment.objects.filter(content_type=ct, object_id=obj.pk, role=role).count()
    prepared = validate_files(uploads, existing=existing, max_files=max_files, images_only=images_only)
    rows = []
    written: list[Path] = []
    try:
        with transaction.atomic(), storage_guard(f"attachment upload by {getattr(user, 'pk', None)}"):
            folder = storage_dir()
            for item in prepared:
                stored = f"{secrets.token_hex(16)}.{item['ext']}"
                write_file_atomic(folder / stored, item["data"])
                written.append(folder / stored)
                rows.append(_row(user, ct, obj, role, stored, item))
    except BaseException:
        # Nothing half-done: files already written for this call go when any of them fails.
        remove_quietly(written)
        raise
    return rows


def _row(user, ct, obj, role, stored, item) -> Attachment:
    return Attachment.objects.create(
        content_type=ct,
        object_id=obj.pk,
        role=role,
        stored_name=stored,
        original_name=item["name"],
        mime=item["mime"],
        size=len(item["data"]),
        sha256=hashlib.sha256(item["data"]).hexdigest(),
        width=item["width"],
        height=item["height"],
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
    )


def attachments_of(obj, role: str | None = None):
    qs = Attachment.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    return qs.filter(role=role) if role else qs


def path_of(attachment: Attachment) -> Path:
    return storage_dir() / attachment.stored_name


def parent_visible(user, attachment: Attachment) -> bool:
    model = attachment.content_type.model_class()
    if model is None:
        return False
    qs = model._default_manager.filter(pk=attachment.object_id)
    if hasattr(qs, "visible_to"):
        return qs.visible_to(user, "view").exists()
    # Models without scoping expose `attachment_visible_to(user) -> bool` on the instance.
    obj = qs.first()
    check = getattr(obj, "attachment_visible_to", None)
    return bool(obj is not None and check and check(user))


def signed_url(attachment: Attachment) -> str:
    token = signing.dumps(attachment.pk, salt=SIGNED_SALT)
    return reverse("core:attachment_signed", args=[token])


def read_signed(token: str, max_age: int = 7 * 24 * 3600) -> int | None:
    try:
        return int(signing.loads(token, salt=SIGNED_SALT, max_age=max_age))
    except (signing.BadSignature, ValueError, TypeError):
        return None

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

Decoding is expensive, so services prepare the files *before* opening their transaction and pass the
prepared list to `attach` inside it:

    prepared = validate_files(photos, max_files=9, user=user)     # header pixel check, decode, re-encode
    with transaction.atomic():
        ...
        attach(user, case, prepared, role="photo", max_files=9)     # only stores and writes rows

An image's pixel count is read from its header and refused above settings.UPLOAD_MAX_PIXELS before
any pixel is decoded. Anonymous uploads are limited per client IP and hour (settings
UPLOAD_ANON_SUBMISSIONS_PER_HOUR, UPLOAD_ANON_FILES_PER_HOUR), counted in the cache.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from . import context
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


def max_pixels() -> int:
    return int(getattr(settings, "UPLOAD_MAX_PIXELS", 40_000_000))


def _configure_pillow() -> None:
    from PIL import Image

    # Pillow's own guard (a warning above the limit, an error above twice): a second line of defence
    # for any code that opens images without going through _image().
    Image.MAX_IMAGE_PIXELS = max_pixels()


class ImageTooLarge(ServiceError):
    """An image whose header declares more pixels than allowed (never decoded)."""


class PreparedFiles(list):
    """Uploads already read, checked and re-encoded by validate_files (a list of dicts)."""


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

    _configure_pillow()
    try:
        # Image.open reads only the header: refuse a pixel bomb before a single pixel is decoded.
        # (Pillow itself refuses at open above twice MAX_IMAGE_PIXELS, before we can read the size.)
        limit = max_pixels()
        width: int | None
        height: int | None
        try:
            with Image.open(io.BytesIO(data)) as head:
                width, height = head.size
        except Image.DecompressionBombError as exc:
            width = height = None
            found = re.search(r"\((\d+) pixels\)", str(exc))
            declared = int(found.group(1)) if found else limit * 2
        if width is None or height is None or width * height > limit:
            size = f"（{width}×{height} 像素）" if width else f"（约 {declared // 10_000} 万像素）"
            raise ImageTooLarge(
                f"图片“{name}”尺寸过大{size}，请上传不超过 {limit // 10_000} 万像素的图片", field="files"
            )
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        img: Image.Image = Image.open(io.BytesIO(data))
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


def _limit_anonymous(count: int) -> None:
    """Per-IP hourly caps on anonymous uploads (submissions carrying files, and files)."""
    ip = context.current().ip or "unknown"
    submissions_cap = int(getattr(settings, "UPLOAD_ANON_SUBMISSIONS_PER_HOUR", 10))
    files_cap = int(getattr(settings, "UPLOAD_ANON_FILES_PER_HOUR", 30))
    hour = int(time.time() // 3600)
    sub_key, files_key = f"upload-anon:{ip}:{hour}:n", f"upload-anon:{ip}:{hour}:files"
    values = cache.get_many([sub_key, files_key])
    if values.get(sub_key, 0) + 1 > submissions_cap or values.get(files_key, 0) + count > files_cap:
        raise ServiceError("上传过于频繁，请一小时后再试", field="files", status=429)
    for key, step in ((sub_key, 1), (files_key, count)):
        cache.add(key, 0, 3600)
        try:
            cache.incr(key, step)
        except ValueError:  # expired between add and incr
            cache.set(key, step, 3600)


def validate_files(
    uploads, *, existing: int = 0, max_files: int = 9, images_only: bool = True, user=None
) -> PreparedFiles:
    """Read, check and re-encode every upload; returns prepared rows for `attach`. Raises before
    anything is stored. Call it before opening the write transaction. Pass `user` so that anonymous
    uploads are counted against the per-IP limits."""
    if isinstance(uploads, PreparedFiles):
        if existing + len(uploads) > max_files:
            raise ServiceError(f"最多上传 {max_files} 个文件（已有 {existing} 个）", field="files")
        return uploads
    uploads = [u for u in (uploads or []) if u]
    if existing + len(uploads) > max_files:
        raise ServiceError(f"最多上传 {max_files} 个文件（已有 {existing} 个）", field="files")
    if uploads and user is not None and not getattr(user, "is_authenticated", False):
        _limit_anonymous(len(uploads))
    prepared = PreparedFiles()
    for upload in uploads:
        name = Path(getattr(upload, "name", "") or "file").name[:200]
        data = _read(upload)
        width = height = None
        try:
            data, mime, ext, width, height = _image(name, data)
        except ImageTooLarge:
            raise
        except ServiceError:
            if images_only:
                raise
            mime, ext = _document(name, data)
        prepared.append(
            {"name": name, "data": data, "mime": mime, "ext": ext, "width": width, "height": height}
        )
    return prepared


def attach(user, obj, uploads, *, role: str = "photo", max_files: int = 9, images_only: bool = True):
    """Store `uploads` (preferably the PreparedFiles from validate_files, called before the
    transaction) on `obj`. Call inside the service's transaction, after its own permission checks;
    returns the Attachment rows."""
    ct = ContentType.objects.get_for_model(obj)
    existing = Attachment.objects.filter(content_type=ct, object_id=obj.pk, role=role).count()
    prepared = validate_files(
        uploads, existing=existing, max_files=max_files, images_only=images_only, user=user
    )
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


def parent_of(attachment: Attachment):
    model = attachment.content_type.model_class()
    return model._default_manager.filter(pk=attachment.object_id).first() if model else None


VIEWER_KEY = "_file_viewer"


def viewer_of(request, *, create: bool = False) -> str:
    """Who a signed link is bound to: the signed-in user, else a random id kept in the visitor's
    session (created on the page that issues the link)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u:{user.pk}"
    session = getattr(request, "session", None)
    if session is None:
        return ""
    if create and VIEWER_KEY not in session:
        session[VIEWER_KEY] = secrets.token_hex(12)
    return f"s:{session[VIEWER_KEY]}" if VIEWER_KEY in session else ""


def link_seconds() -> int:
    return int(getattr(settings, "ATTACHMENT_LINK_SECONDS", 600))


def signed_url(attachment: Attachment, request=None) -> str:
    """A short-lived link (settings.ATTACHMENT_LINK_SECONDS) for no-login pages. Given the request of
    the page showing it, the link only works for that viewer (user or browser session)."""
    viewer = viewer_of(request, create=True) if request is not None else ""
    token = signing.dumps({"a": attachment.pk, "v": viewer}, salt=SIGNED_SALT, compress=True)
    return reverse("core:attachment_signed", args=[token])


def read_signed(token: str, max_age: int | None = None) -> tuple[int, str] | None:
    """(attachment id, viewer binding) of a valid, unexpired link; None otherwise."""
    try:
        data = signing.loads(token, salt=SIGNED_SALT, max_age=link_seconds() if max_age is None else max_age)
        return int(data["a"]), str(data.get("v", ""))
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        return None

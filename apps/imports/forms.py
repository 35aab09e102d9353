"""Forms of the import pages: the upload of a history's files. Each error is one sentence
naming the file and why it cannot be read, never a 500."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

# A history export of a mid-market distributor (a few years of orders and lines) is tens of
# megabytes; the Olist sample's largest file is 2.4 MB. The limit keeps one upload from
# filling the disk of a small machine; a deployment may set TWIN_IMPORT_MAX_FILE_BYTES.
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_FILES = 12
KINDS = {".csv": "CSV", ".xlsx": "XLSX"}
_ZIP_MAGIC = b"PK\x03\x04"  # an XLSX is a zip archive
_SNIFF_BYTES = 64 * 1024


def max_file_bytes() -> int:
    return int(getattr(settings, "TWIN_IMPORT_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot >= 0 else ""


def upload_problem(upload: UploadedFile) -> str:
    """Why this file cannot be imported, or "" when it can be read as what it says it is."""
    name = upload.name or "(unnamed)"
    suffix = _suffix(name)
    if suffix not in KINDS:
        return (
            f"{name}: not a CSV or XLSX file (it ends in {suffix or 'no extension'}); "
            "export the table as .csv or .xlsx."
        )
    limit = max_file_bytes()
    if upload.size > limit:
        return (
            f"{name}: {megabytes(upload.size)} is over the limit of {megabytes(limit)} per "
            "file; split the export by period."
        )
    if upload.size == 0:
        return f"{name}: the file is empty."
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    if suffix == ".xlsx":
        if not head.startswith(_ZIP_MAGIC):
            return f"{name}: not an XLSX workbook (an .xls or a renamed file?); save it as .xlsx."
        return ""
    if head.startswith(_ZIP_MAGIC) or b"\x00" in head:
        return f"{name}: not a text CSV (it looks like a binary file); export it as CSV."
    try:
        # A cut in the middle of a multi-byte character at the end of the sniffed part is fine.
        head.decode("utf-8-sig") if len(head) < _SNIFF_BYTES else head[:-4].decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return (
            f"{name}: not UTF-8 text (byte {error.start} cannot be read); export the CSV as UTF-8."
        )
    return ""


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field, each cleaned as a FileField cleans one."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files:
            raise ValidationError("Choose one or more CSV or XLSX files.")
        empty = [f.name for f in files if getattr(f, "size", 1) == 0]
        if empty:
            raise ValidationError([f"{name}: the file is empty." for name in empty])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class UploadForm(forms.Form):
    files = MultipleFileField(label="Files (CSV or XLSX)")

    def clean_files(self) -> list[UploadedFile]:
        files = self.cleaned_data["files"]
        if len(files) > MAX_FILES:
            raise ValidationError(f"At most {MAX_FILES} files per import; {len(files)} chosen.")
        names = [f.name for f in files]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValidationError(f"The same file was chosen twice: {', '.join(twice)}.")
        problems = [p for p in (upload_problem(f) for f in files) if p]
        if problems:
            raise ValidationError(problems)
        return files

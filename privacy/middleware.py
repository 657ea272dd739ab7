"""Keep track of upload names that carried a path or control characters.

Django strips directories and non-printable characters from an uploaded
file's name before any view sees it (so a trick never reaches the disk). The
proof upload must however *refuse* such a file with a clear message, so this
middleware — placed before CsrfViewMiddleware, which parses the body first —
makes the request's multipart parser record the raw names it had to clean in
``request.suspicious_upload_names``.
"""

import html

from django.http.multipartparser import MultiPartParser
from django.utils.datastructures import ImmutableList


class _RecordingParser(MultiPartParser):
    def __init__(self, *args, record: list, **kwargs):
        super().__init__(*args, **kwargs)
        self._record = record

    def sanitize_file_name(self, file_name):
        cleaned = super().sanitize_file_name(file_name)
        if cleaned != html.unescape(file_name):
            self._record.append(file_name)
        return cleaned


class UploadNameGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.suspicious_upload_names = []
        if request.method == "POST" and request.content_type == "multipart/form-data":
            record = request.suspicious_upload_names

            def parse_file_upload(META, post_data):
                request.upload_handlers = ImmutableList(
                    request.upload_handlers,
                    warning="You cannot alter upload handlers after the upload has been processed.",
                )
                parser = _RecordingParser(
                    META, post_data, request.upload_handlers, request.encoding, record=record
                )
                return parser.parse()

            request.parse_file_upload = parse_file_upload
        return self.get_response(request)

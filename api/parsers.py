"""The API's JSON parser: every body goes through the one loader in shared.parsing."""

import codecs

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DrfJSONParser
from rest_framework.parsers import get_encoding

from shared.parsing import JsonRefused, json_parse


class JSONParser(DrfJSONParser):
    """DRF's JSON parser, refusing bodies nested too deeply as a 400 instead of crashing.

    DRF catches ValueError only; a deeply nested body raises RecursionError.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json_parse(text)
        except (JsonRefused, ValueError) as error:  # ValueError: not text in that encoding
            raise ParseError(str(error)) from None

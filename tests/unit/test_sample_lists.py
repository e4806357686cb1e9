"""The stored form of a draw's ordered list: what goes in comes out, and a document names its fields."""

import json
import zlib

from backports import zstd

from models import sample_lists
from workflow.sampling import Entry, SampleRole


def test_a_list_comes_back_as_it_was_written_and_reads_without_this_code():
    entries = [Entry("foster_care", "CH1", "FC1", "CH1", "W1", 0.123456789012345678, 1, SampleRole.REVIEW),
               Entry("in_home", "IH1", "IH1", None, None, 0.5, 1, SampleRole.ELIMINATED, "ih_open_under_45_days",
                     "a note", 2)]
    document = sample_lists.encode(entries)
    assert sample_lists.decode(document) == [list(e) for e in entries]        # floats exact, None kept
    plain = json.loads(zstd.decompress(document))      # any zstd tool, any JSON reader
    assert plain["fields"] == list(sample_lists.FIELDS)
    assert dict(zip(plain["fields"], plain["entries"][1]))["reason"] == "ih_open_under_45_days"


def test_a_document_with_its_fields_in_another_order_or_one_missing_is_read_by_name():
    written = {"fields": ["key", "case_type", "position"], "entries": [["CH1", "foster_care", 7]]}
    [entry] = sample_lists.decode(zstd.compress(json.dumps(written).encode()))
    found = dict(zip(sample_lists.FIELDS, entry))
    assert (found["key"], found["case_type"], found["position"], found["worker"]) == ("CH1", "foster_care", 7, None)


def test_a_document_written_before_zstandard_as_a_zlib_stream_still_reads():
    written = {"fields": list(sample_lists.FIELDS),
               "entries": [["foster_care", "CH1", "FC1", "CH1", "W1", 5.1613484634116524e-05, 1, "review", None, None,
                            0]]}
    assert sample_lists.decode(zlib.compress(json.dumps(written).encode(), 1)) == written["entries"]

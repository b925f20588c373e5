"""Building a whole Whoosh segment at once: the fast path of a rebuild.

Whoosh's writer hands every posting to a pool one at a time, sorts them all as tuples (spilling
pickled runs to disk) and feeds them back one at a time through its field writer: 10-30 µs per
posting, and a news article has about 1,100. :class:`SegmentBuilder` writes a segment of the same W3
format through the same codec objects, but counts terms and groups postings with numpy:

* while documents are added, each full-text value is tokenized (a build tokenizes a batch of
  documents' texts at once, :mod:`index.tokenbatch`; else :func:`index.terms.tokens`) and its
  tokens mapped to integer codes (exact term, folded term, folded form) through a per-segment
  vocabulary; the codes of a batch of documents are counted at once, bigram terms being pairs of
  folded-form ids (no string is built per bigram occurrence);
* a posting is one ``uint64``: ``term id << 42 | docnum << 20 | code``, where a code below
  :data:`_PLAIN` is a frequency whose weight is the same number and a higher one indexes a table of
  ``(frequency, weight)`` pairs; at :meth:`SegmentBuilder.finish` term ids are replaced by their rank
  in term order, the array is sorted in place, and :func:`index.whoosh.blocks.write_terms` writes the blocks.

The terms and weights are those :func:`index.terms.term_counts` gives (what Whoosh's writer indexes
through :class:`index.whoosh.fields.VietnameseText`); the tests compare everything Whoosh's reader sees in a
segment built here with one Whoosh's writer built from the same documents.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from typing import Any

import numpy as np
from isal import isal_zlib
from numpy.typing import NDArray
from whoosh.analysis import IDTokenizer
from whoosh.codec.whoosh3 import W3Codec
from whoosh.formats import Existence
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from index.terms import tokens as tokenize
from index.tokenbatch import BatchTokens
from index.whoosh.blocks import BLOCK, COMPRESSION, write_terms
from index.whoosh.fields import VietnameseText, text_parts
from index.whoosh.perdoc import write_documents
from index.whoosh.termindex import TermIndex
from index.whoosh.textcodes import TextCollector
from index.whoosh.vocab import MAX_TERMS, FieldPostings, KeyVocabulary

__all__ = ["MAX_DOCS", "SegmentBuilder"]

_TERM_SHIFT = 64 - MAX_TERMS.bit_length()  # term ids take the high bits of a packed posting
_DOC_SHIFT = 20
_CODE_MASK = (1 << _DOC_SHIFT) - 1
_DOC_MASK = (1 << (_TERM_SHIFT - _DOC_SHIFT)) - 1
_LOW_MASK = (1 << _TERM_SHIFT) - 1
_PLAIN = 1 << 19
MAX_DOCS = _DOC_MASK
"""Documents a bulk segment can hold."""
_PLAIN_MEMO = 1 << 16
"""Values of fields other than full text whose terms a builder remembers (see ``_plain_terms``)."""
_CHUNK = 1 << 18
"""Postings written per :func:`write_terms` call (bounds the Python lists it makes)."""


def _compress_stored(data: bytes, level: int) -> bytes:
    """A document's pickled stored fields as a zlib stream (ISA-L; ``level``, Whoosh's, is ignored)."""
    return isal_zlib.compress(data, COMPRESSION)


def _field_terms(field: Any, value: Any) -> list[tuple[str, int, float]]:
    """The terms, frequencies and weights of ``value`` as Whoosh's ``field.index`` gives them."""
    return [(t.decode("utf-8"), f, float(w)) for t, f, w, _ in field.index(value)]


class SegmentBuilder:
    """Collects documents for one new segment of the index in ``storage`` and writes it on
    :meth:`finish`. Documents are the keyword dicts ``SegmentWriter.add_document`` takes, without
    its ``_boost``/``_stored_`` options; every field must be in ``schema`` (vectors and spelling are
    not supported; the index's schema has none). Documents are processed in batches of ``batch``.

    ``postings`` is the number held so far: 8 bytes each (callers bound memory with it).
    """

    def __init__(
        self, storage: Any, schema: Any, indexname: str, *, batch: int = 256, blocklimit: int = BLOCK
    ) -> None:
        self._codec = W3Codec()
        self._blocklimit = blocklimit
        self._storage = storage
        self._schema = schema
        self._batch = batch
        self.segment = self._codec.new_segment(storage, indexname)
        self._perdoc = self._codec.per_document_writer(storage, self.segment)
        # Stored fields are a zlib stream per document (level 3 in Whoosh's writer: ~10 µs each);
        # ISA-L writes the same format faster, and Whoosh's reader inflates it with zlib.
        self._perdoc._colwriters["_stored"]._child._compress = _compress_stored
        self._fields: dict[str, FieldPostings] = {}
        self._text: dict[str, TextCollector] = {}
        self._vocab: dict[str, KeyVocabulary] = {}
        self._lengths: dict[str, array[int]] = {}
        self._pairs: dict[tuple[int, float], int] = {}
        self._pending: list[tuple[dict[str, Any], dict[str, int]]] = []
        self._plain: dict[str, list[tuple[int, str, int, float]]] = {}
        self._plain_memo: dict[tuple[str, str], list[tuple[str, int, float]]] = {}
        self._whole: dict[str, float] = {
            name: float(field.format.field_boost)
            for name, field in schema.items()
            if type(field.analyzer) is IDTokenizer and type(field.format) is Existence
        }
        """Fields whose text value is its one term (an ``ID`` field: Whoosh's ``IDTokenizer`` and
        ``Existence`` format make ``(value, 1, field boost)``), with that weight."""
        for name, field in schema.items():
            if field.vector or field.separate_spelling():
                raise ValueError(f"field {name!r}: vectors and spelling are not supported")
            if field.indexed:
                self._fields[name] = FieldPostings()
                if isinstance(field, VietnameseText) and field.format.field_boost == 1.0:
                    self._text[name] = TextCollector()
                    self._vocab[name] = KeyVocabulary()
            if field.scorable:
                self._lengths[name] = array("I")
        self._roles: dict[str, tuple[Any, bool, bool, Any]] = {
            name: (field, field.indexed and name not in self._text, field.scorable, field.column_type)
            for name, field in schema.items()
        }
        """Each field, whether it is indexed but not full text (its terms from Whoosh's analyzer),
        scorable, and its column type: looked up once, not once a value."""
        self.docnum = 0
        self.postings = 0

    @property
    def full(self) -> bool:
        """Whether a vocabulary is close to its limit (time to finish this segment)."""
        room = MAX_TERMS - (1 << 20)
        return (
            any(c.full for c in self._text.values())
            or any(len(v) > room for v in self._vocab.values())
            or any(len(p.keys) > room for p in self._fields.values())
        )

    def texts(self, doc: Mapping[str, Any]) -> list[str]:
        """The texts of ``doc``'s full-text values, for a :class:`~index.tokenbatch.BatchTokens`
        (a value that is not text is left out: :meth:`add` rejects it)."""
        found: list[str] = []
        for name in self._text:
            value = doc.get(name)
            if value is not None:
                try:
                    found += [text for text, _ in text_parts(value)]
                except ValueError:
                    continue
        return found

    def add(self, doc: Mapping[str, Any], tokens: BatchTokens | None = None) -> None:
        """Add one document (the next docnum). A value the schema rejects raises here, and the
        document is not added. ``tokens``: its texts' tokens, from a batch (see :meth:`texts`)."""
        if self.docnum + len(self._pending) >= MAX_DOCS:
            raise OverflowError(f"a bulk segment holds at most {MAX_DOCS} documents")
        roles = self._roles
        if not roles.keys() >= doc.keys():
            unknown = [name for name in doc if name not in roles]
            raise ValueError(f"no field named {unknown[0]!r} in the schema")
        values = {name: value for name, value in doc.items() if value is not None}
        if tokens is not None:
            parsed = {
                name: text.parse_batch(values[name], tokens)
                for name, text in self._text.items()
                if name in values
            }
        else:
            tokens_of = getattr(
                doc, "tokens_of", tokenize
            )  # an IndexDocument's cache, shared with the text store
            parsed = {
                name: text.parse(values[name], tokens_of)
                for name, text in self._text.items()
                if name in values
            }
        lengths: dict[str, int] = {}
        plain: list[tuple[str, list[tuple[str, int, float]]]] = []
        for name, value in values.items():
            field, is_plain, scorable, column_type = roles[name]
            if is_plain:
                items = self._plain_terms(name, field, value)
                plain.append((name, items))
                lengths[name] = sum(f for _, f, _ in items) if scorable else 0
            if column_type:
                values[name] = (value, field.to_column_value(value))
        # Nothing below raises on a value: the document is taken.
        for name, text in self._text.items():
            text.add(parsed.get(name, []))
        docnum = self.docnum + len(self._pending)
        for name, items in plain:
            self._plain.setdefault(name, []).extend((docnum, t, f, w) for t, f, w in items)
        self._pending.append((values, lengths))
        if len(self._pending) >= self._batch:
            self._flush_batch()

    def _plain_terms(self, name: str, field: Any, value: Any) -> list[tuple[str, int, float]]:
        """The terms, frequencies and weights Whoosh's ``field.index`` gives for ``value``; remembered
        per string value, since most such values (source, department, year, …) repeat from document to
        document and Whoosh's analyzer chain costs ~5 µs a value (the memory is emptied past
        :data:`_PLAIN_MEMO` values, which unique ones such as ids fill)."""
        if not isinstance(value, str):
            return _field_terms(field, value)
        boost = self._whole.get(name)
        if boost is not None:
            return [(value, 1, boost)]
        found = self._plain_memo.get((name, value))
        if found is None:
            if len(self._plain_memo) >= _PLAIN_MEMO:
                self._plain_memo.clear()
            found = self._plain_memo[name, value] = _field_terms(field, value)
        return found

    def _add_plain(self, name: str, items: list[tuple[int, str, int, float]]) -> None:
        postings = self._fields[name]
        ids = postings.term_ids([t for _, t, _, _ in items])
        packed = postings.packed
        for tid, (docnum, _, freq, weight) in zip(ids, items, strict=True):
            code = freq if weight == freq and freq < _PLAIN else self._code(freq, weight)
            packed.append(tid << _TERM_SHIFT | docnum << _DOC_SHIFT | code)
        self.postings += len(items)

    def _code(self, freq: int, weight: float) -> int:
        pair = (int(freq), float(weight))
        code = self._pairs.get(pair)
        if code is None:
            code = self._pairs[pair] = _PLAIN + len(self._pairs)
            if code > _CODE_MASK:
                raise OverflowError("too many distinct (frequency, weight) pairs for one bulk segment")
        return code

    def _flush_batch(self) -> None:
        """Count the pending documents' full text and hand the documents to the per-document writer."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        first = self.docnum
        plain, self._plain = self._plain, {}
        for name, items in plain.items():
            self._add_plain(name, items)
        for name, collector in self._text.items():
            batch = collector.count()
            postings = self._fields[name]
            # The batch's keys are sorted (TextBatch): distinct keys by their first posting.
            new_key = np.ones(len(batch.keys), dtype=bool)
            new_key[1:] = batch.keys[1:] != batch.keys[:-1]
            distinct = batch.keys[new_key]
            tids = self._vocab[name].ids(distinct).astype(np.uint64)[np.cumsum(new_key) - 1]
            codes = batch.freqs.astype(np.uint64)
            special = np.flatnonzero((batch.weights != batch.freqs) | (batch.freqs >= _PLAIN))
            if len(special):
                # A (frequency, weight) pair as one complex number: a 1-D unique sorts native numbers,
                # where unique(axis=0) sorts rows as opaque bytes (~6x slower: ~0.1 ms a document).
                pairs = batch.freqs[special] + 1j * batch.weights[special]
                distinct_pairs, which = np.unique(pairs, return_inverse=True)
                pair_codes = [self._code(int(p.real), p.imag) for p in distinct_pairs.tolist()]
                codes[special] = np.array(pair_codes, dtype=np.uint64)[which.reshape(-1)]
            docs = batch.docs.astype(np.uint64) + np.uint64(first)
            packed = (tids << np.uint64(_TERM_SHIFT)) | (docs << np.uint64(_DOC_SHIFT)) | codes
            postings.packed.frombytes(packed.tobytes())
            self.postings += len(packed)
            for (_, lengths), length in zip(pending, batch.lengths.tolist(), strict=True):
                lengths[name] = length
        for _values, lengths in pending:
            for name, decoded in self._lengths.items():
                # What Whoosh reads back as this document's length (a byte; 0 for none).
                lbyte = length_to_byte(lengths[name]) if lengths.get(name) else 0
                decoded.append(byte_to_length(lbyte) if lbyte else 0)
        write_documents(self._perdoc, self._schema, self.docnum, pending)
        self.docnum += len(pending)

    def cancel(self) -> None:
        """Give up: close the files written so far (the caller removes the index directory)."""
        columns = self._perdoc._cols
        columns._temp.close()
        columns._tempstorage.delete_file(columns._tempname)

    def finish(self) -> Any:
        """Write the segment's files and return the segment (for a TOC to list)."""
        self._flush_batch()
        self._perdoc.close()
        self.segment.set_doc_count(self.docnum)
        freq_of, weight_of = self._tables()
        fieldwriter = self._codec.field_writer(self._storage, self.segment)
        try:
            tindex = TermIndex(fieldwriter._tindex)
            for name in sorted(self._fields):
                postings = self._fields.pop(name)
                if name in self._text:
                    postings.keys = self._text[name].terms(self._vocab.pop(name).keys())
                if not postings.keys:
                    continue
                fieldwriter._fieldmap[name] = fieldid = len(fieldwriter._fieldmap)
                lengths = self._lengths.get(name)
                self._write_field(
                    fieldwriter._postfile,
                    tindex,
                    pack_ushort(fieldid),
                    postings,
                    np.frombuffer(lengths, dtype=np.uint32).astype(np.int64) if lengths is not None else None,
                    self._schema[name].format.fixed_value_size() != 0,
                    freq_of,
                    weight_of,
                    self._blocklimit,
                )
        finally:
            fieldwriter.close()
        return self.segment

    def _tables(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Frequency and weight of every code."""
        size = _PLAIN + len(self._pairs)
        freq_of = np.arange(size, dtype=np.int64)
        weight_of = np.arange(size, dtype=np.float64)
        for (freq, weight), code in self._pairs.items():
            freq_of[code] = freq
            weight_of[code] = weight
        return freq_of, weight_of

    @staticmethod
    def _write_field(
        postfile: Any,
        tindex: TermIndex,
        prefix: bytes,
        postings: FieldPostings,
        doclengths: NDArray[np.int64] | None,
        with_values: bool,
        freq_of: NDArray[np.int64],
        weight_of: NDArray[np.float64],
        blocklimit: int,
    ) -> None:
        """Sort one field's postings by term (in term order) and document, and write them."""
        terms = postings.keys
        order = sorted(range(len(terms)), key=terms.__getitem__)
        ranked = [terms[i] for i in order]
        rank = np.empty(len(terms), dtype=np.uint64)
        rank[np.array(order, dtype=np.int64)] = np.arange(len(terms), dtype=np.uint64)
        postings.ids.clear()
        postings.keys = []
        del order
        # Sorted in place, in the array's own buffer: no second copy of the postings.
        packed = np.frombuffer(postings.packed, dtype=np.uint64)
        shift = np.uint64(_TERM_SHIFT)
        for lo in range(0, len(packed), _CHUNK):
            part = packed[lo : lo + _CHUNK]
            part[:] = (rank[part >> shift] << shift) | (part & np.uint64(_LOW_MASK))
        packed.sort()
        lo = 0
        while lo < len(packed):
            hi = min(lo + _CHUNK, len(packed))
            if hi < len(packed):  # end the chunk at a term boundary
                hi = int(np.searchsorted(packed, ((packed[hi - 1] >> shift) + np.uint64(1)) << shift))
            part = packed[lo:hi]
            ranks = (part >> shift).astype(np.int64)
            docs = ((part >> np.uint64(_DOC_SHIFT)) & np.uint64(_DOC_MASK)).astype(np.int64)
            codes = (part & np.uint64(_CODE_MASK)).astype(np.int64)
            starts = np.flatnonzero(np.concatenate(([True], ranks[1:] != ranks[:-1])))
            write_terms(
                postfile,
                tindex,
                prefix,
                [ranked[r] for r in ranks[starts].tolist()],
                starts,
                docs,
                freq_of[codes],
                weight_of[codes],
                doclengths[docs] if doclengths is not None else np.zeros(len(docs), dtype=np.int64),
                with_values,
                blocklimit,
            )
            lo = hi

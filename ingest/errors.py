def shortened(text, limit=60):
    """`text`, cut to `limit` characters with "..." when longer: a value quoted in a message."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def described(record_id):
    """A record's id as a message quotes it: a number as it is, anything else as Python writes it (a NUL, say,
    escaped: a message is saved in the database, whose text cannot hold one), cut short."""
    is_number = isinstance(record_id, int) and not isinstance(record_id, bool)
    return shortened(str(record_id) if is_number else repr(record_id))


class IngestError(Exception):
    """Input that cannot be imported; `field` is a path such as `vid_urls[0].type.id`."""

    def __init__(self, message, *, field=None, source=None, record=None, record_id=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.source = source
        self.record = record
        self.record_id = record_id

    def located(self, *, source=None, record=None, record_id=None):
        """The same error, with where it happened filled in by the caller that knows."""
        return IngestError(
            self.message,
            field=self.field,
            source=source or self.source,
            record=record or self.record,
            record_id=record_id if record_id is not None else self.record_id,
        )

    def __str__(self):
        where = []
        if self.source:
            where.append(str(self.source))
        if self.record is not None:
            record = f"record {self.record}"
            if self.record_id is not None:
                record += f" (id {described(self.record_id)})"
            where.append(record)
        if self.field:
            where.append(f"field '{self.field}'")
        return ": ".join([*where, self.message])

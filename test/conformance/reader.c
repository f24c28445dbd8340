/*-------------------------------------------------------------------------
 *
 * reader.c
 *	  The MCAP conformance reader: prints the records of a file as the
 *	  conformance suite's JSON (see test/conformance/data/README.md).
 *
 *	  reader streamed FILE   every record in file order, chunks expanded,
 *	                         message indexes left out
 *	  reader indexed FILE    schemas, channels, messages (log-time order)
 *	                         and statistics, read through the summary
 *
 * Exits 1 when the file could not be read exactly to its end without a
 * problem, 2 on a usage error.
 *
 *-------------------------------------------------------------------------
 */
#include "../../src/mcap/mcap_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------------
 * Printing one record as {"type": ..., "fields": [[name, value], ...]}
 * ----------------------------------------------------------------
 */
typedef struct Printer
{
	McapBuffer *out;
	bool		first_field;
} Printer;

static void
begin_record(Printer *p, const char *type)
{
	mcap_json_raw(p->out, "{\"type\": ");
	mcap_json_cstring(p->out, type);
	mcap_json_raw(p->out, ", \"fields\": [");
	p->first_field = true;
}

static void
end_record(Printer *p)
{
	mcap_json_raw(p->out, "]}");
}

static void
begin_field(Printer *p, const char *name)
{
	if (!p->first_field)
		mcap_json_raw(p->out, ", ");
	p->first_field = false;
	mcap_json_raw(p->out, "[");
	mcap_json_cstring(p->out, name);
	mcap_json_raw(p->out, ", ");
}

static void
field_u64(Printer *p, const char *name, uint64_t v)
{
	begin_field(p, name);
	mcap_json_u64_string(p->out, v);
	mcap_json_raw(p->out, "]");
}

static void
field_string(Printer *p, const char *name, McapString s)
{
	begin_field(p, name);
	mcap_json_string(p->out, s.data, s.len);
	mcap_json_raw(p->out, "]");
}

static void
field_bytes(Printer *p, const char *name, McapBytes b)
{
	begin_field(p, name);
	mcap_json_raw(p->out, "[");
	for (uint64_t i = 0; i < b.len; i++)
	{
		if (i > 0)
			mcap_json_raw(p->out, ", ");
		mcap_json_u64_string(p->out, b.data[i]);
	}
	mcap_json_raw(p->out, "]]");
}

static void
field_string_map(Printer *p, const char *name, McapStringMap map)
{
	uint64_t	pos = 0;
	McapString	k;
	McapString	v;
	bool		first = true;

	begin_field(p, name);
	mcap_json_raw(p->out, "{");
	while (mcap_string_map_next(map, &pos, &k, &v, NULL) == 1)
	{
		if (!first)
			mcap_json_raw(p->out, ", ");
		first = false;
		mcap_json_string(p->out, k.data, k.len);
		mcap_json_raw(p->out, ": ");
		mcap_json_string(p->out, v.data, v.len);
	}
	mcap_json_raw(p->out, "}]");
}

/* A map<uint16, uint64> stored as 10-byte pairs. */
static void
field_id_map(Printer *p, const char *name, McapBytes pairs)
{
	begin_field(p, name);
	mcap_json_raw(p->out, "{");
	for (uint64_t i = 0; i + 10 <= pairs.len; i += 10)
	{
		if (i > 0)
			mcap_json_raw(p->out, ", ");
		mcap_json_u64_string(p->out, mcap_load_u16(pairs.data + i));
		mcap_json_raw(p->out, ": ");
		mcap_json_u64_string(p->out, mcap_load_u64(pairs.data + i + 2));
	}
	mcap_json_raw(p->out, "}]");
}

/* Fields are printed in name order, as the suite wants. */
static void
print_header(Printer *p, const McapHeader *r)
{
	field_string(p, "library", r->library);
	field_string(p, "profile", r->profile);
}

static void
print_footer(Printer *p, const McapFooter *r)
{
	field_u64(p, "summary_crc", r->summary_crc);
	field_u64(p, "summary_offset_start", r->summary_offset_start);
	field_u64(p, "summary_start", r->summary_start);
}

static void
print_schema(Printer *p, const McapSchema *r)
{
	field_bytes(p, "data", r->data);
	field_string(p, "encoding", r->encoding);
	field_u64(p, "id", r->id);
	field_string(p, "name", r->name);
}

static void
print_channel(Printer *p, const McapChannel *r)
{
	field_u64(p, "id", r->id);
	field_string(p, "message_encoding", r->message_encoding);
	field_string_map(p, "metadata", r->metadata);
	field_u64(p, "schema_id", r->schema_id);
	field_string(p, "topic", r->topic);
}

static void
print_message(Printer *p, const McapMessage *r)
{
	field_u64(p, "channel_id", r->channel_id);
	field_bytes(p, "data", r->data);
	field_u64(p, "log_time", r->log_time);
	field_u64(p, "publish_time", r->publish_time);
	field_u64(p, "sequence", r->sequence);
}

static void
print_chunk(Printer *p, const McapChunk *r)
{
	field_string(p, "compression", r->compression);
	field_u64(p, "message_end_time", r->message_end_time);
	field_u64(p, "message_start_time", r->message_start_time);
	field_bytes(p, "records", r->records);
	field_u64(p, "uncompressed_crc", r->uncompressed_crc);
	field_u64(p, "uncompressed_size", r->uncompressed_size);
}

static void
print_message_index(Printer *p, const McapMessageIndex *r)
{
	field_u64(p, "channel_id", r->channel_id);
	begin_field(p, "records");
	mcap_json_raw(p->out, "[");
	for (uint64_t i = 0; i + 16 <= r->records.len; i += 16)
	{
		if (i > 0)
			mcap_json_raw(p->out, ", ");
		mcap_json_raw(p->out, "[");
		mcap_json_u64_string(p->out, mcap_load_u64(r->records.data + i));
		mcap_json_raw(p->out, ", ");
		mcap_json_u64_string(p->out, mcap_load_u64(r->records.data + i + 8));
		mcap_json_raw(p->out, "]");
	}
	mcap_json_raw(p->out, "]]");
}

static void
print_chunk_index(Printer *p, const McapChunkIndex *r)
{
	field_u64(p, "chunk_length", r->chunk_length);
	field_u64(p, "chunk_start_offset", r->chunk_start_offset);
	field_u64(p, "compressed_size", r->compressed_size);
	field_string(p, "compression", r->compression);
	field_u64(p, "message_end_time", r->message_end_time);
	field_u64(p, "message_index_length", r->message_index_length);
	field_id_map(p, "message_index_offsets", r->message_index_offsets);
	field_u64(p, "message_start_time", r->message_start_time);
	field_u64(p, "uncompressed_size", r->uncompressed_size);
}

/* The suite's Attachment has no crc field. */
static void
print_attachment(Printer *p, const McapAttachment *r)
{
	field_u64(p, "create_time", r->create_time);
	field_bytes(p, "data", r->data);
	field_u64(p, "log_time", r->log_time);
	field_string(p, "media_type", r->media_type);
	field_string(p, "name", r->name);
}

static void
print_attachment_index(Printer *p, const McapAttachmentIndex *r)
{
	field_u64(p, "create_time", r->create_time);
	field_u64(p, "data_size", r->data_size);
	field_u64(p, "length", r->length);
	field_u64(p, "log_time", r->log_time);
	field_string(p, "media_type", r->media_type);
	field_string(p, "name", r->name);
	field_u64(p, "offset", r->offset);
}

static void
print_statistics(Printer *p, const McapStatistics *r)
{
	field_u64(p, "attachment_count", r->attachment_count);
	field_u64(p, "channel_count", r->channel_count);
	field_id_map(p, "channel_message_counts", r->channel_message_counts);
	field_u64(p, "chunk_count", r->chunk_count);
	field_u64(p, "message_count", r->message_count);
	field_u64(p, "message_end_time", r->message_end_time);
	field_u64(p, "message_start_time", r->message_start_time);
	field_u64(p, "metadata_count", r->metadata_count);
	field_u64(p, "schema_count", r->schema_count);
}

static void
print_metadata(Printer *p, const McapMetadata *r)
{
	field_string_map(p, "metadata", r->metadata);
	field_string(p, "name", r->name);
}

static void
print_metadata_index(Printer *p, const McapMetadataIndex *r)
{
	field_u64(p, "length", r->length);
	field_string(p, "name", r->name);
	field_u64(p, "offset", r->offset);
}

static void
print_summary_offset(Printer *p, const McapSummaryOffset *r)
{
	field_u64(p, "group_length", r->group_length);
	field_u64(p, "group_opcode", r->group_opcode);
	field_u64(p, "group_start", r->group_start);
}

static void
print_fields(Printer *p, const McapRecord *rec)
{
	switch (rec->opcode)
	{
		case MCAP_OP_HEADER:
			print_header(p, &rec->u.header);
			break;
		case MCAP_OP_FOOTER:
			print_footer(p, &rec->u.footer);
			break;
		case MCAP_OP_SCHEMA:
			print_schema(p, &rec->u.schema);
			break;
		case MCAP_OP_CHANNEL:
			print_channel(p, &rec->u.channel);
			break;
		case MCAP_OP_MESSAGE:
			print_message(p, &rec->u.message);
			break;
		case MCAP_OP_CHUNK:
			print_chunk(p, &rec->u.chunk);
			break;
		case MCAP_OP_MESSAGE_INDEX:
			print_message_index(p, &rec->u.message_index);
			break;
		case MCAP_OP_CHUNK_INDEX:
			print_chunk_index(p, &rec->u.chunk_index);
			break;
		case MCAP_OP_ATTACHMENT:
			print_attachment(p, &rec->u.attachment);
			break;
		case MCAP_OP_ATTACHMENT_INDEX:
			print_attachment_index(p, &rec->u.attachment_index);
			break;
		case MCAP_OP_STATISTICS:
			print_statistics(p, &rec->u.statistics);
			break;
		case MCAP_OP_METADATA:
			print_metadata(p, &rec->u.metadata);
			break;
		case MCAP_OP_METADATA_INDEX:
			print_metadata_index(p, &rec->u.metadata_index);
			break;
		case MCAP_OP_SUMMARY_OFFSET:
			print_summary_offset(p, &rec->u.summary_offset);
			break;
		case MCAP_OP_DATA_END:
			field_u64(p, "data_section_crc", rec->u.data_end.data_section_crc);
			break;
	}
}

static void
print_record(McapBuffer *out, const McapRecord *rec)
{
	Printer		p = {out, true};

	begin_record(&p, mcap_opcode_name(rec->opcode));
	print_fields(&p, rec);
	end_record(&p);
}

/* Print a record built from one parsed struct (indexed mode). */
static void
print_as_record(McapBuffer *out, uint8_t opcode, const void *fields,
				size_t size, bool *first)
{
	McapRecord	rec;

	memset(&rec, 0, sizeof(rec));
	rec.opcode = opcode;
	memcpy(&rec.u, fields, size);
	if (!*first)
		mcap_json_raw(out, ",\n");
	*first = false;
	print_record(out, &rec);
}

/* ----------------------------------------------------------------
 * The two modes
 * ----------------------------------------------------------------
 */
static bool
read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	McapBuffer	buf;
	uint8_t		block[65536];
	size_t		n;

	if (f == NULL)
		return false;
	mcap_buffer_init(&buf);
	while ((n = fread(block, 1, sizeof(block), f)) > 0)
		mcap_buffer_append(&buf, block, n);
	fclose(f);
	if (buf.failed)
		return false;
	*data = buf.data;
	*len = buf.len;
	return true;
}

/* Report what the reader found wrong; true if it found nothing. */
static bool
report_recovery(const McapRecovery *rec)
{
	char		text[2048];

	if (rec->complete && !rec->trailing_data && rec->problem_count == 0)
		return true;
	mcap_recovery_describe(rec, text, sizeof(text));
	fprintf(stderr, "reader: %s\n", text);
	return false;
}

static bool
run_streamed(const uint8_t *data, size_t len, McapBuffer *out)
{
	McapReaderOptions opts;
	McapReader *reader;
	McapRecord	rec;
	McapError	err;
	bool		first = true;
	int			res;

	mcap_reader_options_init(&opts);
	opts.skip_message_indexes = true;
	reader = mcap_reader_open_memory(data, len, &opts, &err);
	if (reader == NULL)
	{
		fprintf(stderr, "reader: %s\n", err.message);
		return false;
	}
	mcap_json_raw(out, "{\"records\": [\n");
	while ((res = mcap_reader_next(reader, &rec, &err)) == 1)
	{
		if (!first)
			mcap_json_raw(out, ",\n");
		first = false;
		print_record(out, &rec);
	}
	mcap_json_raw(out, "\n]}\n");
	if (res < 0)
		fprintf(stderr, "reader: %s\n", err.message);
	res = res == 0 && report_recovery(mcap_reader_recovery(reader));
	mcap_reader_close(reader);
	return res;
}

static void
print_summary_tables(const McapSummary *s, McapBuffer *out)
{
	bool		first = true;

	mcap_json_raw(out, "{\"schemas\": [\n");
	for (size_t i = 0; i < s->schema_count; i++)
		print_as_record(out, MCAP_OP_SCHEMA, &s->schemas[i],
						sizeof(McapSchema), &first);
	mcap_json_raw(out, "],\n\"channels\": [\n");
	first = true;
	for (size_t i = 0; i < s->channel_count; i++)
		print_as_record(out, MCAP_OP_CHANNEL, &s->channels[i],
						sizeof(McapChannel), &first);
	mcap_json_raw(out, "],\n\"statistics\": [\n");
	first = true;
	if (s->has_statistics)
		print_as_record(out, MCAP_OP_STATISTICS, &s->statistics,
						sizeof(McapStatistics), &first);
	mcap_json_raw(out, "],\n");
}

static bool
print_messages(const uint8_t *data, size_t len, const McapSummary *s,
			   McapBuffer *out)
{
	McapMessageIter *it;
	McapMessage msg;
	McapError	err;
	bool		first = true;
	int			res;

	it = mcap_messages_open(data, len, s, NULL, 0, 0, UINT64_MAX, NULL, &err);
	if (it == NULL)
	{
		fprintf(stderr, "reader: %s\n", err.message);
		return false;
	}
	mcap_json_raw(out, "\"messages\": [\n");
	while ((res = mcap_messages_next(it, &msg, &err)) == 1)
		print_as_record(out, MCAP_OP_MESSAGE, &msg, sizeof(msg), &first);
	mcap_json_raw(out, "\n]}\n");
	if (res < 0)
		fprintf(stderr, "reader: %s\n", err.message);
	res = res == 0 && mcap_messages_recovery(it)->problem_count == 0;
	mcap_messages_close(it);
	return res;
}

static bool
run_indexed(const uint8_t *data, size_t len, McapBuffer *out)
{
	McapSummary *s;
	McapError	err;
	bool		ok;

	s = mcap_summary_read(data, len, NULL, &err);
	if (s == NULL)
	{
		fprintf(stderr, "reader: %s\n", err.message);
		return false;
	}
	if (!s->from_summary)
		fprintf(stderr, "reader: no usable summary: %s\n",
				s->summary_error.message);
	print_summary_tables(s, out);
	ok = print_messages(data, len, s, out) && s->from_summary;
	mcap_summary_free(s);
	return ok;
}

int
main(int argc, char **argv)
{
	uint8_t    *data = NULL;
	size_t		len = 0;
	McapBuffer	out;
	bool		ok;

	if (argc != 3 || (strcmp(argv[1], "streamed") != 0 &&
					  strcmp(argv[1], "indexed") != 0))
	{
		fprintf(stderr, "usage: reader streamed|indexed FILE\n");
		return 2;
	}
	if (!read_file(argv[2], &data, &len))
	{
		fprintf(stderr, "reader: cannot read %s\n", argv[2]);
		return 1;
	}
	mcap_buffer_init(&out);
	if (strcmp(argv[1], "streamed") == 0)
		ok = run_streamed(data, len, &out);
	else
		ok = run_indexed(data, len, &out);
	ok = ok && !out.failed;
	if (!out.failed)
		fwrite(out.data, 1, out.len, stdout);
	mcap_buffer_free(&out);
	free(data);
	return ok ? 0 : 1;
}

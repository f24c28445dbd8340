/*-------------------------------------------------------------------------
 *
 * writer_summary.c
 *	  Finishing an MCAP file: the DataEnd record, the summary section
 *	  (Schema, Channel, Statistics, ChunkIndex, AttachmentIndex and
 *	  MetadataIndex groups, then one SummaryOffset per group), the footer
 *	  and the closing magic.
 *
 *-------------------------------------------------------------------------
 */
#include "writer_int.h"

static void
encode_statistics(const McapWriter *w, McapBuffer *buf)
{
	size_t		start = mcap_record_start(buf, MCAP_OP_STATISTICS);
	uint32_t	with_messages = 0;

	for (size_t i = 0; i < w->chan_count; i++)
		if (w->chans[i].message_count > 0)
			with_messages++;

	mcap_buffer_append_u64(buf, w->message_count);
	mcap_buffer_append_u16(buf, (uint16_t) w->schema_count);
	mcap_buffer_append_u32(buf, (uint32_t) w->chan_count);
	mcap_buffer_append_u32(buf, w->attachment_count);
	mcap_buffer_append_u32(buf, w->metadata_count);
	mcap_buffer_append_u32(buf, w->chunk_count);
	mcap_buffer_append_u64(buf, w->message_start_time);
	mcap_buffer_append_u64(buf, w->message_end_time);
	mcap_buffer_append_u32(buf, with_messages * (2 + 8));
	for (size_t i = 0; i < w->chan_count; i++)
	{
		if (w->chans[i].message_count == 0)
			continue;
		mcap_buffer_append_u16(buf, w->chans[i].id);
		mcap_buffer_append_u64(buf, w->chans[i].message_count);
	}
	mcap_record_end(buf, start);
}

/* Write one summary group, and its SummaryOffset into offsets. */
static McapStatus
write_group(McapWriter *w, McapOpcode opcode, const McapBuffer *records,
			McapBuffer *offsets, McapError *err)
{
	uint64_t	start = w->offset;
	McapStatus	rc;

	if (records->len == 0 && !records->failed)
		return MCAP_OK;
	if ((rc = mcap_writer_emit_buffer(w, records, err)) != MCAP_OK)
		return rc;
	mcap_encode_summary_offset(offsets, opcode, start, w->offset - start);
	return MCAP_OK;
}

static McapStatus
write_data_end(McapWriter *w, McapError *err)
{
	mcap_buffer_reset(&w->record);
	mcap_record_prefix(&w->record, MCAP_OP_DATA_END, 4);
	mcap_buffer_append_u32(&w->record, w->crcs ? w->crc : 0);
	return mcap_writer_emit_buffer(w, &w->record, err);
}

/* Summary groups, then their SummaryOffsets; returns where those start. */
static McapStatus
write_summary(McapWriter *w, McapBuffer *offsets, uint64_t *offsets_start,
			  McapError *err)
{
	McapStatus	rc;

	mcap_buffer_reset(&w->record);
	encode_statistics(w, &w->record);
	if ((rc = write_group(w, MCAP_OP_SCHEMA, &w->schemas, offsets,
						  err)) != MCAP_OK ||
		(rc = write_group(w, MCAP_OP_CHANNEL, &w->channels, offsets,
						  err)) != MCAP_OK ||
		(rc = write_group(w, MCAP_OP_STATISTICS, &w->record, offsets,
						  err)) != MCAP_OK ||
		(rc = write_group(w, MCAP_OP_CHUNK_INDEX, &w->chunk_indexes, offsets,
						  err)) != MCAP_OK ||
		(rc = write_group(w, MCAP_OP_ATTACHMENT_INDEX, &w->attachment_indexes,
						  offsets, err)) != MCAP_OK ||
		(rc = write_group(w, MCAP_OP_METADATA_INDEX, &w->metadata_indexes,
						  offsets, err)) != MCAP_OK)
		return rc;
	*offsets_start = w->offset;
	return mcap_writer_emit_buffer(w, offsets, err);
}

/* The footer's CRC covers the summary and the footer up to the CRC. */
static McapStatus
write_footer(McapWriter *w, uint64_t summary_start, uint64_t offsets_start,
			 McapError *err)
{
	McapStatus	rc;

	mcap_buffer_reset(&w->record);
	mcap_record_prefix(&w->record, MCAP_OP_FOOTER, 8 + 8 + 4);
	mcap_buffer_append_u64(&w->record, summary_start);
	mcap_buffer_append_u64(&w->record, offsets_start);
	if (w->record.failed)
		return mcap_writer_nomem(w, err, "building the Footer");
	mcap_buffer_append_u32(&w->record,
						   w->crcs ? mcap_crc32_update(w->crc, w->record.data,
													   w->record.len) : 0);
	if ((rc = mcap_writer_emit_buffer(w, &w->record, err)) != MCAP_OK)
		return rc;
	return mcap_writer_emit(w, MCAP_MAGIC, MCAP_MAGIC_SIZE, err);
}

McapStatus
mcap_writer_finish(McapWriter *w, McapError *err)
{
	McapBuffer	offsets;
	uint64_t	summary_start;
	uint64_t	offsets_start = 0;
	McapStatus	rc;

	if ((rc = mcap_writer_check_usable(w, w, "finish", err)) != MCAP_OK)
		return rc;
	if ((rc = mcap_writer_close_chunk(w, err)) != MCAP_OK ||
		(rc = write_data_end(w, err)) != MCAP_OK)
		return rc;

	summary_start = w->offset;
	w->crc = 0;
	mcap_buffer_init(&offsets);
	rc = write_summary(w, &offsets, &offsets_start, err);
	mcap_buffer_free(&offsets);
	if (rc == MCAP_OK)
		rc = write_footer(w, summary_start, offsets_start, err);
	if (rc == MCAP_OK)
		w->finished = true;
	return rc;
}

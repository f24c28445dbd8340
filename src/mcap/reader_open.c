/*-------------------------------------------------------------------------
 *
 * reader_open.c
 *	  Opening a streaming reader over memory or over a byte source, with
 *	  its options, and reading the opening magic; closing it.
 *
 *-------------------------------------------------------------------------
 */
#include "reader_int.h"

#include <stdlib.h>
#include <string.h>

void
mcap_reader_options_init(McapReaderOptions *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->max_chunk_bytes = MCAP_DEFAULT_MAX_CHUNK_BYTES;
	opts->max_record_bytes = MCAP_DEFAULT_MAX_RECORD_BYTES;
	opts->expand_chunks = true;
}

McapReader *
mcap_reader_new(const McapReaderOptions *opts, McapError *err)
{
	McapReader *r = calloc(1, sizeof(McapReader));

	if (r == NULL)
	{
		mcap_error_set(err, MCAP_ERR_NOMEM, 0, "cannot allocate a reader");
		return NULL;
	}
	if (opts != NULL)
		r->opts = *opts;
	else
		mcap_reader_options_init(&r->opts);
	if (r->opts.max_chunk_bytes == 0)
		r->opts.max_chunk_bytes = MCAP_DEFAULT_MAX_CHUNK_BYTES;
	if (r->opts.max_record_bytes == 0)
		r->opts.max_record_bytes = MCAP_DEFAULT_MAX_RECORD_BYTES;
	r->state = STATE_RECORDS;
	return r;
}

void
mcap_reader_close(McapReader *reader)
{
	if (reader == NULL)
		return;
	free(reader->buf);
	mcap_chunk_buffer_free(&reader->chunk_buf);
	mcap_decompressor_free(reader->dec);
	free(reader);
}

/*
 * Read the opening magic.  false (err set) if the stream is not MCAP or
 * cannot be read; a stream cut inside the magic opens, and ends at once.
 */
static bool
read_opening_magic(McapReader *r, McapError *err)
{
	const uint8_t *p;
	uint64_t	avail;
	int			res = mcap_reader_fetch(r, 0, MCAP_MAGIC_SIZE, &p, &avail, err);

	if (res < 0)
		return false;
	if (memcmp(p, MCAP_MAGIC, res ? MCAP_MAGIC_SIZE : (size_t) avail) != 0)
	{
		mcap_error_set(err, MCAP_ERR_BAD_MAGIC, 0,
					   "not an MCAP stream: the opening magic is missing");
		return false;
	}
	if (res == 0)
	{
		McapError	e;

		mcap_error_set(&e, MCAP_ERR_TRUNCATED, 0,
					   "the stream ends inside the opening magic");
		add_problem(r, &e);
		r->recovery.truncated = true;
		mcap_reader_finish(r, NULL);
		return true;
	}
	r->pos = MCAP_MAGIC_SIZE;
	r->recovery.valid_end = MCAP_MAGIC_SIZE;
	r->data_crc_active = !r->opts.skip_crc_checks;
	if (r->data_crc_active)
		r->data_crc = mcap_crc32(p, MCAP_MAGIC_SIZE);
	return true;
}

bool
mcap_reader_attach_decompressor(McapReader *r, McapError *err)
{
	r->dec = mcap_decompressor_new();
	if (r->dec != NULL)
		return true;
	mcap_error_set(err, MCAP_ERR_NOMEM, 0, "cannot allocate a decompressor");
	return false;
}

static McapReader *
finish_open(McapReader *r, McapError *err)
{
	if (!mcap_reader_attach_decompressor(r, err) ||
		!read_opening_magic(r, err))
	{
		mcap_reader_close(r);
		return NULL;
	}
	return r;
}

McapReader *
mcap_reader_open_memory(const uint8_t *data, size_t len,
						const McapReaderOptions *opts, McapError *err)
{
	McapReader *r;

	if (data == NULL && len > 0)
	{
		mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0, "data is NULL");
		return NULL;
	}
	r = mcap_reader_new(opts, err);
	if (r == NULL)
		return NULL;
	r->mem = data != NULL ? data : mcap_reader_empty_input;
	r->mem_len = len;
	r->recovery.bytes_read = len;
	return finish_open(r, err);
}

McapReader *
mcap_reader_open_source(McapReadFn read, void *ctx,
						const McapReaderOptions *opts, McapError *err)
{
	McapReader *r;

	if (read == NULL)
	{
		mcap_error_set(err, MCAP_ERR_INVALID_ARGUMENT, 0,
					   "read function is NULL");
		return NULL;
	}
	r = mcap_reader_new(opts, err);
	if (r == NULL)
		return NULL;
	r->read_fn = read;
	r->read_ctx = ctx;
	return finish_open(r, err);
}

/*-------------------------------------------------------------------------
 *
 * rewrite.c
 *	  Copies an MCAP file record by record: read with hdaq's streaming
 *	  reader, written with hdaq's writer.  run.sh then checks with the
 *	  official reader that the copy holds the same content as the original.
 *
 * Usage: rewrite IN.mcap OUT.mcap [COMPRESSION [CHUNK_SIZE]]
 *
 *-------------------------------------------------------------------------
 */
#include "mcap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
file_write(void *ctx, const uint8_t *data, size_t len)
{
	return fwrite(data, 1, len, (FILE *) ctx) == len;
}

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *data = NULL;
	long		size = 0;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
		fseek(f, 0, SEEK_SET) != 0 ||
		(data = malloc((size_t) size + 1)) == NULL ||
		fread(data, 1, (size_t) size, f) != (size_t) size)
	{
		perror(path);
		free(data);
		data = NULL;
	}
	*len = (size_t) size;
	if (f != NULL)
		fclose(f);
	return data;
}

/* Ids already written: schemas and channels appear again in the summary. */
typedef struct Seen
{
	uint8_t		schemas[65536 / 8];
	uint8_t		channels[65536 / 8];
} Seen;

static bool
first_time(uint8_t *set, uint16_t id)
{
	bool		seen = (set[id / 8] >> (id % 8)) & 1;

	set[id / 8] |= (uint8_t) (1 << (id % 8));
	return !seen;
}

/* Write one record read from the original; other records are dropped. */
static McapStatus
copy_record(McapWriter *w, const McapRecord *rec, Seen *seen, McapError *err)
{
	switch (rec->opcode)
	{
		case MCAP_OP_SCHEMA:
			if (!first_time(seen->schemas, rec->u.schema.id))
				return MCAP_OK;
			return mcap_writer_add_schema(w, &rec->u.schema, err);
		case MCAP_OP_CHANNEL:
			if (!first_time(seen->channels, rec->u.channel.id))
				return MCAP_OK;
			return mcap_writer_add_channel(w, &rec->u.channel, err);
		case MCAP_OP_MESSAGE:
			return mcap_writer_add_message(w, &rec->u.message, err);
		case MCAP_OP_METADATA:
			return mcap_writer_add_metadata(w, &rec->u.metadata, err);
		case MCAP_OP_ATTACHMENT:
			return mcap_writer_add_attachment(w, &rec->u.attachment, err);
		default:
			return MCAP_OK;
	}
}

static bool
rewrite(const uint8_t *data, size_t len, FILE *out,
		const McapWriterOptions *wopts, McapError *err)
{
	McapReaderOptions ropts;
	McapReader *r;
	McapWriter *w;
	McapRecord	rec;
	Seen	   *seen = calloc(1, sizeof(Seen));
	McapStatus	rc = MCAP_OK;
	int			more = 0;

	mcap_reader_options_init(&ropts);
	ropts.skip_message_indexes = true;
	r = mcap_reader_open_memory(data, len, &ropts, err);
	w = r ? mcap_writer_open(file_write, out, wopts, err) : NULL;
	while (w != NULL && seen != NULL && rc == MCAP_OK &&
		   (more = mcap_reader_next(r, &rec, err)) == 1)
		rc = copy_record(w, &rec, seen, err);
	if (w != NULL && rc == MCAP_OK && more == 0)
		rc = mcap_writer_finish(w, err);
	mcap_writer_close(w);
	mcap_reader_close(r);
	free(seen);
	return w != NULL && rc == MCAP_OK && more == 0;
}

int
main(int argc, char **argv)
{
	McapWriterOptions opts;
	McapError	err = {0};
	uint8_t    *data;
	size_t		len;
	FILE	   *out;
	bool		ok;

	if (argc < 3 || argc > 5)
	{
		fprintf(stderr, "usage: %s IN.mcap OUT.mcap [COMPRESSION [CHUNK_SIZE]]\n",
				argv[0]);
		return 2;
	}
	mcap_writer_options_init(&opts);
	if (argc > 3)
		opts.compression = argv[3];
	if (argc > 4)
		opts.chunk_size = strtoull(argv[4], NULL, 10);
	if ((data = read_file(argv[1], &len)) == NULL)
		return 1;
	if ((out = fopen(argv[2], "wb")) == NULL)
	{
		perror(argv[2]);
		free(data);
		return 1;
	}
	ok = rewrite(data, len, out, &opts, &err);
	ok = fclose(out) == 0 && ok;
	if (!ok)
		fprintf(stderr, "%s: %s (offset %llu)\n", argv[1], err.message,
				(unsigned long long) err.offset);
	free(data);
	return ok ? 0 : 1;
}

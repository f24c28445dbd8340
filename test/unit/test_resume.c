/*-------------------------------------------------------------------------
 *
 * test_resume.c
 *	  Unit tests of reading a stream in pieces: SHA-256 with a saved state
 *	  (src/common/hd_sha256.c) and the reader's resume points
 *	  (src/mcap/reader_resume.c).
 *
 * A file read in pieces of many sizes, the reader resumed after each one
 * over the unread rest plus the next piece, must give the records a whole
 * read gives, in the same order, with the same offsets, and nothing twice;
 * its SHA-256, saved and loaded between pieces, must be the whole file's.
 *
 * Prints "ok N - name" or "not ok N - name" per test, then one line
 * "N passed, M failed"; exits non-zero if any test failed.
 *
 *-------------------------------------------------------------------------
 */
#include "hd_sha256.h"
#include "mcap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"


static void
hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < HD_SHA256_DIGEST_LENGTH; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

/* ---- SHA-256 ---------------------------------------------------------- */

static bool
sha256_known_digests(void)
{
	static const struct
	{
		const char *in;
		const char *digest;
	}			cases[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};
	uint8_t		d[HD_SHA256_DIGEST_LENGTH];
	char		h[2 * HD_SHA256_DIGEST_LENGTH + 1];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		HdSha256	ctx;

		hd_sha256_init(&ctx);
		hd_sha256_update(&ctx, cases[i].in, strlen(cases[i].in));
		hd_sha256_digest(&ctx, d);
		hex(d, h);
		CHECK(strcmp(h, cases[i].digest) == 0, "\"%s\": %s", cases[i].in, h);
	}
	return true;
}

/* A million 'a', hashed in uneven pieces with the state saved between. */
static bool
sha256_saved_state(void)
{
	HdSha256	ctx;
	uint8_t		state[HD_SHA256_STATE_SIZE];
	uint8_t		d[HD_SHA256_DIGEST_LENGTH];
	char		h[2 * HD_SHA256_DIGEST_LENGTH + 1];
	char	   *a = malloc(1000000);
	size_t		done = 0;
	unsigned	seed = 7;

	memset(a, 'a', 1000000);
	hd_sha256_init(&ctx);
	while (done < 1000000)
	{
		size_t		piece = (seed = seed * 1103515245 + 12345) % 997;

		if (piece > 1000000 - done)
			piece = 1000000 - done;
		hd_sha256_update(&ctx, a + done, piece);
		done += piece;
		hd_sha256_save(&ctx, state);
		memset(&ctx, 0xee, sizeof(ctx));
		CHECK(hd_sha256_load(&ctx, state, sizeof(state)), "load failed");
		if (done == 500000)
			hd_sha256_digest(&ctx, d);	/* must not disturb the state */
	}
	free(a);
	hd_sha256_digest(&ctx, d);
	hex(d, h);
	CHECK(strcmp(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0,
		  "digest %s", h);
	CHECK(!hd_sha256_load(&ctx, state, sizeof(state) - 1), "short state loaded");
	return true;
}

/* ---- a file to read ---------------------------------------------------- */

static bool
sink_write(void *ctx, const uint8_t *data, size_t len)
{
	mcap_buffer_append(ctx, data, len);
	return true;
}

/* Messages on two channels, in chunks of about chunk_size bytes. */
static bool
write_file(McapBuffer *out, uint64_t chunk_size, const char *compression)
{
	McapWriterOptions opts;
	McapWriter *w;
	McapError	err;
	McapSchema	s = {0};
	McapChannel c = {0};
	uint8_t		payload[40];

	mcap_buffer_init(out);
	mcap_writer_options_init(&opts);
	opts.chunk_size = chunk_size;
	opts.compression = compression;
	w = mcap_writer_open(sink_write, out, &opts, &err);
	if (w == NULL)
		return false;
	s.id = 1;
	s.name = (McapString) {"t", 1};
	s.encoding = (McapString) {"jsonschema", 10};
	s.data = (McapBytes) {(const uint8_t *) "{}", 2};
	mcap_writer_add_schema(w, &s, &err);
	for (uint16_t id = 1; id <= 2; id++)
	{
		c.id = id;
		c.schema_id = 1;
		c.topic = (McapString) {id == 1 ? "/a" : "/b", 2};
		c.message_encoding = (McapString) {"json", 4};
		mcap_writer_add_channel(w, &c, &err);
	}
	for (uint32_t i = 0; i < 3000; i++)
	{
		McapMessage m = {0};

		memset(payload, (int) (i % 251), sizeof(payload));
		m.channel_id = 1 + i % 2;
		m.sequence = i;
		m.log_time = 1000000000ULL + i * 1000ULL + (i % 7) * 3000;
		m.publish_time = m.log_time;
		m.data = (McapBytes) {payload, 1 + i % 40};
		if (mcap_writer_add_message(w, &m, &err) != MCAP_OK)
			return false;
	}
	if (mcap_writer_finish(w, &err) != MCAP_OK)
		return false;
	mcap_writer_close(w);
	return true;
}

/* One line per record returned: opcode, offset, and a message's bytes. */
static void
describe(const McapRecord *rec, McapBuffer *log)
{
	char		line[128];
	int			n = snprintf(line, sizeof(line), "%d@%llu/%llu",
							 rec->opcode, (unsigned long long) rec->offset,
							 (unsigned long long) rec->chunk_offset);

	mcap_buffer_append(log, line, (size_t) n);
	if (rec->opcode == MCAP_OP_MESSAGE)
		mcap_buffer_append(log, rec->u.message.data.data,
						   rec->u.message.data.len);
	mcap_buffer_append_u8(log, '\n');
}

/* Every record of the whole file; whether the reader saw it complete. */
static bool
read_whole(const McapBuffer *file, McapBuffer *log)
{
	McapReaderOptions opts;
	McapReader *r;
	McapRecord	rec;
	McapError	err;
	bool		complete;

	mcap_reader_options_init(&opts);
	r = mcap_reader_open_memory(file->data, file->len, &opts, &err);
	if (r == NULL)
		return false;
	while (mcap_reader_next(r, &rec, &err) > 0)
		describe(&rec, log);
	complete = mcap_reader_recovery(r)->complete &&
		mcap_reader_recovery(r)->problem_count == 0;
	mcap_reader_close(r);
	return complete;
}

/*
 * The file read in pieces of up to max_piece bytes: after each piece, a
 * reader over the bytes not consumed yet, resumed at the saved point.
 */
static bool
read_in_pieces(const McapBuffer *file, size_t max_piece, unsigned seed,
			   McapBuffer *log, bool *complete)
{
	McapReaderOptions opts;
	McapResumePoint at = {0};
	uint8_t		saved[MCAP_RESUME_POINT_SIZE];
	size_t		received = 0;

	mcap_reader_options_init(&opts);
	opts.stop_before_incomplete = true;
	*complete = false;
	while (received < file->len && !*complete)
	{
		McapReader *r;
		McapRecord	rec;
		McapError	err;
		size_t		piece = 1 + (seed = seed * 1103515245 + 12345) % max_piece;
		const McapRecovery *recovery;

		if (piece > file->len - received)
			piece = file->len - received;
		received += piece;
		if (at.offset == 0)
			r = mcap_reader_open_memory(file->data, received, &opts, &err);
		else
			r = mcap_reader_open_resumed(file->data + at.offset,
										 received - at.offset, &at, &opts,
										 &err);
		if (r == NULL)
			return false;
		while (mcap_reader_next(r, &rec, &err) > 0)
			describe(&rec, log);
		recovery = mcap_reader_recovery(r);
		*complete = recovery->complete;
		for (uint32_t i = 0; i < recovery->problem_count &&
			 i < MCAP_MAX_PROBLEMS; i++)
			if (recovery->problems[i].code != MCAP_ERR_TRUNCATED)
				return false;
		mcap_reader_resume_point(r, &at);
		mcap_reader_close(r);
		mcap_resume_point_encode(&at, saved);
		memset(&at, 0, sizeof(at));
		if (!mcap_resume_point_decode(saved, sizeof(saved), &at) &&
			received >= MCAP_MAGIC_SIZE)
			return false;
	}
	return true;
}

static bool
pieces_match_whole(uint64_t chunk_size, const char *compression,
				   size_t max_piece)
{
	McapBuffer	file;
	McapBuffer	whole;
	McapBuffer	pieces;
	bool		complete;

	CHECK(write_file(&file, chunk_size, compression), "cannot write the file");
	mcap_buffer_init(&whole);
	mcap_buffer_init(&pieces);
	CHECK(read_whole(&file, &whole), "the whole file does not read cleanly");
	for (unsigned seed = 1; seed <= 5; seed++)
	{
		mcap_buffer_reset(&pieces);
		CHECK(read_in_pieces(&file, max_piece, seed, &pieces, &complete),
			  "reading in pieces failed (seed %u)", seed);
		CHECK(complete, "the footer was not seen (seed %u)", seed);
		CHECK(pieces.len == whole.len &&
			  memcmp(pieces.data, whole.data, whole.len) == 0,
			  "records differ (seed %u): %zu bytes of log against %zu",
			  seed, pieces.len, whole.len);
	}
	mcap_buffer_free(&file);
	mcap_buffer_free(&whole);
	mcap_buffer_free(&pieces);
	return true;
}

static bool
resume_small_pieces(void)
{
	return pieces_match_whole(2048, "zstd", 300);
}

static bool
resume_large_pieces(void)
{
	return pieces_match_whole(4096, "lz4", 20000);
}

static bool
resume_uncompressed(void)
{
	return pieces_match_whole(1000, "", 64);
}

static bool
resume_point_rejects_garbage(void)
{
	uint8_t		bad[MCAP_RESUME_POINT_SIZE] = {0};
	McapResumePoint at;

	CHECK(!mcap_resume_point_decode(bad, sizeof(bad), &at), "offset 0 accepted");
	bad[0] = 100;
	bad[8] = 0x80;
	CHECK(!mcap_resume_point_decode(bad, sizeof(bad), &at), "unknown flag accepted");
	CHECK(!mcap_resume_point_decode(bad, 3, &at), "short point accepted");
	return true;
}

int
main(void)
{
	report("sha256_known_digests", sha256_known_digests());
	report("sha256_saved_state", sha256_saved_state());
	report("resume_small_pieces", resume_small_pieces());
	report("resume_large_pieces", resume_large_pieces());
	report("resume_uncompressed", resume_uncompressed());
	report("resume_point_rejects_garbage", resume_point_rejects_garbage());
	return unit_summary();
}

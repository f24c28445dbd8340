/*-------------------------------------------------------------------------
 *
 * fuzz_mat.c
 *	  libFuzzer target: the MAT builder (src/mat) over hostile messages.
 *
 * The input's first byte picks the format (v5, v7, v7.3), the layout
 * (leaf, topic) and the v7.3 batch size; the rest is split at newlines
 * into JSON messages of one topic.  JSON has no schema, so the messages
 * can disagree with each other in every way a builder must survive: a
 * field that is a number in one message and an object or text in the
 * next, arrays of changing lengths and depths, names that are not MATLAB
 * names or that collide once cleaned.  Each input is exported as a topic
 * would be (learn, prepare, fill, write) into a temporary file, which is
 * then removed.  For v5 and v7, when every message decodes, the same
 * messages are exported again in one pass (mb_topic_add), which must
 * write the same bytes (the header's dated text aside) unless it asks for
 * two passes.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_decode_common.h"

#include <unistd.h>

#include "../../src/mat/mattopic.h"

#define MAX_MESSAGES 64
#define MAX_TOPIC_BYTES (8 * 1024 * 1024)
#define MAT5_HEADER_TEXT 116	/* the header's text holds the date */

static HdDecoder *plain;
static char path[64];

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void) argc;
	(void) argv;
	plain = fuzz_compile("json", "", "", NULL, 0);
	snprintf(path, sizeof(path), "/tmp/fuzz_mat_%ld.mat", (long) getpid());
	return 0;
}

/* The messages of the input: pieces between newlines, at most MAX_MESSAGES. */
static int
split_messages(const uint8_t *data, size_t size, const uint8_t **msg, size_t *len)
{
	int			n = 0;
	size_t		start = 0;

	for (size_t i = 0; i <= size && n < MAX_MESSAGES; i++)
	{
		if (i == size || data[i] == '\n')
		{
			msg[n] = data + start;
			len[n] = i - start;
			n++;
			start = i + 1;
		}
	}
	return n;
}

/* A cancel callback that says stop at its (cancel_after + 1)-th question. */
static int	cancel_after;

static bool
cancel_countdown(void *arg)
{
	(void) arg;
	return cancel_after-- == 0;
}

/* Pass 1 over every message; false if none could be learned from. */
static bool
learn_all(MbTopic *t, const uint8_t **msg, const size_t *len, int n, bool *ok)
{
	HdError		err;

	for (int i = 0; i < n; i++)
		ok[i] = mb_topic_learn(t, plain, msg[i], len[i], &err) == HD_OK;
	return mb_topic_messages(t) > 0;
}

/* Prepare, fill with the messages pass 1 took, write; false on an error. */
static bool
build_topic(MbTopic *t, MbFile *f, size_t batch, const uint8_t **msg,
			const size_t *len, const bool *ok, int n)
{
	MbError		merr;
	HdError		err;

	if (!mb_topic_prepare(t, f, batch, &merr))
		return false;
	for (int i = 0; i < n; i++)
	{
		if (!ok[i])
			continue;
		/* the same bytes decoded the same way: pass 2 must accept them */
		if (mb_topic_fill(t, plain, 0.25 * i, msg[i], len[i], &err) != HD_OK)
			abort();
	}
	return mb_topic_write(t, &merr);
}

/* The output file's bytes, its header's text blanked (malloc'd). */
static uint8_t *
read_output(size_t *size)
{
	FILE	   *f = fopen(path, "rb");
	uint8_t    *b;
	long		n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < MAT5_HEADER_TEXT)
		abort();
	b = malloc(n);
	fseek(f, 0, SEEK_SET);
	if (b == NULL || fread(b, 1, n, f) != (size_t) n)
		abort();
	fclose(f);
	memset(b, ' ', MAT5_HEADER_TEXT);
	*size = (size_t) n;
	return b;
}

/* The messages in one pass: the same file as the two passes wrote. */
static void
check_one_pass(MbFormat format, MbLayout layout, const uint8_t **msg,
			   const size_t *len, int n)
{
	MbTopic    *t = mb_topic_new("topic", layout);
	size_t		two_size,
				one_size;
	uint8_t    *two = read_output(&two_size);
	uint8_t    *one;
	MbFile	   *f;
	MbError		merr;
	HdError		err;

	if (t == NULL)
		abort();
	mb_topic_set_budget(t, MAX_TOPIC_BYTES);
	for (int i = 0; i < n; i++)
		if (mb_topic_add(t, plain, 0.25 * i, msg[i], len[i], &err) != HD_OK)
			abort();			/* pass 1 took them all */
	if (mb_topic_needs_two_passes(t))
	{
		mb_topic_free(t);
		free(two);
		return;
	}
	f = mb_create(path, format, &merr);
	if (f == NULL || !mb_topic_prepare(t, f, 1, &merr) || !mb_topic_write(t, &merr) ||
		!mb_finish(f, &merr))
		abort();
	mb_topic_free(t);
	one = read_output(&one_size);
	if (one_size != two_size || memcmp(one, two, one_size) != 0)
		abort();
	free(one);
	free(two);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const MbFormat formats[] = {MB_FORMAT_V5, MB_FORMAT_V7, MB_FORMAT_V73};
	const uint8_t *msg[MAX_MESSAGES];
	size_t		len[MAX_MESSAGES];
	bool		ok[MAX_MESSAGES];
	MbTopic    *t;
	MbFile	   *f;
	MbError		merr;
	int			n;
	bool		built;
	bool		all_ok = true;
	MbFormat	format = formats[(data[0] >> 1) % 3];
	MbLayout	layout = (data[0] & 1) ? MB_LAYOUT_TOPIC : MB_LAYOUT_LEAF;

	if (size < 1)
		return 0;
	n = split_messages(data + 1, size - 1, msg, len);
	t = mb_topic_new("topic", layout);
	if (t == NULL)
		abort();
	if (!learn_all(t, msg, len, n, ok) || mb_topic_bytes(t) > MAX_TOPIC_BYTES)
	{
		mb_topic_free(t);
		return 0;
	}
	for (int i = 0; i < n; i++)
		all_ok &= ok[i];
	f = mb_create(path, format, &merr);
	if (f == NULL)
		abort();
	if (data[0] & 0x80)
	{
		/* a cancel while the variable is copied, compressed or finished */
		cancel_after = (data[0] >> 5) & 3;
		mb_set_cancel(f, cancel_countdown, NULL);
	}
	built = build_topic(t, f, 1 + (data[0] >> 3), msg, len, ok, n);
	mb_topic_free(t);
	if (built)
	{
		if (mb_finish(f, &merr))
		{
			if (all_ok && format != MB_FORMAT_V73)
				check_one_pass(format, layout, msg, len, n);
		}
		else if (!merr.canceled)
			abort();
	}
	else
		mb_discard(f);
	unlink(path);
	return 0;
}

/*-------------------------------------------------------------------------
 *
 * fuzz_decode_schema.c
 *	  libFuzzer target: the schemas themselves.
 *
 * Input: one byte choosing the schema encoding (protobuf, jsonschema,
 * ros2msg, ros2idl, ros1msg), one byte n, n bytes of schema name, then the
 * schema data.  A schema that compiles is then used on a few messages and
 * paths.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_decode_common.h"

static const char *const encodings[][2] = {
	{"protobuf", "protobuf"},
	{"json", "jsonschema"},
	{"cdr", "ros2msg"},
	{"cdr", "ros2idl"},
	{"ros1", "ros1msg"},
};

static const uint8_t messages[][12] = {
	{0},
	{0x00, 0x01, 0x00, 0x00, 0x05, 0, 0, 0, 'a', 'b', 'c', 'd'},
	{0x08, 0x96, 0x01, 0x12, 0x02, 0x08, 0x01, 0x1d, 0, 0, 0x80, 0x3f},
	{'{', '"', 'a', '"', ':', '[', '1', ',', '2', ']', '}', ' '},
};

static const char *const path_texts[] = {"a", "a.b", "a[0]", "x[\"k\"].y"};

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		name[256];
	const char *const *enc;
	HdDecoder  *d;
	HdError		err;
	size_t		n,
				i;

	if (size < 2)
		return 0;
	enc = encodings[data[0] % 5];
	n = data[1];
	if (size < 2 + n)
		return 0;
	memcpy(name, data + 2, n);
	name[n] = '\0';
	memset(&err, 0, sizeof(err));	/* a failure must write its own message */
	d = hd_decoder_compile(enc[0], enc[1], name, data + 2 + n, size - 2 - n, &err);
	if (d == NULL)
	{
		if (err.message[0] == '\0')
			abort();
		return 0;
	}
	if (hd_decoder_memory_size(d) == 0)
		abort();
	for (i = 0; i < sizeof(path_texts) / sizeof(path_texts[0]); i++)
	{
		HdPath	   *p = hd_path_compile(d, path_texts[i], &err);
		size_t		m;

		for (m = 0; m < sizeof(messages) / sizeof(messages[0]); m++)
			fuzz_run(d, (const HdPath *const *) &p, p ? 1 : 0, messages[m], sizeof(messages[m]));
		hd_path_free(p);
	}
	hd_decoder_free(d);
	return 0;
}

/*-------------------------------------------------------------------------
 *
 * fuzz_decode_json.c
 *	  libFuzzer target: JSON messages, without a schema and with a JSON
 *	  schema; also checks that the JSON text written for a valid message
 *	  decodes again to the same text.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_decode_common.h"

static const char schema[] =
"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"items\":{\"type\":\"number\"}},"
"\"b\":{\"type\":\"object\",\"properties\":{\"c\":{\"type\":\"integer\"}}}}}";

static HdDecoder *plain;
static HdDecoder *schemed;
static HdPath *paths[3];

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	HdError		err;

	(void) argc;
	(void) argv;
	plain = fuzz_compile("json", "", "", NULL, 0);
	schemed = fuzz_compile("json", "jsonschema", "T", (const uint8_t *) schema, strlen(schema));
	paths[0] = hd_path_compile(schemed, "a[1]", &err);
	paths[1] = hd_path_compile(schemed, "b.c", &err);
	paths[2] = hd_path_compile(plain, "x.y[0][\"z\"]", &err);
	if (!paths[0] || !paths[1] || !paths[2])
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static HdJsonBuffer first,
				second;
	HdError		err;

	fuzz_run(schemed, (const HdPath *const *) paths, 2, data, size);
	fuzz_run(plain, (const HdPath *const *) &paths[2], 1, data, size);

	/* what the writer writes is valid JSON that reads back the same */
	if (hd_decode_json(plain, data, size, &first, &err) == HD_OK)
	{
		if (hd_decode_json(plain, (const uint8_t *) first.data, first.len, &second, &err) != HD_OK ||
			second.len != first.len || memcmp(first.data, second.data, first.len) != 0)
			abort();
	}
	return 0;
}

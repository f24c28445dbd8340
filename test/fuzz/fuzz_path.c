/*-------------------------------------------------------------------------
 *
 * fuzz_path.c
 *	  libFuzzer target: the signal path parser.
 *
 * The first input byte picks a decoder (protobuf types of the real logs
 * and of the all-features schema, a ROS 2 IDL type, schemaless JSON); the
 * rest is a path text as a user types it into hdaq.signal.  A path that
 * compiles is then used on a few messages; one that does not must say why.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_decode_common.h"

typedef struct Target
{
	const char *enc;
	const char *senc;
	const char *file;			/* NULL: no schema */
	const char *name;
} Target;

static const Target targets[] = {
	{"protobuf", "protobuf", "hytech_msgs_McapInfo_FileDescriptorSet_2026-03.bin", "hytech_msgs.VehicleData"},
	{"protobuf", "protobuf", "hytech_msgs_McapInfo_FileDescriptorSet_2026-03.bin", "hytech_msgs.ACUAllData"},
	{"protobuf", "protobuf", "alltypes.fds", "hdaq.test.Everything"},
	{"protobuf", "protobuf", "alltypes.fds", "hdaq.test.Maps"},
	{"protobuf", "protobuf", "alltypes.fds", "hdaq.test.Tree"},
	{"cdr", "ros2idl", "sample.idl", "hdaq_test/msg/Sample"},
	{"json", "", NULL, "any"},
};
#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

static HdDecoder *decoders[NTARGETS];

static const uint8_t messages[][12] = {
	{0},
	{0x08, 0x96, 0x01, 0x12, 0x02, 0x08, 0x01, 0x1d, 0, 0, 0x80, 0x3f},
	{'{', '"', 'a', '"', ':', '[', '1', ',', '2', ']', '}', ' '},
};

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t		i;

	(void) argc;
	(void) argv;
	for (i = 0; i < NTARGETS; i++)
	{
		size_t		len = 0;
		uint8_t    *schema = NULL;
		HdError		err;

		if (targets[i].file)
			schema = fuzz_load(targets[i].file, &len);
		decoders[i] = hd_decoder_compile(targets[i].enc, targets[i].senc,
										 targets[i].name, schema, len, &err);
		free(schema);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		text[4096];
	const HdDecoder *d;
	HdPath	   *p;
	HdError		err;
	size_t		m;

	if (size < 1 || size - 1 >= sizeof(text))
		return 0;
	d = decoders[data[0] % NTARGETS];
	if (d == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	p = hd_path_compile(d, text, &err);
	if (p == NULL)
	{
		if (err.message[0] == '\0')
			abort();			/* every refusal says why */
		return 0;
	}
	for (m = 0; m < sizeof(messages) / sizeof(messages[0]); m++)
		fuzz_run(d, (const HdPath *const *) &p, 1, messages[m], sizeof(messages[m]));
	hd_path_free(p);
	return 0;
}

/*-------------------------------------------------------------------------
 *
 * fuzz_decode_protobuf.c
 *	  libFuzzer target: protobuf message bytes against fixed real schemas.
 *
 * The first input byte picks the message type (HyTech's, and the
 * all-features test schemas); the rest is the message.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_decode_common.h"

typedef struct Target
{
	const char *file;
	const char *name;
	const char *paths[3];
} Target;

static const Target targets[] = {
	{"alltypes.fds", "hdaq.test.Everything",
	{"scalars.f_float", "repeated.r_int32[2]", "maps.m_string_int32[\"a\"]"}},
	{"alltypes.fds", "hdaq.test.Maps", {"m_uint32_message[7].f_double", "m_bool_enum.true", NULL}},
	{"alltypes.fds", "hdaq.test.Tree", {"children[1].left.value", "value", NULL}},
	{"alltypes.fds", "hdaq.test.Repeated", {"r_sint64[0]", "r_message[1].f_enum", NULL}},
	{"alltypes2.fds", "hdaq.test2.Legacy", {"with_default", "child.child.level", NULL}},
	{"hytech_msgs_McapInfo_FileDescriptorSet_2026-03.bin", "hytech_msgs.VehicleData", {NULL}},
	{"hytech_msgs_McapInfo_FileDescriptorSet_2026-03.bin", "hytech_msgs.ACUAllData",
	{"cell_voltages[3]", NULL, NULL}},
	{"hytech_msgs_McapInfo_FileDescriptorSet_2026-03.bin", "hytech_msgs.McapInfo", {NULL}},
	{"hytech_proto_2024-03_FileDescriptorSet.bin", "bms_balancing_status", {NULL}},
	{"hytech_proto_2024-03_FileDescriptorSet.bin", "mcu_status", {NULL}},
};
#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

static HdDecoder *decoders[NTARGETS];
static HdPath *paths[NTARGETS][3];
static int	npaths[NTARGETS];

int			LLVMFuzzerInitialize(int *argc, char ***argv);
int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t		i,
				k;

	(void) argc;
	(void) argv;
	for (i = 0; i < NTARGETS; i++)
	{
		size_t		len;
		uint8_t    *schema = fuzz_load(targets[i].file, &len);

		decoders[i] = fuzz_compile("protobuf", "protobuf", targets[i].name, schema, len);
		free(schema);
		for (k = 0; k < 3 && targets[i].paths[k]; k++)
		{
			HdError		err;

			paths[i][k] = hd_path_compile(decoders[i], targets[i].paths[k], &err);
			if (paths[i][k] == NULL)
			{
				fprintf(stderr, "path %s: %s\n", targets[i].paths[k], err.message);
				abort();
			}
			npaths[i]++;
		}
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		t;

	if (size < 1)
		return 0;
	t = data[0] % NTARGETS;
	fuzz_run(decoders[t], (const HdPath *const *) paths[t], npaths[t], data + 1, size - 1);
	return 0;
}

/*-------------------------------------------------------------------------
 *
 * fuzz_decode_cdr.c
 *	  libFuzzer target: ROS messages (CDR and ROS 1) against fixed schemas.
 *
 * The first input byte picks the schema: real rosbag2 definitions
 * (ros2msg), the IDL test schema (ros2idl), and a ROS 1 definition; the
 * rest is the message.
 *
 *-------------------------------------------------------------------------
 */
#include "fuzz_decode_common.h"

static const char arrays_msg[] =
"bool[3] bool_values\nbyte[3] byte_values\nfloat32[3] float32_values\n"
"float64[] float64_values\nint64[<=3] int64_values\nstring[3] string_values\n"
"string<=5 bounded\nwstring w\nBasicTypes[] basic_types_values\nConstants[2] constants_values\n"
"int32 alignment_check\n"
"================================================================================\n"
"MSG: test_msgs/BasicTypes\nbool bool_value\nbyte byte_value\nchar char_value\n"
"float32 float32_value\nfloat64 float64_value\nint8 int8_value\nuint16 uint16_value\n"
"int64 int64_value\nuint64 uint64_value\n"
"================================================================================\n"
"MSG: test_msgs/Constants\nint32 X=1\n";

static const char service_msg[] = "int64 a\nint64 b\n---\nint64 sum\n";

static const char ros1_msg[] =
"Header header\ntime t\nduration d\nint8[] small\nfloat32[2] pair\nstring[] names\nPoint[] points\n"
"================================================================================\n"
"MSG: geometry_msgs/Point\nfloat64 x\nfloat64 y\nfloat64 z\n";

typedef struct Target
{
	const char *enc;
	const char *senc;
	const char *name;
	const char *text;			/* NULL: sample.idl */
	const char *path;
} Target;

static const Target targets[] = {
	{"cdr", "ros2msg", "test_msgs/msg/Arrays", arrays_msg, "basic_types_values[1].float64_value"},
	{"cdr", "ros2msg", "example_interfaces/srv/AddTwoInts_Event", service_msg, "request[0].b"},
	{"cdr", "ros2idl", "hdaq_test/msg/Sample", NULL, "points[2].y"},
	{"ros1", "ros1msg", "hdaq_test/Ros1", ros1_msg, "points[1].z"},
};
#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

static HdDecoder *decoders[NTARGETS];
static HdPath *paths[NTARGETS];

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
		HdError		err;
		size_t		len;
		uint8_t    *schema;

		if (targets[i].text)
		{
			len = strlen(targets[i].text);
			schema = (uint8_t *) strdup(targets[i].text);
		}
		else
			schema = fuzz_load("sample.idl", &len);
		decoders[i] = fuzz_compile(targets[i].enc, targets[i].senc, targets[i].name, schema, len);
		free(schema);
		if ((paths[i] = hd_path_compile(decoders[i], targets[i].path, &err)) == NULL)
		{
			fprintf(stderr, "path %s: %s\n", targets[i].path, err.message);
			abort();
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
	fuzz_run(decoders[t], (const HdPath *const *) &paths[t], 1, data + 1, size - 1);
	return 0;
}

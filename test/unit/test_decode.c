/*-------------------------------------------------------------------------
 *
 * test_decode.c
 *	  Unit tests of src/decode: protobuf (hand-built descriptors and
 *	  messages, and the real HyTech descriptor sets), JSON, ROS 2 CDR,
 *	  ROS 2 IDL, ROS 1, signal paths (compiled protobuf paths checked
 *	  against the generic walk), and the inputs fuzzing found.
 *
 * Prints "ok N - name" or "not ok N - name" per check and ends with
 * "N passed, M failed"; exits non-zero when a check failed.  Fixtures are
 * read from the directory given as first argument (default
 * test/data/decode).
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/common/hd_json.h"
#include "../../src/common/hd_utf8.h"
#include "../../src/decode/decode.h"
#include "../../src/decode/protobuf_int.h"

static const char *data_dir = "test/data/decode";
static int	passed;
static int	failed;

static void
check(bool ok, const char *fmt,...)
{
	va_list		ap;

	printf("%s %d - ", ok ? "ok" : "not ok", passed + failed + 1);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (ok)
		passed++;
	else
		failed++;
}

/* check that two strings are equal, printing both when not */
static void
check_str(const char *got, const char *want, const char *name)
{
	bool		ok = got != NULL && strcmp(got, want) == 0;

	check(ok, "%s", name);
	if (!ok)
		printf("#   got:  %s\n#   want: %s\n", got ? got : "(null)", want);
}

static uint8_t *
load_file(const char *name, size_t *len)
{
	char		path[1024];
	FILE	   *f;
	uint8_t    *data;
	long		size;

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t) size + 1);
	if (data == NULL || fread(data, 1, (size_t) size, f) != (size_t) size)
	{
		fclose(f);
		free(data);
		return NULL;
	}
	fclose(f);
	data[size] = 0;
	*len = (size_t) size;
	return data;
}

/* ----------
 * Building protobuf bytes
 * ----------
 */
typedef struct Buf
{
	uint8_t		d[16384];
	size_t		n;
} Buf;

static void
put_byte(Buf *b, uint8_t c)
{
	b->d[b->n++] = c;
}

static void
put_raw(Buf *b, const void *p, size_t n)
{
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void
put_varint(Buf *b, uint64_t v)
{
	while (v >= 0x80)
	{
		put_byte(b, (uint8_t) (v | 0x80));
		v >>= 7;
	}
	put_byte(b, (uint8_t) v);
}

static void
put_tag(Buf *b, uint32_t number, int wt)
{
	put_varint(b, ((uint64_t) number << 3) | (uint64_t) wt);
}

static void
put_len(Buf *b, uint32_t number, const void *p, size_t n)
{
	put_tag(b, number, 2);
	put_varint(b, n);
	put_raw(b, p, n);
}

static void
put_str(Buf *b, uint32_t number, const char *s)
{
	put_len(b, number, s, strlen(s));
}

static void
put_sub(Buf *b, uint32_t number, const Buf *sub)
{
	put_len(b, number, sub->d, sub->n);
}

static void
put_fixed32(Buf *b, uint32_t number, uint32_t v)
{
	put_tag(b, number, 5);
	put_raw(b, &v, 4);			/* the tests run on little-endian hosts */
}

static void
put_fixed64(Buf *b, uint32_t number, uint64_t v)
{
	put_tag(b, number, 1);
	put_raw(b, &v, 8);
}

/* FieldDescriptorProto */
static void
desc_field(Buf *msg, const char *name, int number, int label, int type,
		   const char *type_name, int oneof)
{
	Buf			f = {0};

	put_str(&f, 1, name);
	put_tag(&f, 3, 0);
	put_varint(&f, (uint64_t) number);
	put_tag(&f, 4, 0);
	put_varint(&f, (uint64_t) label);
	put_tag(&f, 5, 0);
	put_varint(&f, (uint64_t) type);
	if (type_name)
		put_str(&f, 6, type_name);
	if (oneof >= 0)
	{
		put_tag(&f, 9, 0);
		put_varint(&f, (uint64_t) oneof);
	}
	put_sub(msg, 2, &f);
}

enum
{
	OPT = 1, REP = 3
};
enum
{
	T_DOUBLE = 1, T_FLOAT, T_INT64, T_UINT64, T_INT32, T_FIXED64, T_FIXED32, T_BOOL,
	T_STRING, T_GROUP, T_MESSAGE, T_BYTES, T_UINT32, T_ENUM, T_SFIXED32, T_SFIXED64,
	T_SINT32, T_SINT64
};

/*
 * package t;
 * enum E { ZERO = 0; ONE = 1; NEG = -1; }
 * message M {
 *   int32 i32 = 1; int64 i64 = 2; uint32 u32 = 3; uint64 u64 = 4;
 *   sint32 s32 = 5; sint64 s64 = 6; bool b = 7; E e = 8;
 *   fixed32 f32 = 9; fixed64 f64 = 10; sfixed32 sf32 = 11; sfixed64 sf64 = 12;
 *   float fl = 13; double db = 14; string s = 15; bytes by = 16;
 *   M child = 17; repeated int32 ri = 18; repeated string rs = 19;
 *   map<string, int32> m = 20;
 *   oneof o { int32 oa = 21; string ob = 22; }
 *   repeated M kids = 23;
 *   message MEntry { option map_entry = true; string key = 1; int32 value = 2; }
 * }
 */
static void
build_test_schema(Buf *set)
{
	Buf			file = {0},
				msg = {0},
				entry = {0},
				opts = {0},
				en = {0},
				v = {0},
				oneof = {0};
	static const struct
	{
		const char *name;
		int			type;
	}			scalars[] = {
		{"i32", T_INT32}, {"i64", T_INT64}, {"u32", T_UINT32}, {"u64", T_UINT64},
		{"s32", T_SINT32}, {"s64", T_SINT64}, {"b", T_BOOL}, {"e", T_ENUM},
		{"f32", T_FIXED32}, {"f64", T_FIXED64}, {"sf32", T_SFIXED32}, {"sf64", T_SFIXED64},
		{"fl", T_FLOAT}, {"db", T_DOUBLE}, {"s", T_STRING}, {"by", T_BYTES},
	};
	size_t		i;

	set->n = 0;
	put_str(&file, 1, "t.proto");
	put_str(&file, 2, "t");
	put_str(&msg, 1, "M");
	for (i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++)
		desc_field(&msg, scalars[i].name, (int) i + 1, OPT, scalars[i].type,
				   scalars[i].type == T_ENUM ? ".t.E" : NULL, -1);
	desc_field(&msg, "child", 17, OPT, T_MESSAGE, "M", -1);	/* relative name */
	desc_field(&msg, "ri", 18, REP, T_INT32, NULL, -1);
	desc_field(&msg, "rs", 19, REP, T_STRING, NULL, -1);
	desc_field(&msg, "m", 20, REP, T_MESSAGE, ".t.M.MEntry", -1);
	desc_field(&msg, "oa", 21, OPT, T_INT32, NULL, 0);
	desc_field(&msg, "ob", 22, OPT, T_STRING, NULL, 0);
	desc_field(&msg, "kids", 23, REP, T_MESSAGE, ".t.M", -1);
	desc_field(&msg, "g", 24, OPT, T_GROUP, ".t.M", -1);	/* groups: skipped */
	put_str(&entry, 1, "MEntry");
	desc_field(&entry, "key", 1, OPT, T_STRING, NULL, -1);
	desc_field(&entry, "value", 2, OPT, T_INT32, NULL, -1);
	put_tag(&opts, 7, 0);
	put_varint(&opts, 1);
	put_sub(&entry, 7, &opts);
	put_sub(&msg, 3, &entry);
	put_str(&oneof, 1, "o");
	put_sub(&msg, 8, &oneof);
	put_sub(&file, 4, &msg);
	put_str(&en, 1, "E");
	put_str(&v, 1, "ZERO");
	put_tag(&v, 2, 0);
	put_varint(&v, 0);
	put_sub(&en, 2, &v);
	v.n = 0;
	put_str(&v, 1, "ONE");
	put_tag(&v, 2, 0);
	put_varint(&v, 1);
	put_sub(&en, 2, &v);
	v.n = 0;
	put_str(&v, 1, "NEG");
	put_tag(&v, 2, 0);
	put_varint(&v, (uint64_t) (int64_t) -1);
	put_sub(&en, 2, &v);
	put_sub(&file, 5, &en);
	put_str(&file, 12, "proto3");
	put_sub(set, 1, &file);
}

static HdJsonBuffer jbuf;

/* s with its first "from" replaced by "to" (static buffer) */
static const char *
replace(const char *s, const char *from, const char *to)
{
	static char out[8192];
	const char *at = strstr(s, from);

	if (at == NULL)
		return s;
	snprintf(out, sizeof(out), "%.*s%s%s", (int) (at - s), s, to, at + strlen(from));
	return out;
}

static void test_real_paths(const HdDecoder *d);
static void build_nested_schema(Buf *set);

/* JSON text of a message, or "!code: message" */
static const char *
json_of(const HdDecoder *d, const uint8_t *msg, size_t len)
{
	static char out[65536];
	HdError		err;
	uint8_t    *copy = malloc(len ? len : 1);	/* exact size: ASan sees overreads */

	memcpy(copy, msg, len);
	if (hd_decode_json(d, copy, len, &jbuf, &err) == HD_OK)
		snprintf(out, sizeof(out), "%s", jbuf.data);
	else
		snprintf(out, sizeof(out), "!%s: %s", hd_error_code_name(err.code), err.message);
	free(copy);
	return out;
}

static int
decode_rc(const HdDecoder *d, const uint8_t *msg, size_t len)
{
	HdError		err;
	uint8_t    *copy = malloc(len ? len : 1);
	int			rc;

	memcpy(copy, msg, len);
	rc = hd_decode_json(d, copy, len, &jbuf, &err);
	free(copy);
	return rc;
}

/* Every prefix of msg decodes to a result or an error, never a crash */
static void
check_prefixes(const HdDecoder *d, const uint8_t *msg, size_t len, const char *name)
{
	size_t		k;
	int			errors = 0;
	bool		sane = true;

	for (k = 0; k < len; k++)
	{
		int			rc = decode_rc(d, msg, k);

		if (rc != HD_OK)
			errors++;
		if (rc != HD_OK && rc != HD_ERR_TRUNCATED && rc != HD_ERR_MALFORMED)
			sane = false;
	}
	check(sane && errors > 0 && decode_rc(d, msg, len) == HD_OK,
		  "%s: all %zu truncations fail cleanly (%d errors)", name, len, errors);
}

static HdDecoder *
compile(const char *enc, const char *senc, const char *name, const void *schema,
		size_t len, HdError *err)
{
	return hd_decoder_compile(enc, senc, name, schema, len, err);
}

/* ----------
 * protobuf
 * ----------
 */
static const char *const EMPTY_M =
"{\"i32\":0,\"i64\":0,\"u32\":0,\"u64\":0,\"s32\":0,\"s64\":0,\"b\":false,\"e\":\"ZERO\","
"\"f32\":0,\"f64\":0,\"sf32\":0,\"sf64\":0,\"fl\":0,\"db\":0,\"s\":\"\",\"by\":\"\","
"\"child\":null,\"ri\":[],\"rs\":[],\"m\":{},\"kids\":[]}";

static void
build_full_message(Buf *m)
{
	Buf			child = {0},
				packed = {0},
				entry = {0};
	float		fl = 0.1f;
	double		db = 0.1;
	uint32_t	flbits;
	uint64_t	dbbits;

	m->n = 0;
	put_tag(m, 1, 0);
	put_varint(m, (uint64_t) (int64_t) -1);	/* negative int32: 10 bytes */
	put_tag(m, 2, 0);
	put_varint(m, (uint64_t) INT64_MIN);
	put_tag(m, 3, 0);
	put_varint(m, 4294967295u);
	put_tag(m, 4, 0);
	put_varint(m, UINT64_MAX);
	put_tag(m, 5, 0);
	put_varint(m, 3);			/* zigzag: -2 */
	put_tag(m, 6, 0);
	put_varint(m, UINT64_MAX);	/* zigzag: INT64_MIN */
	put_tag(m, 7, 0);
	put_varint(m, 1);
	put_tag(m, 8, 0);
	put_varint(m, (uint64_t) (int64_t) -1);	/* NEG */
	put_fixed32(m, 9, 4000000000u);
	put_fixed64(m, 10, UINT64_MAX);
	put_fixed32(m, 11, (uint32_t) -5);
	put_fixed64(m, 12, (uint64_t) INT64_MIN);
	memcpy(&flbits, &fl, 4);
	put_fixed32(m, 13, flbits);
	memcpy(&dbbits, &db, 8);
	put_fixed64(m, 14, dbbits);
	put_str(m, 15, "h\xc3\xa9\"\n");
	put_len(m, 16, "\x00\xff\x10", 3);
	put_tag(&child, 1, 0);
	put_varint(&child, 150);
	put_sub(m, 17, &child);
	put_varint(&packed, 1);
	put_varint(&packed, 300);
	put_varint(&packed, (uint64_t) (int64_t) -2);
	put_sub(m, 18, &packed);	/* packed */
	put_tag(m, 18, 0);			/* then unpacked */
	put_varint(m, 7);
	put_str(m, 19, "x");
	put_str(m, 19, "");
	put_str(&entry, 1, "k");
	put_tag(&entry, 2, 0);
	put_varint(&entry, 9);
	put_sub(m, 20, &entry);
	entry.n = 0;
	put_tag(&entry, 2, 0);
	put_varint(&entry, 4);		/* no key: "" */
	put_sub(m, 20, &entry);
	put_tag(m, 21, 0);
	put_varint(m, 42);
}

static const char *const FULL_M =
"{\"i32\":-1,\"i64\":-9223372036854775808,\"u32\":4294967295,\"u64\":18446744073709551615,"
"\"s32\":-2,\"s64\":-9223372036854775808,\"b\":true,\"e\":\"NEG\",\"f32\":4000000000,"
"\"f64\":18446744073709551615,\"sf32\":-5,\"sf64\":-9223372036854775808,\"fl\":0.1,"
"\"db\":0.1,\"s\":\"h\xc3\xa9\\\"\\n\",\"by\":\"AP8Q\",\"child\":{\"i32\":150,\"i64\":0,"
"\"u32\":0,\"u64\":0,\"s32\":0,\"s64\":0,\"b\":false,\"e\":\"ZERO\",\"f32\":0,\"f64\":0,"
"\"sf32\":0,\"sf64\":0,\"fl\":0,\"db\":0,\"s\":\"\",\"by\":\"\",\"child\":null,\"ri\":[],"
"\"rs\":[],\"m\":{},\"kids\":[]},\"ri\":[1,300,-2,7],\"rs\":[\"x\",\"\"],"
"\"m\":{\"k\":9,\"\":4},\"oa\":42,\"kids\":[]}";

/* Field-order-independent parts: the same message written differently */
static void
test_protobuf_orders(const HdDecoder *d)
{
	Buf			m = {0},
				packed = {0};

	/* out of order, a duplicate singular (last wins), interleaved repeated */
	put_tag(&m, 18, 0);
	put_varint(&m, 1);
	put_tag(&m, 1, 0);
	put_varint(&m, 5);
	put_tag(&m, 19, 2);
	put_varint(&m, 1);
	put_byte(&m, 'a');
	put_varint(&packed, 2);
	put_varint(&packed, 3);
	put_sub(&m, 18, &packed);
	put_tag(&m, 1, 0);
	put_varint(&m, 6);
	put_str(&m, 22, "second");	/* oneof: ob after oa */
	put_tag(&m, 21, 0);
	put_varint(&m, 1);
	put_str(&m, 22, "last");
	check_str(json_of(d, m.d, m.n),
			  "{\"i32\":6,\"i64\":0,\"u32\":0,\"u64\":0,\"s32\":0,\"s64\":0,\"b\":false,"
			  "\"e\":\"ZERO\",\"f32\":0,\"f64\":0,\"sf32\":0,\"sf64\":0,\"fl\":0,\"db\":0,"
			  "\"s\":\"\",\"by\":\"\",\"child\":null,\"ri\":[1,2,3],\"rs\":[\"a\"],\"m\":{},"
			  "\"ob\":\"last\",\"kids\":[]}",
			  "protobuf: scattered fields, last singular wins, repeated concatenated, last oneof member");
}

static void
test_protobuf_unknown(const HdDecoder *d)
{
	Buf			m = {0};

	put_tag(&m, 99, 0);
	put_varint(&m, 123456789);
	put_str(&m, 98, "unknown");
	put_fixed32(&m, 97, 1);
	put_fixed64(&m, 96, 1);
	put_tag(&m, 95, 3);			/* a group holding a nested group */
	put_tag(&m, 1, 0);
	put_varint(&m, 1);
	put_tag(&m, 2, 3);
	put_str(&m, 3, "x");
	put_tag(&m, 2, 4);
	put_tag(&m, 95, 4);
	put_tag(&m, 24, 3);			/* the declared group field */
	put_tag(&m, 24, 4);
	put_tag(&m, 1, 2);			/* i32 as a string: wrong wire type */
	put_varint(&m, 1);
	put_byte(&m, 'z');
	put_tag(&m, 8, 0);
	put_varint(&m, 7);			/* enum number not declared */
	check_str(json_of(d, m.d, m.n), replace(EMPTY_M, "\"e\":\"ZERO\"", "\"e\":7"),
			  "protobuf: unknown fields, groups and wrong wire types skipped; unknown enum number kept");
}

static void
test_protobuf_errors(const HdDecoder *d)
{
	static const uint8_t bad_wire[] = {0x0f, 0x01};
	static const uint8_t long_varint[] = {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
	static const uint8_t short_len[] = {0x7a, 0x05, 'a'};
	static const uint8_t lone_end_group[] = {0x0c};
	static const uint8_t zero_field[] = {0x00, 0x01};
	static const uint8_t bad_group_end[] = {0x0b, 0x14};
	static const uint8_t packed_cut[] = {0x92, 0x01, 0x02, 0x01, 0x80};
	Buf			deep = {0};
	int			i;

	check(decode_rc(d, bad_wire, sizeof(bad_wire)) == HD_ERR_MALFORMED, "protobuf: wire type 7 is malformed");
	check(decode_rc(d, long_varint, sizeof(long_varint)) == HD_ERR_MALFORMED, "protobuf: 11-byte varint is malformed");
	check(decode_rc(d, short_len, sizeof(short_len)) == HD_ERR_TRUNCATED, "protobuf: length past the end is truncated");
	check(decode_rc(d, lone_end_group, 1) == HD_ERR_MALFORMED, "protobuf: end group without start is malformed");
	check(decode_rc(d, zero_field, 2) == HD_ERR_MALFORMED, "protobuf: field number 0 is malformed");
	check(decode_rc(d, bad_group_end, 2) == HD_ERR_MALFORMED, "protobuf: group closed by another number is malformed");
	check(decode_rc(d, packed_cut, sizeof(packed_cut)) == HD_ERR_MALFORMED, "protobuf: packed element cut inside its field is malformed");

	/* child.child.child... 100 levels: the limit stops it */
	for (i = 0; i < 100; i++)
	{
		Buf			outer = {0};

		put_sub(&outer, 17, &deep);
		deep = outer;
	}
	check(decode_rc(d, deep.d, deep.n) == HD_ERR_DEPTH, "protobuf: recursion deeper than HD_MAX_DEPTH is an error");
	deep.n = 0;
	for (i = 0; i < 10; i++)
	{
		Buf			outer = {0};

		put_sub(&outer, 17, &deep);
		deep = outer;
	}
	check(decode_rc(d, deep.d, deep.n) == HD_OK &&
		  strstr(json_of(d, deep.d, deep.n), "\"child\":{\"i32\":0") != NULL,
		  "protobuf: recursive message 10 levels deep");
}

/* A visitor counting calls, skipping or stopping on request */
typedef struct Counter
{
	int			calls;
	int			values;
	const char *skip_field;
	int			stop_after;
	int			abort_after;
} Counter;

static int
count_call(Counter *c)
{
	c->calls++;
	if (c->abort_after && c->calls >= c->abort_after)
		return HD_ABORT;
	if (c->stop_after && c->calls >= c->stop_after)
		return HD_STOP;
	return HD_CONTINUE;
}

static int
cnt_begin_object(void *ctx)
{
	return count_call(ctx);
}

static int
cnt_begin_array(void *ctx, int64_t n)
{
	(void) n;
	return count_call(ctx);
}

static int
cnt_field(void *ctx, const char *name, size_t len)
{
	Counter    *c = ctx;

	if (c->skip_field && strlen(c->skip_field) == len && memcmp(c->skip_field, name, len) == 0)
		return HD_SKIP;
	return count_call(c);
}

static int
cnt_int64(void *ctx, int64_t v)
{
	(void) v;
	((Counter *) ctx)->values++;
	return count_call(ctx);
}

static const HdVisitor counter_visitor = {
	.begin_object = cnt_begin_object,
	.begin_array = cnt_begin_array,
	.field = cnt_field,
	.int64 = cnt_int64,
};

static void
test_visitor_actions(const HdDecoder *d)
{
	Buf			m = {0};
	Counter		all = {0},
				skipped = {0},
				stopped = {0},
				aborted = {0};
	HdError		err;

	build_full_message(&m);
	check(hd_decode(d, m.d, m.n, &counter_visitor, &all, &err) == HD_OK && all.values > 10,
		  "visitor: %d int64 values seen", all.values);
	skipped.skip_field = "child";
	check(hd_decode(d, m.d, m.n, &counter_visitor, &skipped, &err) == HD_OK &&
		  skipped.calls < all.calls && skipped.values == all.values - 1 - 5,
		  "visitor: HD_SKIP on a field skips its subtree (%d vs %d calls)", skipped.calls, all.calls);
	stopped.stop_after = 5;
	check(hd_decode(d, m.d, m.n, &counter_visitor, &stopped, &err) == HD_OK && stopped.calls == 5,
		  "visitor: HD_STOP ends the walk successfully");
	aborted.abort_after = 3;
	check(hd_decode(d, m.d, m.n, &counter_visitor, &aborted, &err) == HD_ERR_VISITOR &&
		  aborted.calls == 3, "visitor: HD_ABORT ends the walk with HD_ERR_VISITOR");
}

static void
test_protobuf(void)
{
	Buf			set,
				m;
	HdError		err;
	HdDecoder  *d;
	HdDecoder  *dot;
	uint8_t		nan_msg[5] = {0x6d, 0, 0, 0xc0, 0x7f};
	uint8_t		inf_msg[9] = {0x71, 0, 0, 0, 0, 0, 0, 0xf0, 0xff};
	uint8_t		f_msg[5] = {0x6d, 0, 0, 0, 0};
	float		third = 1.0f / 3.0f;

	build_test_schema(&set);
	d = compile("protobuf", "protobuf", "t.M", set.d, set.n, &err);
	check(d != NULL, "protobuf: hand-built FileDescriptorSet compiles%s%s", d ? "" : ": ", d ? "" : err.message);
	if (d == NULL)
		return;
	dot = compile("protobuf", "protobuf", ".t.M", set.d, set.n, &err);
	check(dot != NULL, "protobuf: message name with a leading dot");
	hd_decoder_free(dot);
	check(hd_decoder_memory_size(d) > sizeof(void *) * 16, "protobuf: memory size reported (%zu bytes)",
		  hd_decoder_memory_size(d));
	check_str(json_of(d, (const uint8_t *) "", 0), EMPTY_M,
			  "protobuf: empty message gives every field's default");
	build_full_message(&m);
	check_str(json_of(d, m.d, m.n), FULL_M,
			  "protobuf: every wire type, zigzag, 10-byte negative int32, packed+unpacked, map, oneof");
	check_prefixes(d, m.d, m.n, "protobuf full message");
	check(strstr(json_of(d, nan_msg, 5), "\"fl\":\"NaN\"") != NULL, "protobuf: float NaN written as \"NaN\"");
	check(strstr(json_of(d, inf_msg, 9), "\"db\":\"-Infinity\"") != NULL, "protobuf: double -inf written as \"-Infinity\"");
	memcpy(f_msg + 1, &third, 4);
	check(strstr(json_of(d, f_msg, 5), "\"fl\":0.33333334,") != NULL, "protobuf: float32 1/3 printed as 0.33333334");
	test_protobuf_orders(d);
	test_protobuf_unknown(d);
	test_protobuf_errors(d);
	test_visitor_actions(d);
	hd_decoder_free(d);

	check(compile("protobuf", "protobuf", "t.Missing", set.d, set.n, &err) == NULL &&
		  err.code == HD_ERR_SCHEMA && strstr(err.message, "t.Missing") != NULL,
		  "protobuf: unknown message name is a schema error naming it");
	check(compile("protobuf", "protobuf", "t.M", set.d, set.n - 3, &err) == NULL &&
		  err.code == HD_ERR_SCHEMA, "protobuf: cut FileDescriptorSet is a schema error");
	check(compile("protobuf", "protobuf", "t.M", "\x0a\x05hello", 7, &err) == NULL &&
		  err.code == HD_ERR_SCHEMA, "protobuf: garbage FileDescriptorSet is a schema error");
	check(compile("cbor", "", "x", NULL, 0, &err) == NULL && err.code == HD_ERR_UNSUPPORTED &&
		  strstr(err.message, "cbor") != NULL, "unsupported: cbor");
	check(compile("wrong_format", "ros2msg", "x", "int32 a", 7, &err) == NULL &&
		  err.code == HD_ERR_UNSUPPORTED, "unsupported: wrong_format with ros2msg");
	check(compile("flatbuffer", "flatbuffer", "x", "", 0, &err) == NULL &&
		  err.code == HD_ERR_UNSUPPORTED, "unsupported: flatbuffer");
}

/* The real HyTech descriptor sets */
static void
test_protobuf_real(void)
{
	static const char *const names2026[] = {
		"hytech_msgs.VehicleData", "hytech_msgs.ACUAllData", "hytech_msgs.McapInfo",
		"hytech_msgs.VNData", "hytech_msgs.VCRData_s", "hytech_msgs.TorqueControllerMuxStatus_s",
	};
	size_t		len,
				len24,
				i;
	uint8_t    *set = load_file("hytech_msgs_McapInfo_FileDescriptorSet_2026-03.bin", &len);
	uint8_t    *set24 = load_file("hytech_proto_2024-03_FileDescriptorSet.bin", &len24);
	HdError		err;
	HdDecoder  *d;
	int			ok = 0;

	check(set != NULL && set24 != NULL, "protobuf: real descriptor sets found in %s", data_dir);
	if (set == NULL || set24 == NULL)
		return;
	for (i = 0; i < sizeof(names2026) / sizeof(names2026[0]); i++)
	{
		d = compile("protobuf", "protobuf", names2026[i], set, len, &err);
		if (d != NULL && decode_rc(d, (const uint8_t *) "", 0) == HD_OK)
			ok++;
		else
			printf("# %s: %s\n", names2026[i], d ? "decode failed" : err.message);
		hd_decoder_free(d);
	}
	check(ok == 6, "protobuf: real 2026 set compiles %d message types", ok);
	d = compile("protobuf", "protobuf", "hytech_msgs.VehicleData", set, len, &err);
	if (d != NULL)
	{
		const char *j = json_of(d, (const uint8_t *) "", 0);

		check(strstr(j, "\"current_rpms\":null") != NULL && strstr(j, "\"prev_MCU_recv_millis\":0") != NULL,
			  "protobuf: real VehicleData defaults (absent message null, int64 0)");
		test_real_paths(d);
		hd_decoder_free(d);
	}
	d = compile("protobuf", "protobuf", "mcu_status", set24, len24, &err);
	check(d != NULL && hd_decoder_memory_size(d) < hd_decoder_memory_size(d) + 1,
		  "protobuf: real 2024 set, top-level message without package");
	hd_decoder_free(d);
	free(set);
	free(set24);
}

/* ----------
 * Signal paths
 * ----------
 */
static HdPath *
path_or_error(const HdDecoder *d, const char *text, HdError *err)
{
	return hd_path_compile(d, text, err);
}

/* Compiling text fails with HD_ERR_PATH and a message holding want */
static void
check_path_error(const HdDecoder *d, const char *text, const char *want)
{
	HdError		err;
	HdPath	   *p = path_or_error(d, text, &err);

	check(p == NULL && err.code == HD_ERR_PATH && strstr(err.message, want) != NULL,
		  "path \"%s\" rejected, saying %s", text, want);
	if (p != NULL || strstr(err.message, want) == NULL)
		printf("#   got: %s\n", p ? "(compiled)" : err.message);
	hd_path_free(p);
}

/* Extracting text from msg gives want (found) or nothing (want NAN) */
static void
check_extract(const HdDecoder *d, const char *text, const uint8_t *msg, size_t len,
			  double want)
{
	HdError		err;
	HdPath	   *p = path_or_error(d, text, &err);
	double		v = -12345;
	bool		found = true;
	int			rc;

	if (p == NULL)
	{
		check(false, "extract \"%s\": %s", text, err.message);
		return;
	}
	rc = hd_extract_number(d, p, msg, len, &v, &found, &err);
	if (isnan(want))
		check(rc == HD_OK && !found, "extract \"%s\": not found", text);
	else
		check(rc == HD_OK && found && v == want, "extract \"%s\" = %g (got %g, found %d)",
			  text, want, v, found);
	hd_path_free(p);
}

static void
test_paths_protobuf(void)
{
	static const char *const texts[] = {"ri[1]", "i32", "m.k", "child.i32", "ri[9]", "oa", "fl", "e"};
	Buf			set,
				m;
	HdError		err;
	HdDecoder  *d,
			   *other;
	HdPath	   *paths[8];
	double		out[8];
	bool		found[8];
	int			i,
				rc;

	build_test_schema(&set);
	d = compile("protobuf", "protobuf", "t.M", set.d, set.n, &err);
	other = compile("protobuf", "protobuf", "t.M", set.d, set.n, &err);
	build_full_message(&m);
	check_path_error(d, "i3", "did you mean \"i32\"");
	check_path_error(d, "child.chld", "did you mean \"child\"");
	check_path_error(d, "child.sf6", "\"sf64\"");
	check_path_error(d, "zzzzzzzz", "its fields are \"i32\", \"i64\"");
	check_path_error(d, "ri", "names an array");
	check_path_error(d, "ri.x", "follows an array");
	check_path_error(d, "s", "string or bytes");
	check_path_error(d, "child", "names a message");
	check_path_error(d, "i32.x", "has no fields");
	check_path_error(d, "i32[0]", "not an array");
	check_path_error(d, "a..b", "expected a field name");
	check_path_error(d, "ri[", "expected an index");
	check_path_error(d, "ri[x]", "expected an index");
	check_path_error(d, "ri[1", "expected ']'");
	check_path_error(d, "", "empty path");
	check_path_error(d, "m[\"k", "unterminated");

	check_extract(d, "i32", m.d, m.n, -1);
	check_extract(d, "u64", m.d, m.n, 18446744073709551615.0);
	check_extract(d, "b", m.d, m.n, 1);
	check_extract(d, "e", m.d, m.n, -1);
	check_extract(d, "fl", m.d, m.n, (double) 0.1f);
	check_extract(d, "ri[1]", m.d, m.n, 300);
	check_extract(d, "ri[3]", m.d, m.n, 7);
	check_extract(d, "ri[9]", m.d, m.n, NAN);
	check_extract(d, "m[\"k\"]", m.d, m.n, 9);
	check_extract(d, "m.k", m.d, m.n, 9);
	check_extract(d, "m['k']", m.d, m.n, 9);
	check_extract(d, "m[\"zz\"]", m.d, m.n, NAN);
	check_extract(d, "child.i32", m.d, m.n, 150);
	check_extract(d, "child.child.i32", m.d, m.n, NAN);
	check_extract(d, "oa", m.d, m.n, 42);
	check_extract(d, "child.oa", m.d, m.n, NAN);
	check_extract(d, "kids[0].i32", m.d, m.n, NAN);
	check_extract(d, "i64", (const uint8_t *) "", 0, 0);	/* default */

	for (i = 0; i < 8; i++)
		paths[i] = path_or_error(d, texts[i], &err);
	rc = hd_extract_numbers(d, (const HdPath *const *) paths, 8, m.d, m.n, out, found, &err);
	check(rc == HD_OK && found[0] && out[0] == 300 && found[1] && out[1] == -1 &&
		  found[2] && out[2] == 9 && found[3] && out[3] == 150 && !found[4] &&
		  found[5] && out[5] == 42 && found[6] && out[6] == (double) 0.1f &&
		  found[7] && out[7] == -1, "extract: eight paths in one walk");
	rc = hd_extract_number(other, paths[0], m.d, m.n, out, found, &err);
	check(rc == HD_ERR_ARGUMENT, "extract: a path of another decoder is refused");
	for (i = 0; i < 8; i++)
		hd_path_free(paths[i]);
	hd_decoder_free(d);
	hd_decoder_free(other);
}

/* Appends "path type numeric repeated enums;" for each leaf */
static bool
collect_field(void *ctx, const HdField *f)
{
	char	   *buf = ctx;
	size_t		n = strlen(buf);

	n += snprintf(buf + n, 8192 - n, "%s %s %d %d", f->path, f->type,
				  f->numeric, f->repeated);
	for (int i = 0; i < f->nenum && n < 8192; i++)
		n += snprintf(buf + n, 8192 - n, "%s%s", i ? "," : " ", f->enum_names[i]);
	if (n < 8192)
		snprintf(buf + n, 8192 - n, ";");
	return true;
}

/* Remembers the length reported for "ri" */
static bool
note_ri_length(void *ctx, const char *path, int64_t length)
{
	if (strcmp(path, "ri") == 0)
		*(int64_t *) ctx = length;
	return true;
}

static void
test_array_lengths_protobuf(void)
{
	Buf			set,
				m;
	HdError		err;
	HdDecoder  *d;
	int64_t		ri = -1;
	int			rc;

	build_test_schema(&set);
	d = compile("protobuf", "protobuf", "t.M", set.d, set.n, &err);
	build_full_message(&m);
	rc = hd_array_lengths(d, m.d, m.n, note_ri_length, &ri, &err);
	check(rc == HD_OK && ri >= 4, "array lengths: ri has its %lld elements (ri[3] is read)",
		  (long long) ri);
	hd_decoder_free(d);
}

static void
test_fields_protobuf(void)
{
	Buf			set;
	HdError		err;
	HdDecoder  *d;
	char	   *buf = calloc(1, 8192);
	int			rc;

	build_test_schema(&set);
	d = compile("protobuf", "protobuf", "t.M", set.d, set.n, &err);
	rc = hd_fields(d, collect_field, buf, &err);
	check(rc == HD_OK, "fields: walk succeeds");
	check(strstr(buf, ";i64 int64 1 0;") != NULL || strncmp(buf, "i32 int32 1 0;", 14) == 0,
		  "fields: scalars with their .proto type");
	check(strstr(buf, "ri[0] int32 1 1;") != NULL, "fields: a repeated scalar as [0]");
	check(strstr(buf, "m[\"key\"] ") != NULL, "fields: a map's values with a placeholder key");
	check(strstr(buf, ";s string 0 0;") != NULL, "fields: a string is not numeric");
	check(strstr(buf, ";child.i32 int32 1 0;") != NULL, "fields: a nested message's leaves");
	check(strstr(buf, "child.child.") == NULL && strstr(buf, "kids[0].kids[0].") == NULL,
		  "fields: a recursive message is followed once");
	check(strstr(buf, ";kids[0].i32 int32 1 1;") != NULL, "fields: leaves inside an array are repeated");
	check(strstr(buf, " enum 1 0 ") != NULL, "fields: an enum with its value names");
	{
		char	   *copy = strdup(buf);
		char	   *save = NULL;

		for (char *e = strtok_r(copy, ";", &save); e; e = strtok_r(NULL, ";", &save))
		{
			char		path[256];
			char		type[64];
			int			numeric;
			int			repeated;
			HdPath	   *hp;

			if (sscanf(e, "%255s %63s %d %d", path, type, &numeric, &repeated) != 4 ||
				!numeric)
				continue;
			hp = hd_path_compile(d, path, &err);
			check(hp != NULL, "fields: %s compiles as a signal path", path);
			hd_path_free(hp);
		}
		free(copy);
	}
	free(buf);
	hd_decoder_free(d);
}

static void
test_real_paths(const HdDecoder *d)
{
	Buf			m = {0},
				rpms = {0};
	float		fl = 1.5f;
	uint32_t	bits;

	check_path_error(d, "current_rpms.FX", "did you mean \"FL\", \"FR\"");
	check_path_error(d, "current_rpm.FL", "did you mean \"current_rpms\"");
	memcpy(&bits, &fl, 4);
	put_fixed32(&rpms, 1, bits);
	put_sub(&m, 7, &rpms);
	check_extract(d, "current_rpms.FL", m.d, m.n, 1.5);
	check_extract(d, "current_rpms.RR", m.d, m.n, 0);
	check_extract(d, "current_body_vel_ms.x", m.d, m.n, NAN);
}

/* ----------
 * JSON
 * ----------
 */
static void
test_json(void)
{
	static const char doc[] =
		" {\"a\" : [1, -2, 3.5, true, false, null, \"x\"],\n \"b\":{\"c\":18446744073709551615,"
		"\"d\":-9223372036854775808,\"e\":1E400,\"f\":\"\\u00e9\\ud83d\\ude00\\ud800\\/\\t\"},"
		"\"g\":-0.0e-0,\"h\":[]} ";
	static const char *const bad[] = {
		"[1,]", "01", "\"abc", "\"a\x01\"", "\"\xc3\x28\"", "tru", "{\"a\" 1}", "{\"a\":1} x",
		"[1 2]", "{1:2}", "\"\\x\"", "\"\\u12g4\"", "-", "1.", "1e", "{\"a\":}", "\xef\xbb\xbf{}",
	};
	HdError		err;
	HdDecoder  *d = compile("json", "", "", NULL, 0, &err);
	HdDecoder  *s;
	char		deep[200];
	char	   *longs;
	size_t		i;
	int			nbad = 0;
	const char *schema =
		"{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"array\",\"items\":{\"type\":\"number\"}},"
		"\"b\":{\"type\":\"object\",\"properties\":{\"c\":{\"type\":\"integer\"},\"cc\":{\"type\":\"string\"}}},"
		"\"o\":{\"type\":\"object\",\"additionalProperties\":true,\"properties\":{}}}}";

	check(d != NULL, "json: decoder without schema");
	check_str(json_of(d, (const uint8_t *) doc, strlen(doc)),
			  "{\"a\":[1,-2,3.5,true,false,null,\"x\"],\"b\":{\"c\":18446744073709551615,"
			  "\"d\":-9223372036854775808,\"e\":1E400,\"f\":\"\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd/\\t\"},"
			  "\"g\":-0.0e-0,\"h\":[]}",
			  "json: values, 64-bit limits, numbers kept as written, escapes and surrogates");
	check_prefixes(d, (const uint8_t *) doc, strlen(doc) - 1, "json document");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		int			rc = decode_rc(d, (const uint8_t *) bad[i], strlen(bad[i]));

		if (rc == HD_ERR_MALFORMED || rc == HD_ERR_TRUNCATED)
			nbad++;
		else
			printf("# accepted bad JSON: %s\n", bad[i]);
	}
	check(nbad == (int) (sizeof(bad) / sizeof(bad[0])), "json: %d malformed documents rejected", nbad);
	check(decode_rc(d, (const uint8_t *) "", 0) == HD_ERR_TRUNCATED, "json: empty message is truncated");
	memset(deep, '[', sizeof(deep));
	check(decode_rc(d, (const uint8_t *) deep, 70) == HD_ERR_DEPTH, "json: nesting over HD_MAX_DEPTH is an error");
	longs = malloc(5003);
	longs[0] = '"';
	for (i = 1; i < 5001; i += 2)
		memcpy(longs + i, "\\n", 2);
	longs[5001] = '"';
	check(strlen(json_of(d, (const uint8_t *) longs, 5002)) == 5002,
		  "json: long escaped string (heap buffer)");
	free(longs);

	s = compile("json", "jsonschema", "T", schema, strlen(schema), &err);
	check(s != NULL, "json: jsonschema compiles");
	if (s != NULL)
	{
		static const char msg[] = "{\"b\":{\"c\":7,\"cc\":\"x\"},\"a\":[1,-2],\"o\":{\"w\":true}}";

		check_extract(s, "a[1]", (const uint8_t *) msg, strlen(msg), -2);
		check_extract(s, "b.c", (const uint8_t *) msg, strlen(msg), 7);
		check_extract(s, "o.w", (const uint8_t *) msg, strlen(msg), 1);
		check_extract(s, "o.v", (const uint8_t *) msg, strlen(msg), NAN);
		check_path_error(s, "b.d", "did you mean \"c\", \"cc\"");
		check_path_error(s, "b.cc", "string or bytes");
		check_path_error(s, "zzzz", "its fields are \"a\", \"b\", \"o\"");
		check_path_error(s, "q", "did you mean \"a\", \"b\", \"o\"?");
		hd_decoder_free(s);
	}
	check(compile("json", "jsonschema", "T", "{\"type\":", 8, &err) == NULL && err.code == HD_ERR_SCHEMA,
		  "json: invalid JSON schema is a schema error");
	check_extract(d, "x[\"y z\"][1]", (const uint8_t *) "{\"x\":{\"y z\":[5,6]}}", 19, 6);
	check_extract(d, "x[1]", (const uint8_t *) "{\"x\":{\"1\":4}}", 13, 4);
	hd_decoder_free(d);
}

/* ----------
 * ROS 2 CDR
 * ----------
 */
typedef struct Cdr
{
	Buf			b;
	bool		be;
} Cdr;

static void
cdr_init(Cdr *c, bool be)
{
	c->b.n = 0;
	c->be = be;
	put_raw(&c->b, be ? "\x00\x00\x00\x00" : "\x00\x01\x00\x00", 4);
}

static void
cdr_align(Cdr *c, size_t n)
{
	while ((c->b.n - 4) % n != 0)
		put_byte(&c->b, 0);
}

static void
cdr_uint(Cdr *c, uint64_t v, size_t n)
{
	size_t		i;

	cdr_align(c, n);
	for (i = 0; i < n; i++)
		put_byte(&c->b, (uint8_t) (v >> (8 * (c->be ? n - 1 - i : i))));
}

static void
cdr_str(Cdr *c, const char *s)
{
	cdr_uint(c, strlen(s) + 1, 4);
	put_raw(&c->b, s, strlen(s) + 1);
}

static uint64_t
bits_f64(double d)
{
	uint64_t	v;

	memcpy(&v, &d, 8);
	return v;
}

static uint32_t
bits_f32(float f)
{
	uint32_t	v;

	memcpy(&v, &f, 4);
	return v;
}

static const char cdr_schema[] =
"# comment line\nint8 a\nint64 b  # trailing comment\nfloat32 c\nstring s\nint16[2] arr\n"
"uint8[] seq\nstring<=5 bs\nfloat64[<=2] bseq\nP p\npkg/msg/P[] ps\nwstring w\nEmpty e\n"
"int32 tail 5\nint32 CONST = 3\nstring GREETING=\"a = b\"\n"
"================================================================================\n"
"MSG: pkg/P\nbool x\nuint16 y\n"
"================================================================================\n"
"MSG: pkg/Empty\nint32 ONLY_A_CONSTANT=3\n";

static void
build_cdr_message(Cdr *c, bool be)
{
	cdr_init(c, be);
	cdr_uint(c, 0xff, 1);		/* a = -1 */
	cdr_uint(c, (uint64_t) (int64_t) -2, 8);	/* b: 7 bytes of padding first */
	cdr_uint(c, bits_f32(1.5f), 4);
	cdr_str(c, "hi");
	cdr_uint(c, 1, 2);
	cdr_uint(c, 0xffff, 2);
	cdr_uint(c, 3, 4);			/* seq */
	put_raw(&c->b, "\x07\x08\x09", 3);
	cdr_str(c, "ab");
	cdr_uint(c, 1, 4);			/* bseq */
	cdr_uint(c, bits_f64(0.5), 8);
	cdr_uint(c, 1, 1);			/* p */
	cdr_uint(c, 513, 2);
	cdr_uint(c, 1, 4);			/* ps */
	cdr_uint(c, 0, 1);
	cdr_uint(c, 1, 2);
	cdr_uint(c, 1, 4);			/* w: one UTF-16 unit */
	cdr_uint(c, 0xe9, 2);
	cdr_uint(c, 0, 1);			/* e: the dummy byte of an empty struct */
	cdr_uint(c, 77, 4);
}

static const char *const CDR_JSON =
"{\"a\":-1,\"b\":-2,\"c\":1.5,\"s\":\"hi\",\"arr\":[1,-1],\"seq\":[7,8,9],\"bs\":\"ab\","
"\"bseq\":[0.5],\"p\":{\"x\":true,\"y\":513},\"ps\":[{\"x\":false,\"y\":1}],\"w\":\"\xc3\xa9\","
"\"e\":{},\"tail\":77}";

static void
test_cdr(void)
{
	static const uint8_t aligned[] = {0, 1, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0,
	0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const char event_schema[] = "int64 a\nint64 b\n---\nint64 sum\n";
	static const uint8_t event[] = {
		0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x21, 0x21, 0x2e, 0x65, 0xbe, 0xda, 0x46, 0x2b,
		0x01, 0x0f, 0xeb, 0x7d, 0x6c, 0x2a, 0xa9, 0xd2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x13, 0x04,
		0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
	HdError		err;
	HdDecoder  *d = compile("cdr", "ros2msg", "pkg/msg/T", cdr_schema, strlen(cdr_schema), &err);
	HdDecoder  *small;
	Cdr			le,
				be;

	check(d != NULL, "cdr: ros2msg schema with comments, constants, defaults, bounds%s%s",
		  d ? "" : ": ", d ? "" : err.message);
	if (d == NULL)
		return;
	build_cdr_message(&le, false);
	build_cdr_message(&be, true);
	check_str(json_of(d, le.b.d, le.b.n), CDR_JSON, "cdr: little endian, aligned, every field kind");
	check_str(json_of(d, be.b.d, be.b.n), CDR_JSON, "cdr: big endian gives the same");
	check_prefixes(d, le.b.d, le.b.n, "cdr message");
	check(decode_rc(d, (const uint8_t *) "\x00\x02\x00\x00", 4) == HD_ERR_UNSUPPORTED,
		  "cdr: parameter-list representation is unsupported");
	check(decode_rc(d, (const uint8_t *) "\x00\x01", 2) == HD_ERR_TRUNCATED, "cdr: message shorter than its header");
	check_extract(d, "tail", le.b.d, le.b.n, 77);
	check_extract(d, "ps[0].y", le.b.d, le.b.n, 1);
	check_extract(d, "seq[2]", be.b.d, be.b.n, 9);
	check_extract(d, "p.y", be.b.d, be.b.n, 513);
	check_extract(d, "bseq[1]", le.b.d, le.b.n, NAN);
	check_path_error(d, "p.z", "did you mean \"x\", \"y\"");
	check_path_error(d, "w", "string or bytes");
	{
		/* a sequence claiming more elements than bytes left */
		Cdr			c;

		cdr_init(&c, false);
		cdr_uint(&c, 0, 1);
		cdr_uint(&c, 0, 8);
		cdr_uint(&c, 0, 4);
		cdr_str(&c, "");
		cdr_uint(&c, 0, 4);
		cdr_uint(&c, 0xffffffff, 4);
		check(decode_rc(d, c.b.d, c.b.n) == HD_ERR_TRUNCATED, "cdr: sequence length beyond the message is refused");
	}
	hd_decoder_free(d);

	small = compile("cdr", "ros2msg", "p/msg/A", "int8 a\nint64 b\n", 15, &err);
	check_str(json_of(small, aligned, sizeof(aligned)), "{\"a\":-1,\"b\":-2}",
			  "cdr: int64 after int8 is aligned to 8 from the header's end");
	check(decode_rc(small, aligned, sizeof(aligned) - 1) == HD_ERR_TRUNCATED, "cdr: one byte short is truncated");
	hd_decoder_free(small);

	d = compile("cdr", "ros2msg", "example_interfaces/srv/AddTwoInts_Event", event_schema,
				strlen(event_schema), &err);
	check(d != NULL, "cdr: service event schema (.srv text) compiles");
	if (d != NULL)
	{
		const char *j = json_of(d, event, sizeof(event));

		check(strstr(j, "\"request\":[{\"a\":1,\"b\":3}],\"response\":[]") != NULL &&
			  strstr(j, "\"sequence_number\":1}") != NULL && strstr(j, "\"event_type\":1,") != NULL,
			  "cdr: service event decoded as info, request[], response[]");
		check_extract(d, "request[0].b", event, sizeof(event), 3);
		hd_decoder_free(d);
	}
	check(compile("cdr", "ros2msg", "example_interfaces/srv/AddTwoInts", event_schema,
				  strlen(event_schema), &err) == NULL && err.code == HD_ERR_UNSUPPORTED,
		  "cdr: a plain service definition is unsupported");
}

static void
test_ros_schema_errors(void)
{
	static const struct
	{
		const char *text;
		const char *want;
	}			cases[] = {
		{"Foo x\n", "\"p/Foo\""},
		{"p/T self\n", "contains itself"},
		{"int32[x] a\n", "bad array size"},
		{"int32\n", "expected \"type name\""},
		{"int32 a\n====\nnot a header\n", "MSG:"},
		{"int32[99999999] a\n", "bad array size"},
		{"int32<=3 a\n", "only strings can be bounded"},
	};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		HdError		err;
		HdDecoder  *d = compile("cdr", "ros2msg", "p/msg/T", cases[i].text, strlen(cases[i].text), &err);

		check(d == NULL && err.code == HD_ERR_SCHEMA && strstr(err.message, cases[i].want) != NULL,
			  "ros schema error: %s", cases[i].want);
		if (d != NULL || strstr(err.message, cases[i].want) == NULL)
			printf("#   got: %s\n", d ? "(compiled)" : err.message);
		hd_decoder_free(d);
	}
}

/* ----------
 * ROS 2 IDL
 * ----------
 */
static void
test_ros2idl(void)
{
	static const char union_idl[] = "module p { module msg { union U switch (long) { case 1: long a; }; }; };";
	static const char enum_idl[] =
		"module p { module msg {\n enum Color { RED, GREEN };\n typedef sequence<double, 3> triple;\n"
		"struct T { Color c; triple t; p::msg::Color c2; unsigned short us, us2; }; }; };";
	size_t		len;
	uint8_t    *idl = load_file("sample.idl", &len);
	HdError		err;
	HdDecoder  *d;
	Cdr			c;
	int			i;

	d = idl ? compile("cdr", "ros2idl", "hdaq_test/msg/Sample", idl, len, &err) : NULL;
	check(d != NULL, "ros2idl: sample.idl compiles%s%s", d ? "" : ": ", d ? "" : err.message);
	free(idl);
	if (d == NULL)
		return;
	cdr_init(&c, false);
	cdr_uint(&c, 1, 1);			/* flag */
	cdr_uint(&c, 200, 1);		/* b */
	cdr_uint(&c, 0x80, 1);		/* i8 */
	cdr_uint(&c, 65535, 2);
	cdr_uint(&c, (uint64_t) (int64_t) -7, 4);
	cdr_uint(&c, UINT64_MAX, 8);
	cdr_uint(&c, bits_f32(0.25f), 4);
	cdr_uint(&c, bits_f64(-1e300), 8);
	cdr_str(&c, "s");
	cdr_str(&c, "bounded");
	for (i = 0; i < 3; i++)
		cdr_uint(&c, bits_f64(i), 8);
	cdr_uint(&c, 0, 4);			/* seq: empty */
	cdr_uint(&c, 2, 4);			/* bounded_seq */
	put_raw(&c.b, "\x01\x02", 2);
	cdr_uint(&c, 1, 4);			/* points */
	cdr_uint(&c, bits_f64(1), 8);
	cdr_uint(&c, bits_f32(2), 4);
	cdr_uint(&c, 3, 1);
	for (i = 0; i < 2; i++)		/* pair */
	{
		cdr_uint(&c, bits_f64(4), 8);
		cdr_uint(&c, bits_f32(5), 4);
		cdr_uint(&c, 6 + i, 1);
	}
	cdr_uint(&c, 1, 4);			/* names */
	cdr_str(&c, "n");
	cdr_uint(&c, 9, 8);			/* ull */
	cdr_uint(&c, (uint64_t) (int64_t) -3, 4);	/* l */
	cdr_uint(&c, 0xfffe, 2);	/* sh */
	cdr_uint(&c, 'A', 1);		/* c */
	check_str(json_of(d, c.b.d, c.b.n),
			  "{\"flag\":true,\"b\":200,\"i8\":-128,\"u16\":65535,\"i32\":-7,\"u64\":18446744073709551615,"
			  "\"f32\":0.25,\"f64\":-1e+300,\"s\":\"s\",\"bounded_s\":\"bounded\",\"fixed\":[0,1,2],"
			  "\"seq\":[],\"bounded_seq\":[1,2],\"points\":[{\"x\":1,\"y\":2,\"z\":3}],"
			  "\"pair\":[{\"x\":4,\"y\":5,\"z\":6},{\"x\":4,\"y\":5,\"z\":7}],\"names\":[\"n\"],"
			  "\"ull\":9,\"l\":-3,\"sh\":-2,\"c\":65}",
			  "ros2idl: modules, typedef arrays, sequences, bounded strings, IDL integer names");
	check_extract(d, "pair[1].z", c.b.d, c.b.n, 7);
	check_path_error(d, "pair[1].w", "did you mean \"x\", \"y\", \"z\"");
	hd_decoder_free(d);

	check(compile("cdr", "ros2idl", "p/msg/U", union_idl, strlen(union_idl), &err) == NULL &&
		  err.code == HD_ERR_UNSUPPORTED, "ros2idl: unions are unsupported");
	d = compile("cdr", "ros2idl", "p/msg/T", enum_idl, strlen(enum_idl), &err);
	check(d != NULL, "ros2idl: enums, sequence typedefs, several declarators%s%s", d ? "" : ": ", d ? "" : err.message);
	if (d != NULL)
	{
		cdr_init(&c, true);
		cdr_uint(&c, 1, 4);
		cdr_uint(&c, 1, 4);
		cdr_uint(&c, bits_f64(2.5), 8);
		cdr_uint(&c, 0, 4);
		cdr_uint(&c, 3, 2);
		cdr_uint(&c, 4, 2);
		check_str(json_of(d, c.b.d, c.b.n), "{\"c\":1,\"t\":[2.5],\"c2\":0,\"us\":3,\"us2\":4}",
				  "ros2idl: big-endian message of the enum schema");
		hd_decoder_free(d);
	}
	check(compile("cdr", "ros2idl", "p/msg/T", "module p { struct T { long a; };", 32, &err) == NULL &&
		  err.code == HD_ERR_SCHEMA, "ros2idl: unbalanced braces are a schema error");
}

/* ----------
 * ROS 1
 * ----------
 */
static void
test_ros1(void)
{
	static const char schema[] =
		"Header header\ntime t\nduration d\nbyte b\nchar c\nint16[] v\nstring s\nPoint[2] pts\n"
		"bool B=1\n"
		"================================================================================\n"
		"MSG: geometry_msgs/Point\nfloat64 x\n";
	HdError		err;
	HdDecoder  *d = compile("ros1", "ros1msg", "p/T", schema, strlen(schema), &err);
	Buf			m = {0};
	uint32_t	u;
	int16_t		s16;
	double		x;

	check(d != NULL, "ros1: schema with Header, time, duration%s%s", d ? "" : ": ", d ? "" : err.message);
	if (d == NULL)
		return;
#define PUT32(v) (u = (uint32_t) (v), put_raw(&m, &u, 4))
	PUT32(1);					/* header.seq */
	PUT32(2);
	PUT32(3);
	PUT32(1);
	put_byte(&m, 'f');
	PUT32(4);					/* t */
	PUT32(5);
	PUT32(-1);					/* d */
	PUT32(-2);
	put_byte(&m, 0xff);			/* byte: int8 in ROS 1 */
	put_byte(&m, 0xff);			/* char: uint8 */
	PUT32(2);
	s16 = 1;
	put_raw(&m, &s16, 2);
	s16 = -1;
	put_raw(&m, &s16, 2);
	PUT32(2);
	put_raw(&m, "ok", 2);
	x = 0.5;
	put_raw(&m, &x, 8);
	x = -2;
	put_raw(&m, &x, 8);
#undef PUT32
	check_str(json_of(d, m.d, m.n),
			  "{\"header\":{\"seq\":1,\"stamp\":{\"sec\":2,\"nsec\":3},\"frame_id\":\"f\"},"
			  "\"t\":{\"sec\":4,\"nsec\":5},\"d\":{\"sec\":-1,\"nsec\":-2},\"b\":-1,\"c\":255,"
			  "\"v\":[1,-1],\"s\":\"ok\",\"pts\":[{\"x\":0.5},{\"x\":-2}]}",
			  "ros1: packed little endian, time and duration, strings without NUL");
	check_prefixes(d, m.d, m.n, "ros1 message");
	check_extract(d, "header.stamp.nsec", m.d, m.n, 3);
	check_extract(d, "pts[1].x", m.d, m.n, -2);
	check_extract(d, "d.sec", m.d, m.n, -1);
	check_path_error(d, "header.stamp.nanosec", "did you mean \"nsec\"");
	hd_decoder_free(d);

	/* 4096 x 4096 empty structs in 0 bytes: the work is bounded */
	d = compile("ros1", "ros1msg", "p/T", "E[4096] a\n===\nMSG: p/E\nF[4096] f\n===\nMSG: p/F\n",
				45, &err);
	check(d != NULL && decode_rc(d, (const uint8_t *) "", 0) == HD_ERR_MALFORMED,
		  "ros1: a schema expanding a message to millions of values is stopped");
	hd_decoder_free(d);

	/* 2,222,121 empty structs in 12 bytes: stopped by the message's length */
	d = compile("ros1", "ros1msg", "p/T", "E[2222121] a\n===\nMSG: p/E\n", 26, &err);
	check(d != NULL && decode_rc(d, (const uint8_t *) "abcdefghijkl", 12) == HD_ERR_MALFORMED,
		  "ros1: an array of empty structs is bounded by the message's length");
	hd_decoder_free(d);

	/* a fuzzer's schema: int32[2222121] over a 12-byte message */
	d = compile("ros1", "ros1msg", "p/T", "int32[2222121] a\n===\nMSG:]/T int32", 34, &err);
	check(d == NULL || decode_rc(d, (const uint8_t *) "abcdefghijkl", 12) == HD_ERR_TRUNCATED,
		  "ros1: a fixed array longer than the message is truncated at once");
	hd_decoder_free(d);
}

/* ----------
 * Real messages: samples.stream against samples.jsonl
 * ----------
 */
static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t) p[0] | ((uint32_t) p[1] << 8) | ((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

static char *
frame_string(const uint8_t **p, uint32_t *len)
{
	char	   *s;

	*len = le32(*p);
	s = malloc(*len + 1);
	memcpy(s, *p + 4, *len);
	s[*len] = '\0';
	*p += 4 + *len;
	return s;
}

static void
test_samples(void)
{
	size_t		slen,
				jlen,
				pos = 0;
	uint8_t    *stream = load_file("samples.stream", &slen);
	uint8_t    *golden = load_file("samples.jsonl", &jlen);
	char	   *line = golden ? (char *) golden : NULL;
	HdDecoder  *d = NULL;
	HdError		compile_err;
	char	   *name = NULL;
	int			messages = 0,
				mismatches = 0,
				schemas = 0;

	check(stream != NULL && golden != NULL, "samples: fixtures found");
	if (stream == NULL || golden == NULL)
		return;
	while (pos + 5 <= slen)
	{
		const uint8_t *p = stream + pos + 5;
		uint32_t	size = le32(stream + pos + 1);

		if (stream[pos] == 'S')
		{
			uint32_t	l1,
						l2,
						l3,
						l4;
			char	   *enc,
					   *senc,
					   *data;

			if (d != NULL || name != NULL)
				check(mismatches == 0, "samples: %s (%d messages) as expected", name, messages);
			hd_decoder_free(d);
			free(name);
			p += 4;
			enc = frame_string(&p, &l1);
			senc = frame_string(&p, &l2);
			name = frame_string(&p, &l3);
			data = frame_string(&p, &l4);
			d = hd_decoder_compile(enc, senc, name, (const uint8_t *) data, l4, &compile_err);
			free(enc);
			free(senc);
			free(data);
			messages = mismatches = 0;
			schemas++;
		}
		else
		{
			char	   *nl = strchr(line, '\n');
			char		failure[HD_ERROR_MESSAGE_SIZE + 32];
			const char *got = failure;

			*nl = '\0';
			if (d != NULL)
				got = json_of(d, p + 4, size - 4);
			else
				snprintf(failure, sizeof(failure), "!%s: %s",
						 hd_error_code_name(compile_err.code), compile_err.message);
			if (strcmp(got, line) != 0)
			{
				if (mismatches == 0)
					printf("#   got:  %.200s\n#   want: %.200s\n", got, line);
				mismatches++;
			}
			messages++;
			line = nl + 1;
		}
		pos += 5 + size;
	}
	check(mismatches == 0, "samples: %s (%d messages) as expected", name, messages);
	check(schemas >= 20, "samples: %d real schemas replayed", schemas);
	hd_decoder_free(d);
	free(name);
	free(stream);
	free(golden);
}

/* ----------
 * Inputs found by fuzzing (test/fuzz), replayed as fuzz_decode_schema does
 * ----------
 */
static void
replay_schema_input(const char *file)
{
	static const char *const encodings[][2] = {
		{"protobuf", "protobuf"}, {"json", "jsonschema"}, {"cdr", "ros2msg"},
		{"cdr", "ros2idl"}, {"ros1", "ros1msg"},
	};
	static const char *const texts[] = {"a", "a.b", "a[0]", "x[\"k\"].y"};
	char		path[256];
	char		name[256];
	size_t		len,
				i;
	uint8_t    *data;
	HdDecoder  *d;
	HdError		err;
	bool		ok = true;

	snprintf(path, sizeof(path), "fuzz-regress/%s", file);
	data = load_file(path, &len);
	if (data == NULL || len < 2 || len < 2u + data[1])
	{
		check(false, "fuzz regression %s: readable", file);
		free(data);
		return;
	}
	memcpy(name, data + 2, data[1]);
	name[data[1]] = '\0';
	d = hd_decoder_compile(encodings[data[0] % 5][0], encodings[data[0] % 5][1], name,
						   data + 2 + data[1], len - 2 - data[1], &err);
	if (d == NULL)
		ok = err.message[0] != '\0';
	for (i = 0; d != NULL && i < sizeof(texts) / sizeof(texts[0]); i++)
	{
		HdPath	   *p = hd_path_compile(d, texts[i], &err);
		double		v;
		bool		found;

		if (p != NULL)
			hd_extract_number(d, p, (const uint8_t *) "{\"a\":[1]}", 9, &v, &found, &err);
		hd_path_free(p);
	}
	if (d != NULL)
		json_of(d, (const uint8_t *) "\x00\x01\x00\x00\x01", 5);
	check(ok, "fuzz regression %s: %s", file, d ? "compiles, paths and decode run" : err.message);
	hd_decoder_free(d);
	free(data);
}

static void
test_fuzz_regressions(void)
{
	static const char *const files[] = {
		"schema-jsonschema-names-freed",	/* names of a compiled JSON schema were freed */
		"schema-ros2idl-no-final-newline",	/* IDL without final newline: 1-byte overflow */
		"schema-protobuf-empty-set",	/* qsort(NULL, 0): undefined behaviour */
	};
	size_t		i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		replay_schema_input(files[i]);
}

/* ----------
 * Compiled protobuf paths against the generic walk
 *
 * Random messages built from a schema (fields out of order or repeated,
 * packed and unpacked runs, wrong wire types, unknown fields and groups,
 * oneof members, map entries with missing or repeated keys), the real
 * sample messages, their truncations at every byte and random corruptions:
 * for every numeric leaf path of the schema, hd_extract_number (compiled
 * form) and the visitor walk give the same result, error and value.
 * ----------
 */
typedef struct Bytes
{
	uint8_t    *d;
	size_t		n;
	size_t		cap;
} Bytes;

typedef struct DiffStats
{
	long		compared;
	long		found;
	long		errors;
	long		compiled;
	long		mismatches;
	long		multi;
} DiffStats;

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int
rng_below(int n)
{
	return (int) (rng() % (uint64_t) n);
}

static void
b_raw(Bytes *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->n + n > b->cap)
	{
		b->cap = (b->n + n) * 2 + 64;
		b->d = realloc(b->d, b->cap);
	}
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void
b_varint(Bytes *b, uint64_t v)
{
	uint8_t		c;

	while (v >= 0x80)
	{
		c = (uint8_t) (v | 0x80);
		b_raw(b, &c, 1);
		v >>= 7;
	}
	c = (uint8_t) v;
	b_raw(b, &c, 1);
}

static void
b_tag(Bytes *b, uint32_t number, int wt)
{
	b_varint(b, ((uint64_t) number << 3) | (uint64_t) wt);
}

static void
b_len(Bytes *b, uint32_t number, const Bytes *sub)
{
	b_tag(b, number, 2);
	b_varint(b, sub->n);
	if (sub->n > 0)
		b_raw(b, sub->d, sub->n);
}

/* Bits for a scalar value: small, large, negative, extreme or special */
static uint64_t
random_bits(void)
{
	static const uint64_t special[] = {
		0, 1, 2, 3, 127, 128, 300, 0xffffffffu, 0x80000000u, UINT64_MAX,
		(uint64_t) INT64_MIN, 0x7ff8000000000001u, 0x7fc00001u, 0x3ff0000000000000u,
		0x3f800000u, 0xfff0000000000000u, 0x7f800000u, 5, 7,
	};

	if (rng_below(3) == 0)
		return rng() >> rng_below(64);
	return special[rng_below((int) (sizeof(special) / sizeof(special[0])))];
}

/* One value of field type type, with its proper wire type */
static void
put_scalar(Bytes *b, int type, uint64_t bits)
{
	uint32_t	b32 = (uint32_t) bits;

	switch (type)
	{
		case T_DOUBLE:
		case T_FIXED64:
		case T_SFIXED64:
			b_raw(b, &bits, 8);
			break;
		case T_FLOAT:
		case T_FIXED32:
		case T_SFIXED32:
			b_raw(b, &b32, 4);
			break;
		default:
			b_varint(b, bits);
			break;
	}
}

static int
wire_of(int type)
{
	switch (type)
	{
		case T_DOUBLE:
		case T_FIXED64:
		case T_SFIXED64:
			return 1;
		case T_FLOAT:
		case T_FIXED32:
		case T_SFIXED32:
			return 5;
		case T_STRING:
		case T_BYTES:
		case T_MESSAGE:
			return 2;
		default:
			return 0;
	}
}

static void gen_message(Bytes *b, const PbMessage *m, int depth);

/* A key or a string: short, from a small set so that paths meet them */
static uint64_t
random_key_bits(void)
{
	static const uint64_t keys[] = {0, 1, 2, 5, 7, (uint64_t) (int64_t) -1, 99, 3};

	return keys[rng_below(8)];
}

static void
put_string_value(Bytes *b, uint32_t number)
{
	static const char *const strs[] = {"a", "b", "", "zz", "k", "0"};
	const char *s = strs[rng_below(6)];
	Bytes		sub = {0};

	b_raw(&sub, s, strlen(s));
	b_len(b, number, &sub);
	free(sub.d);
}

/* One occurrence of a non-repeated value of field f (as field number) */
static void
put_value(Bytes *b, const PbField *f, uint32_t number, int depth)
{
	Bytes		sub = {0};

	if (f->type == T_MESSAGE)
	{
		if (depth < 2 || rng_below(3) == 0)
			gen_message(&sub, f->message, depth + 1);
		b_len(b, number, &sub);
		free(sub.d);
	}
	else if (f->type == T_STRING || f->type == T_BYTES)
		put_string_value(b, number);
	else
	{
		b_tag(b, number, wire_of(f->type));
		put_scalar(b, f->type, f->type == T_BOOL && rng_below(2) ? (uint64_t) rng_below(3) : random_bits());
	}
}

static void
put_map_entry(Bytes *b, const PbField *f, int depth)
{
	const PbField *kf = &f->message->fields[0];
	const PbField *vf = &f->message->fields[1];
	Bytes		e = {0};
	int			parts = rng_below(4);
	int			i;

	for (i = 0; i < 2 + (parts == 3); i++)
	{
		if (i != 1 && parts == 0)
			continue;			/* no key */
		if ((i == 1) != (parts == 1))
		{
			if (kf->type == T_STRING)
				put_string_value(&e, 1);
			else
			{
				b_tag(&e, 1, wire_of(kf->type));
				put_scalar(&e, kf->type, random_key_bits());
			}
		}
		else if (parts != 2)
			put_value(&e, vf, 2, depth);
	}
	b_len(b, f->number, &e);
	free(e.d);
}

/* Elements of a repeated field, in packed and unpacked occurrences */
static void
put_repeated(Bytes *b, const PbField *f, int depth)
{
	int			n = rng_below(f->type == T_MESSAGE && depth > 0 ? 3 : 7);
	int			i = 0;

	while (i < n)
	{
		if (f->is_map)
			put_map_entry(b, f, depth);
		else if (f->packable && rng_below(2))
		{
			Bytes		run = {0};
			int			k = 1 + rng_below(4);

			while (k-- > 0 && i < n)
			{
				put_scalar(&run, f->type, random_bits());
				i++;
			}
			b_len(b, f->number, &run);
			free(run.d);
			continue;
		}
		else
			put_value(b, f, f->number, depth);
		i++;
	}
}

/* Noise: an unknown field, a group, or a field under a wrong wire type */
static void
put_noise(Bytes *b, const PbMessage *m)
{
	uint32_t	number = m->nfields > 0 && rng_below(2) ?
		m->fields[rng_below(m->nfields)].number : 1000 + (uint32_t) rng_below(50);

	switch (rng_below(4))
	{
		case 0:
			b_tag(b, number, 0);
			b_varint(b, random_bits());
			break;
		case 1:
			b_tag(b, number, 5);
			b_raw(b, "\x01\x02\x03\x04", 4);
			break;
		case 2:
			b_tag(b, number, 1);
			b_raw(b, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
			break;
		default:
			b_tag(b, number, 3);
			b_tag(b, 1, 0);
			b_varint(b, 5);
			b_tag(b, number, 4);
			break;
	}
}

static void
gen_message(Bytes *b, const PbMessage *m, int depth)
{
	Bytes	   *chunks;
	int			nchunks = 0,
				i;
	bool		shuffle = rng_below(3) == 0;

	if (depth > 4 || m == NULL)
		return;
	chunks = calloc((size_t) m->nfields * 3 + 4, sizeof(Bytes));
	for (i = 0; i < m->nfields; i++)
	{
		const PbField *f = &m->fields[i];
		int			times;

		if (rng_below(4) == 0 || (f->oneof >= 0 && rng_below(2)))
			continue;
		times = rng_below(6) == 0 ? 2 + rng_below(2) : 1;
		if (f->repeated)
			times = rng_below(3) == 0 ? 2 : 1;
		while (times-- > 0)
		{
			if (f->repeated)
				put_repeated(&chunks[nchunks], f, depth);
			else
				put_value(&chunks[nchunks], f, f->number, depth);
			nchunks++;
		}
	}
	for (i = rng_below(3); i > 0; i--)
		put_noise(&chunks[nchunks++], m);
	for (i = 0; shuffle && i < nchunks; i++)
	{
		int			j = rng_below(nchunks);
		Bytes		t = chunks[i];

		chunks[i] = chunks[j];
		chunks[j] = t;
	}
	for (i = 0; i < nchunks; i++)
	{
		if (chunks[i].n > 0)
			b_raw(b, chunks[i].d, chunks[i].n);
		free(chunks[i].d);
	}
	free(chunks);
}

/* ---- the numeric leaf paths of a schema ---- */
typedef struct PathList
{
	char	  **texts;
	int			n;
	int			cap;
} PathList;

static void
add_path(PathList *l, const char *text)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap * 2 + 64;
		l->texts = realloc(l->texts, sizeof(char *) * (size_t) l->cap);
	}
	l->texts[l->n++] = strdup(text);
}

static void list_paths(PathList *l, const PbMessage *m, const char *prefix, int depth);

/* The paths under one value of type f (an element, a map value, a field) */
static void
list_value_paths(PathList *l, const PbField *f, const char *text, int depth)
{
	if (f->type == T_MESSAGE)
		list_paths(l, f->message, text, depth + 1);
	else if (f->type != T_STRING && f->type != T_BYTES)
		add_path(l, text);
}

static void
list_paths(PathList *l, const PbMessage *m, const char *prefix, int depth)
{
	static const char *const skeys[] = {"a", "b", "", "zz"};
	static const char *const ikeys[] = {"0", "1", "5", "-1", "99", "18446744073709551615"};
	static const char *const bkeys[] = {"true", "false"};
	char		text[512];
	int			i,
				k;

	if (depth > 3 || l->n > 4000)
		return;
	for (i = 0; i < m->nfields; i++)
	{
		const PbField *f = &m->fields[i];

		snprintf(text, sizeof(text), "%s%s%s", prefix, *prefix ? "." : "", f->name);
		if (f->is_map)
		{
			const PbField *kf = &f->message->fields[0];
			const char *const *keys = kf->type == T_STRING ? skeys : kf->type == T_BOOL ? bkeys : ikeys;
			int			nkeys = kf->type == T_STRING ? 4 : kf->type == T_BOOL ? 2 : 6;

			for (k = 0; k < nkeys; k++)
			{
				char		sub[600];

				snprintf(sub, sizeof(sub), "%s[\"%s\"]", text, keys[k]);
				list_value_paths(l, &f->message->fields[1], sub, depth);
			}
		}
		else if (f->repeated)
		{
			for (k = 0; k <= 4; k++)
			{
				char		sub[600];

				snprintf(sub, sizeof(sub), "%s[%d]", text, k == 4 ? 50 : k);
				if (f->type != T_MESSAGE || k < 2 || k == 4)
					list_value_paths(l, f, sub, depth);
			}
		}
		else
			list_value_paths(l, f, text, depth);
	}
}

/* ---- comparing ---- */
static bool
same_number(double a, double b)
{
	return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof(double)) == 0;
}

/* One path on one message: compiled form and walk agree */
static void
diff_one(const HdDecoder *d, const HdPath *p, const char *text,
		 const uint8_t *msg, size_t len, DiffStats *st)
{
	double		v1 = -1,
				v2 = -2;
	bool		f1 = true,
				f2 = false;
	HdError		e1,
				e2;
	int			rc1,
				rc2;

	rc1 = hd_extract_number(d, p, msg, len, &v1, &f1, &e1);
	rc2 = hd_extract_numbers_walk(d, &p, 1, msg, len, &v2, &f2, &e2);
	st->compared++;
	if (rc1 == HD_OK && f1)
		st->found++;
	if (rc1 != HD_OK)
		st->errors++;
	if (rc1 == rc2 && f1 == f2 && same_number(v1, v2) &&
		(rc1 == HD_OK ||
		 (e1.code == e2.code && e1.offset == e2.offset &&
		  strcmp(e1.message, e2.message) == 0)))
		return;
	if (st->mismatches++ < 10)
		printf("#   %s (%zu bytes): compiled rc %d found %d %.17g \"%s\"; walk rc %d found %d %.17g \"%s\"\n",
			   text, len, rc1, f1, v1, rc1 ? e1.message : "", rc2, f2, v2,
			   rc2 ? e2.message : "");
}

/*
 * All paths at once, in one pass: each gets what it gets alone, and the
 * pass fails exactly when some path alone fails.  When the walk of all
 * paths succeeds, so does the pass, with the same values (on a broken
 * message the walk of several paths can fail where each path alone
 * succeeds).
 */
static void
diff_multi(const HdDecoder *d, HdPath **paths, int npaths, const uint8_t *msg,
		   size_t len, DiffStats *st)
{
	static double v1[HD_MAX_PATHS],
				v2[HD_MAX_PATHS];
	static bool f1[HD_MAX_PATHS],
				f2[HD_MAX_PATHS];
	int			start,
				i;

	for (start = 0; start < npaths; start += HD_MAX_PATHS)
	{
		int			n = npaths - start < HD_MAX_PATHS ? npaths - start : HD_MAX_PATHS;
		const HdPath *const *ps = (const HdPath *const *) paths + start;
		int			rc1 = hd_extract_numbers(d, ps, n, msg, len, v1, f1, NULL);
		int			rc2;
		bool		any_error = false,
					ok = true;

		for (i = 0; i < n; i++)
		{
			double		v = 0;
			bool		f = false;

			if (hd_extract_number(d, ps[i], msg, len, &v, &f, NULL) != HD_OK)
				any_error = true;
			else if (rc1 == HD_OK && (f != f1[i] || !same_number(v, v1[i])))
				ok = false;
		}
		ok = ok && any_error == (rc1 != HD_OK);
		rc2 = hd_extract_numbers_walk(d, ps, n, msg, len, v2, f2, NULL);
		if (rc2 == HD_OK)
		{
			ok = ok && rc1 == HD_OK;
			for (i = 0; ok && i < n; i++)
				ok = f1[i] == f2[i] && same_number(v1[i], v2[i]);
		}
		st->multi++;
		if (!ok && st->mismatches++ < 10)
			printf("#   %d paths at once (%zu bytes): compiled rc %d, walk rc %d, differ\n",
				   n, len, rc1, rc2);
	}
}

/*
 * Every stride-th path (from first) on one message, copied to its exact
 * size (ASan sees overreads), and all paths at once
 */
static void
diff_message(const HdDecoder *d, HdPath **paths, char **texts, int npaths,
			 const uint8_t *msg, size_t len, int first, int stride,
			 DiffStats *st)
{
	uint8_t    *copy = malloc(len ? len : 1);
	int			i;

	if (len > 0)
		memcpy(copy, msg, len);
	for (i = first % stride; i < npaths; i += stride)
		diff_one(d, paths[i], texts[i], copy, len, st);
	if (stride == 1)
		diff_multi(d, paths, npaths, copy, len, st);
	free(copy);
}

/* Keep at most max of the paths, picked at random */
static void
sample_paths(PathList *l, int max)
{
	while (l->n > max)
	{
		int			i = rng_below(l->n);

		free(l->texts[i]);
		l->texts[i] = l->texts[--l->n];
	}
}

/* Flip, drop or insert a few bytes */
static size_t
corrupt(uint8_t *m, size_t len, size_t cap)
{
	int			n = 1 + rng_below(3);

	while (n-- > 0 && len > 0)
	{
		size_t		at = (size_t) rng_below((int) len);

		switch (rng_below(3))
		{
			case 0:
				m[at] ^= (uint8_t) (1 + rng_below(255));
				break;
			case 1:
				memmove(m + at, m + at + 1, len - at - 1);
				len--;
				break;
			default:
				if (len < cap)
				{
					memmove(m + at + 1, m + at, len - at);
					m[at] = (uint8_t) rng();
					len++;
				}
				break;
		}
	}
	return len;
}

/*
 * One schema: its leaf paths on nrandom random messages (each also
 * corrupted, a few also cut at every byte) and on the given real ones.
 */
static void
diff_schema(const HdDecoder *d, const char *name, int nrandom,
			const uint8_t *const *real, const size_t *real_len, int nreal,
			DiffStats *total)
{
	PathList	l = {0};
	HdPath	  **paths;
	DiffStats	st = {0};
	int			i,
				np = 0,
				cut_stride;

	list_paths(&l, (const PbMessage *) d->root, "", 0);
	sample_paths(&l, 400);
	paths = calloc((size_t) l.n + 1, sizeof(HdPath *));
	for (i = 0; i < l.n; i++)
	{
		HdError		err;
		HdPath	   *p = hd_path_compile(d, l.texts[i], &err);

		if (p == NULL)
		{
			printf("#   %s: path %s: %s\n", name, l.texts[i], err.message);
			st.mismatches++;
			free(l.texts[i]);
			continue;
		}
		if (hd_path_is_compiled(p))
			st.compiled++;
		l.texts[np] = l.texts[i];
		paths[np++] = p;
	}
	/* cut messages: every byte, a share of the paths at each */
	cut_stride = np > 40 ? np / 40 : 1;
	for (i = 0; i < nreal; i++)
	{
		size_t		k;

		diff_message(d, paths, l.texts, np, real[i], real_len[i], 0, 1, &st);
		for (k = 0; k < real_len[i]; k++)
			diff_message(d, paths, l.texts, np, real[i], k, (int) k, cut_stride, &st);
	}
	for (i = 0; i < nrandom; i++)
	{
		Bytes		m = {0};
		size_t		k,
					len;

		gen_message(&m, (const PbMessage *) d->root, 0);
		diff_message(d, paths, l.texts, np, m.d, m.n, 0, 1, &st);
		if (i < 6)
			for (k = 0; k < m.n; k++)
				diff_message(d, paths, l.texts, np, m.d, k, (int) k, cut_stride, &st);
		b_raw(&m, "\0\0\0\0", 4);
		len = corrupt(m.d, m.n - 4, m.n);
		diff_message(d, paths, l.texts, np, m.d, len, 0, 1, &st);
		free(m.d);
	}
	check(st.mismatches == 0 && st.compiled == np,
		  "compiled paths = walk: %s, %d paths (%ld compiled), %ld comparisons (%ld found, %ld errors), %ld multi-path",
		  name, np, st.compiled, st.compared, st.found, st.errors, st.multi);
	for (i = 0; i < np; i++)
	{
		hd_path_free(paths[i]);
		free(l.texts[i]);
	}
	free(l.texts);
	free(paths);
	total->compared += st.compared;
	total->found += st.found;
	total->errors += st.errors;
	total->mismatches += st.mismatches;
}

/*
 * Many paths at once: up to HD_MAX_PATHS / 2 leaves of a schema, each given
 * twice, in random order, so that a level has several paths per field, and
 * oneof members and nested levels shared by many paths.  On random messages
 * of the schema each path gets exactly what it gets alone (diff_multi).
 */
static void
many_paths_schema(const HdDecoder *d, const char *name, int min_paths)
{
	PathList	l = {0};
	HdPath	  **paths = calloc(HD_MAX_PATHS, sizeof(HdPath *));
	DiffStats	st = {0};
	long		found = 0;
	int			distinct = 0,
				np,
				i;

	list_paths(&l, (const PbMessage *) d->root, "", 0);
	sample_paths(&l, HD_MAX_PATHS / 2);
	for (i = 0; i < l.n; i++)
	{
		HdError		err;
		HdPath	   *p = hd_path_compile(d, l.texts[i], &err);

		if (p != NULL && hd_path_is_compiled(p))
			paths[distinct++] = p;
		else
			hd_path_free(p);
		free(l.texts[i]);
	}
	free(l.texts);
	np = 2 * distinct;
	for (i = 0; i < distinct; i++)
		paths[distinct + i] = paths[i];
	for (i = np - 1; i > 0; i--)
	{
		int			j = rng_below(i + 1);
		HdPath	   *t = paths[i];

		paths[i] = paths[j];
		paths[j] = t;
	}
	for (i = 0; i < 60; i++)
	{
		Bytes		m = {0};
		static double out[HD_MAX_PATHS];
		static bool got[HD_MAX_PATHS];

		gen_message(&m, (const PbMessage *) d->root, 0);
		diff_multi(d, paths, np, m.d, m.n, &st);
		if (hd_extract_numbers(d, (const HdPath *const *) paths, np, m.d, m.n,
							   out, got, NULL) == HD_OK)
			for (int k = 0; k < np; k++)
				found += got[k];
		free(m.d);
	}
	check(np >= min_paths && st.mismatches == 0 && st.multi == 60 &&
		  found > 0,
		  "many paths at once = each alone: %s, %d paths (%d distinct) (%ld values found over %ld passes)",
		  name, np, distinct, found, st.multi);
	/* each path is in the list twice: free the distinct ones */
	for (i = 0; i < np; i++)
	{
		int			j;

		for (j = 0; j < i && paths[j] != paths[i]; j++)
			;
		if (j == i)
			hd_path_free(paths[i]);
	}
	free(paths);
}

static void
test_many_paths(void)
{
	size_t		len;
	uint8_t    *set = load_file("hytech_msgs_McapInfo_FileDescriptorSet_2026-03.bin", &len);
	HdError		err;
	HdDecoder  *d;
	Buf			nested;

	d = set ? compile("protobuf", "protobuf", "hytech_msgs.VehicleData", set, len, &err) : NULL;
	check(d != NULL, "many paths: VehicleData compiles");
	if (d != NULL)
		many_paths_schema(d, "hytech_msgs.VehicleData", 100);
	hd_decoder_free(d);
	free(set);
	build_nested_schema(&nested);
	d = compile("protobuf", "protobuf", "n.N", nested.d, nested.n, &err);
	check(d != NULL, "many paths: nested map schema compiles");
	if (d != NULL)
		many_paths_schema(d, "n.N (maps, oneof, recursion)", 100);
	hd_decoder_free(d);
}

/* Messages of one schema of samples.stream, and the schema */
typedef struct SampleSet
{
	char	   *name;
	uint8_t    *schema;
	size_t		schema_len;
	const uint8_t *msgs[8];
	size_t		lens[8];
	int			n;
} SampleSet;

/* The protobuf schemas of samples.stream with their messages */
static int
read_protobuf_samples(const uint8_t *stream, size_t slen, SampleSet *sets, int max)
{
	size_t		pos = 0;
	int			n = 0;
	bool		in_protobuf = false;

	while (pos + 5 <= slen)
	{
		const uint8_t *p = stream + pos + 5;
		uint32_t	size = le32(stream + pos + 1);

		if (stream[pos] == 'S')
		{
			uint32_t	l1,
						l2,
						l3,
						l4;
			char	   *enc,
					   *senc,
					   *name,
					   *data;

			p += 4;
			enc = frame_string(&p, &l1);
			senc = frame_string(&p, &l2);
			name = frame_string(&p, &l3);
			data = frame_string(&p, &l4);
			in_protobuf = strcmp(enc, "protobuf") == 0 && n < max;
			if (in_protobuf)
			{
				sets[n].name = name;
				sets[n].schema = (uint8_t *) data;
				sets[n].schema_len = l4;
				sets[n].n = 0;
				n++;
			}
			else
			{
				free(name);
				free(data);
			}
			free(enc);
			free(senc);
		}
		else if (in_protobuf && sets[n - 1].n < 8)
		{
			sets[n - 1].msgs[sets[n - 1].n] = p + 4;
			sets[n - 1].lens[sets[n - 1].n++] = size - 4;
		}
		pos += 5 + size;
	}
	return n;
}

static void
diff_file_schema(const char *file, const char *name, int nrandom, DiffStats *st)
{
	size_t		len;
	uint8_t    *set = load_file(file, &len);
	HdError		err;
	HdDecoder  *d = set ? compile("protobuf", "protobuf", name, set, len, &err) : NULL;

	check(d != NULL, "compiled paths: schema %s of %s", name, file);
	if (d != NULL)
		diff_schema(d, name, nrandom, NULL, NULL, 0, st);
	hd_decoder_free(d);
	free(set);
}

/*
 * package n;
 * message N {
 *   map<string, N> sub = 1; repeated int32 r = 2; N child = 3; int32 v = 4;
 *   oneof o { int32 oa = 5; N om = 6; }  map<int32, N> isub = 7;
 * }
 * (map values that are messages, so that a path through an entry can end
 * without a number and the next entry with the same key be tried)
 */
static void
build_nested_schema(Buf *set)
{
	Buf			file = {0},
				msg = {0},
				entry = {0},
				ientry = {0},
				opts = {0},
				oneof = {0};

	set->n = 0;
	put_str(&file, 1, "n.proto");
	put_str(&file, 2, "n");
	put_str(&msg, 1, "N");
	desc_field(&msg, "sub", 1, REP, T_MESSAGE, ".n.N.SubEntry", -1);
	desc_field(&msg, "r", 2, REP, T_INT32, NULL, -1);
	desc_field(&msg, "child", 3, OPT, T_MESSAGE, ".n.N", -1);
	desc_field(&msg, "v", 4, OPT, T_INT32, NULL, -1);
	desc_field(&msg, "oa", 5, OPT, T_INT32, NULL, 0);
	desc_field(&msg, "om", 6, OPT, T_MESSAGE, ".n.N", 0);
	desc_field(&msg, "isub", 7, REP, T_MESSAGE, ".n.N.IsubEntry", -1);
	put_tag(&opts, 7, 0);
	put_varint(&opts, 1);
	put_str(&entry, 1, "SubEntry");
	desc_field(&entry, "key", 1, OPT, T_STRING, NULL, -1);
	desc_field(&entry, "value", 2, OPT, T_MESSAGE, ".n.N", -1);
	put_sub(&entry, 7, &opts);
	put_sub(&msg, 3, &entry);
	put_str(&ientry, 1, "IsubEntry");
	desc_field(&ientry, "key", 1, OPT, T_SINT32, NULL, -1);
	desc_field(&ientry, "value", 2, OPT, T_MESSAGE, ".n.N", -1);
	put_sub(&ientry, 7, &opts);
	put_sub(&msg, 3, &ientry);
	put_str(&oneof, 1, "o");
	put_sub(&msg, 8, &oneof);
	put_sub(&file, 4, &msg);
	put_str(&file, 12, "proto3");
	put_sub(set, 1, &file);
}

static void
test_compiled_paths(void)
{
	static const struct
	{
		const char *file;
		const char *name;
	}			schemas[] = {
		{"alltypes.fds", "hdaq.test.Everything"},
		{"alltypes.fds", "hdaq.test.Scalars"},
		{"alltypes.fds", "hdaq.test.Repeated"},
		{"alltypes.fds", "hdaq.test.Maps"},
		{"alltypes.fds", "hdaq.test.Tree"},
		{"alltypes2.fds", "hdaq.test2.Legacy"},
		{"hytech_msgs_McapInfo_FileDescriptorSet_2026-03.bin", "hytech_msgs.VehicleData"},
		{"hytech_msgs_McapInfo_FileDescriptorSet_2026-03.bin", "hytech_msgs.ACUAllData"},
		{"hytech_proto_2024-03_FileDescriptorSet.bin", "mcu_status"},
	};
	DiffStats	st = {0};
	SampleSet	sets[64];
	size_t		slen,
				i;
	uint8_t    *stream = load_file("samples.stream", &slen);
	int			nsets = 0,
				k;
	Buf			set,
				full;
	HdError		err;
	HdDecoder  *d;

	build_test_schema(&set);
	build_full_message(&full);
	d = compile("protobuf", "protobuf", "t.M", set.d, set.n, &err);
	if (d != NULL)
	{
		const uint8_t *real[1] = {full.d};
		size_t		real_len[1] = {full.n};

		diff_schema(d, "t.M", 200, real, real_len, 1, &st);
	}
	hd_decoder_free(d);
	build_nested_schema(&set);
	d = compile("protobuf", "protobuf", "n.N", set.d, set.n, &err);
	check(d != NULL, "compiled paths: nested map schema compiles%s%s",
		  d ? "" : ": ", d ? "" : err.message);
	if (d != NULL)
		diff_schema(d, "n.N", 400, NULL, NULL, 0, &st);
	hd_decoder_free(d);
	for (i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++)
		diff_file_schema(schemas[i].file, schemas[i].name, 200, &st);
	if (stream != NULL)
		nsets = read_protobuf_samples(stream, slen, sets, 64);
	for (k = 0; k < nsets; k++)
	{
		d = compile("protobuf", "protobuf", sets[k].name, sets[k].schema,
					sets[k].schema_len, &err);
		if (d != NULL)
			diff_schema(d, sets[k].name, 20, sets[k].msgs, sets[k].lens,
						sets[k].n, &st);
		hd_decoder_free(d);
		free(sets[k].name);
		free(sets[k].schema);
	}
	check(nsets >= 5 && st.mismatches == 0,
		  "compiled paths = walk: %d real schemas of samples.stream; %ld comparisons in all (%ld found, %ld errors)",
		  nsets, st.compared, st.found, st.errors);
	free(stream);
}

/* ----------
 * Number formatting
 * ----------
 */
static void
test_format(void)
{
	char		buf[HD_NUMBER_TEXT_SIZE];
	static const struct
	{
		double		v;
		bool		f32;
		const char *want;
	}			cases[] = {
		{0.1, false, "0.1"}, {0.1f, true, "0.1"}, {0.1f, false, "0.10000000149011612"},
		{1e21, false, "1e+21"}, {1e-7, false, "1e-7"}, {123456789012.0, false, "123456789012"},
		{-0.0, false, "-0"}, {1.401298464324817e-45, true, "1e-45"}, {5e-324, false, "5e-324"},
		{3.4028234663852886e38, true, "3.4028235e+38"}, {16777216.0, true, "16777216"},
		{2.0 / 3.0, false, "0.6666666666666666"}, {NAN, false, "NaN"}, {-INFINITY, true, "-Infinity"},
		{1.7976931348623157e308, false, "1.7976931348623157e+308"},
	};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		hd_format_double(buf, cases[i].v, cases[i].f32);
		check_str(buf, cases[i].want, "hd_format_double: shortest round-trip text");
	}
}

/* ----------
 * The common UTF-8 and JSON string helpers (src/common)
 * ----------
 */

/* The validity of a sequence by its definition: decode, then check ranges */
static size_t
reference_utf8_length(const uint8_t *p, size_t n)
{
	static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
	size_t		len;
	uint32_t	cp;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	len = p[0] >= 0xf0 && p[0] <= 0xf7 ? 4 : p[0] >= 0xe0 && p[0] < 0xf0 ? 3 :
		p[0] >= 0xc0 && p[0] < 0xe0 ? 2 : 0;
	if (len == 0 || n < len)
		return 0;
	cp = p[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++)
	{
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static void
test_common_utf8(void)
{
	uint8_t		b[4];
	size_t		mismatches = 0;
	size_t		roundtrip_errors = 0;
	char		out[64];

	/* every 1- and 2-byte input, and every 3- and 4-byte one on a grid */
	for (uint32_t x = 0; x < 0x1000000; x++)
	{
		b[0] = (uint8_t) (x >> 16);
		b[1] = (uint8_t) (x >> 8);
		b[2] = (uint8_t) x;
		b[3] = (uint8_t) (0x80 | (x & 0x3f));
		for (size_t n = 1; n <= 4; n++)
			if (hd_utf8_sequence_length(b, n) != reference_utf8_length(b, n))
				mismatches++;
	}
	check(mismatches == 0, "common: hd_utf8_sequence_length agrees with the definition (%zu differences)",
		  mismatches);
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++)
	{
		char		enc[4];
		size_t		len = hd_utf8_encode(enc, cp);
		uint32_t	back = 0;
		size_t		used = hd_utf8_decode((const uint8_t *) enc, len, &back);
		bool		surrogate = cp >= 0xd800 && cp <= 0xdfff;

		if (surrogate ? used != 0 : (used != len || back != cp))
			roundtrip_errors++;
	}
	check(roundtrip_errors == 0, "common: every code point encodes and decodes back, surrogates are refused");
	hd_utf8_repair(out, "a\xff" "b\xe2\x82\xac" "c\x00" "d\xe2\x82", 11, true);
	check_str(out, "a\xef\xbf\xbd" "b\xe2\x82\xac" "c\xef\xbf\xbd" "d\xef\xbf\xbd\xef\xbf\xbd",
			  "common: hd_utf8_repair replaces each bad byte and NUL");
	check(hd_utf8_char_count("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") == 4,
		  "common: hd_utf8_char_count counts characters, not bytes");
}

typedef struct TextSink
{
	char		data[256];
	size_t		len;
} TextSink;

static bool
append_to_sink(void *sink, const char *data, size_t len)
{
	TextSink   *t = sink;

	if (t->len + len >= sizeof(t->data))
		return false;
	memcpy(t->data + t->len, data, len);
	t->len += len;
	t->data[t->len] = '\0';
	return true;
}

static void
test_common_json_string(void)
{
	static const char in[] = "q\"b\\n\n\r\t\x01\x7f\x00\xff\xe2\x82\xac";
	static const struct
	{
		unsigned	flags;
		const char *want;
	}			cases[] = {
		{HD_JSON_BYTES_AS_IS,
		"\"q\\\"b\\\\n\\n\\r\\t\\u0001\x7f\\u0000\xff\xe2\x82\xac\""},
		{HD_JSON_REPAIR_UTF8,
		"\"q\\\"b\\\\n\\n\\r\\t\\u0001\x7f\\u0000\xef\xbf\xbd\xe2\x82\xac\""},
		{HD_JSON_REPAIR_UTF8 | HD_JSON_NUL_AS_REPLACEMENT | HD_JSON_ESCAPE_REPLACEMENT,
		"\"q\\\"b\\\\n\\n\\r\\t\\u0001\x7f\\ufffd\\ufffd\xe2\x82\xac\""},
	};
	TextSink	t;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		t.len = 0;
		t.data[0] = '\0';
		check(hd_json_string(in, sizeof(in) - 1, cases[i].flags, append_to_sink, &t),
			  "common: hd_json_string writes through its sink");
		check_str(t.data, cases[i].want, "common: hd_json_string escapes as its flags say");
	}
	t.len = sizeof(t.data) - 2;
	check(!hd_json_string(in, sizeof(in) - 1, 0, append_to_sink, &t),
		  "common: hd_json_string stops when its sink fails");
}

int
main(int argc, char **argv)
{
	if (argc > 1)
		data_dir = argv[1];
	test_common_utf8();
	test_common_json_string();
	test_format();
	test_protobuf();
	test_protobuf_real();
	test_paths_protobuf();
	test_fields_protobuf();
	test_array_lengths_protobuf();
	test_json();
	test_cdr();
	test_ros_schema_errors();
	test_ros2idl();
	test_ros1();
	test_samples();
	test_fuzz_regressions();
	test_compiled_paths();
	test_many_paths();
	hd_json_free(&jbuf);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

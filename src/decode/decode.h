/*-------------------------------------------------------------------------
 *
 * decode.h
 *	  Public interface of hdaq's message decoders.
 *
 * A decoder is compiled once from an MCAP schema (encoding, name, data) and
 * a channel's message encoding.  It then walks the bytes of one message at a
 * time and reports what it finds to a visitor: begin/end of objects and
 * arrays, field names, and scalar values.  The walk reads the wire format
 * once and builds no intermediate message objects.  It allocates nothing,
 * except a temporary buffer for a JSON string with escapes longer than
 * 1 kB or a ROS wstring longer than 340 characters (freed before the walk
 * returns); so a visitor may leave the walk by longjmp without leaking,
 * except from the string callback of such a string.
 *
 * Supported combinations (message encoding / schema encoding):
 *
 *	  protobuf / protobuf	schema data is a serialized FileDescriptorSet,
 *							schema name the full message name
 *	  json / jsonschema		message is JSON text; the schema may be empty
 *	  json / ""				(no schema)
 *	  cdr / ros2msg			ROS 2 .msg definitions, XCDR1 (plain CDR)
 *	  cdr / ros2idl			ROS 2 IDL definitions, XCDR1
 *	  ros1 / ros1msg		ROS 1 .msg definitions and serialization
 *
 * Anything else fails to compile with HD_ERR_UNSUPPORTED.
 *
 * What is reported, per encoding:
 *
 *	  protobuf: every field of the message, in field-number order, with its
 *		default when absent (0, "", false, the enum's first value, [] for
 *		repeated fields, {} for maps, null for an absent sub-message).
 *		Members of a oneof (and proto3 optional fields) are reported only when
 *		set.  Enums are reported with their number and name (name NULL when
 *		the number is not declared); maps as objects keyed by the key's text;
 *		bytes as bytes; groups and unknown fields are skipped.  When a
 *		singular field occurs several times, the last occurrence wins.
 *	  ros (cdr, ros1): every field in declaration order; fixed arrays and
 *		sequences as arrays; byte, char and uint8 arrays as arrays of numbers;
 *		time and duration as objects {sec, nsec}.  A ROS 2 service event
 *		schema (a .srv text with "---", name ending in _Event) is expanded to
 *		the message rosbag2 records: {info, request[], response[]}.
 *	  json: the document as it is.
 *
 * Strings are reported as the bytes found in the message, not validated as
 * UTF-8; the JSON text writer (hd_json_*) repairs invalid sequences.
 *
 * All functions report failure by return value and fill an HdError when one
 * is given (it may be NULL).  Nothing here prints, aborts or keeps global
 * state; a compiled decoder is immutable and may be shared between threads.
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_DECODE_H
#define HD_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C"
{
#endif

/* ----------
 * Errors
 * ----------
 */
typedef enum HdErrorCode
{
	HD_OK = 0,
	HD_ERR_UNSUPPORTED,			/* encoding combination not supported */
	HD_ERR_SCHEMA,				/* schema invalid, or message name not found */
	HD_ERR_TRUNCATED,			/* message ends in the middle of a value */
	HD_ERR_MALFORMED,			/* message bytes are not valid for the schema */
	HD_ERR_DEPTH,				/* nesting deeper than HD_MAX_DEPTH */
	HD_ERR_PATH,				/* signal path does not fit the schema */
	HD_ERR_NOMEM,				/* out of memory while compiling */
	HD_ERR_VISITOR,				/* a visitor callback returned HD_ABORT */
	HD_ERR_ARGUMENT				/* invalid argument (NULL decoder, ...) */
} HdErrorCode;

#define HD_ERROR_MESSAGE_SIZE 2048

typedef struct HdError
{
	HdErrorCode code;
	size_t		offset;			/* byte offset in the message or schema, when
								 * it applies */
	char		message[HD_ERROR_MESSAGE_SIZE];	/* NUL-terminated, says the
												 * cause */
} HdError;

/* Deepest nesting of objects and arrays a decoder follows. */
#define HD_MAX_DEPTH 64

/* Short name of an error code ("truncated", "unsupported", ...). */
extern const char *hd_error_code_name(HdErrorCode code);

/* ----------
 * Visitor
 *
 * Every callback returns one of HdAction.  HD_SKIP after field() skips the
 * value that field announced; HD_SKIP from begin_object() or begin_array()
 * skips the contents, and the matching end callback is then not called.
 * HD_SKIP anywhere else means HD_CONTINUE.  Skipped values are stepped over
 * without being decoded where the wire format allows it (protobuf
 * length-delimited fields, fixed-size ROS arrays).  HD_STOP ends the walk
 * successfully at once; HD_ABORT ends it with HD_ERR_VISITOR.
 *
 * A NULL callback means "continue".  Array elements and map values are not
 * announced by field(); map keys are announced by field() as text.
 * ----------
 */
typedef enum HdAction
{
	HD_CONTINUE = 0,
	HD_SKIP = 1,
	HD_STOP = 2,
	HD_ABORT = 3
} HdAction;

typedef struct HdVisitor
{
	int			(*begin_object) (void *ctx);
	int			(*end_object) (void *ctx);
	/* count is the number of elements when known cheaply, else -1 */
	int			(*begin_array) (void *ctx, int64_t count);
	int			(*end_array) (void *ctx);
	int			(*field) (void *ctx, const char *name, size_t len);
	int			(*int64) (void *ctx, int64_t value);
	int			(*uint64) (void *ctx, uint64_t value);
	/* is_float32: the source was a 32-bit float (print it as one) */
	int			(*float64) (void *ctx, double value, bool is_float32);
	int			(*string) (void *ctx, const char *value, size_t len);
	int			(*bytes) (void *ctx, const uint8_t *value, size_t len);
	int			(*boolean) (void *ctx, bool value);
	int			(*null) (void *ctx);
	/* name is NULL when the number is not a declared value */
	int			(*enumeration) (void *ctx, int32_t number, const char *name);

	/*
	 * Optional.  A JSON number that is not an integer fitting int64 or
	 * uint64 goes here, as written (valid JSON number syntax) and as the
	 * nearest double, when this callback is set; to float64 otherwise.  It
	 * lets a consumer keep numbers exactly (e.g. as SQL numeric).
	 */
	int			(*number_text) (void *ctx, const char *text, size_t len,
								double value);
} HdVisitor;

/* ----------
 * Decoders
 * ----------
 */
typedef struct HdDecoder HdDecoder;

/*
 * Compile a decoder for messages of one channel.  message_encoding and
 * schema_encoding are the MCAP channel's and schema's encodings (NULL is
 * taken as ""); schema_name is the MCAP schema name (for protobuf the full
 * message name, with or without a leading dot).  schema_data is not
 * referenced after the call.  Returns NULL and fills err on failure.
 */
extern HdDecoder *hd_decoder_compile(const char *message_encoding,
									 const char *schema_encoding,
									 const char *schema_name,
									 const uint8_t *schema_data,
									 size_t schema_len,
									 HdError *err);

extern void hd_decoder_free(HdDecoder *decoder);

/* Bytes held by a compiled decoder (for bounding a cache by memory). */
extern size_t hd_decoder_memory_size(const HdDecoder *decoder);

/*
 * Walk one message.  Returns HD_OK (also after a visitor's HD_STOP) or an
 * error code, with err filled.  On error the visitor may have seen a prefix
 * of the message.
 */
extern int	hd_decode(const HdDecoder *decoder,
					  const uint8_t *msg, size_t len,
					  const HdVisitor *visitor, void *ctx,
					  HdError *err);

/* ----------
 * Signal paths
 *
 * A path names one numeric leaf of a message: field names separated by
 * dots, array indexes in brackets, map keys either as a name or quoted in
 * brackets:  current_rpms.FL   cell_voltages[3]   limits["front"].max
 * A path is checked against the schema when compiled, before any message is
 * read; an unknown name fails with HD_ERR_PATH and a message listing the
 * nearest field names.  Numbers, bools (0 or 1) and enums (their number)
 * are numeric leaves.
 * ----------
 */
typedef struct HdPath HdPath;

extern HdPath *hd_path_compile(const HdDecoder *decoder, const char *path,
							   HdError *err);
extern void hd_path_free(HdPath *path);

/*
 * Read the value a path names in one message.  *found is false when the
 * message does not hold it (index past the end of an array, absent
 * sub-message, missing map key or JSON member, value not a number).  Only
 * what leads to the value is walked.  Returns HD_OK or an error code.
 */
extern int	hd_extract_number(const HdDecoder *decoder, const HdPath *path,
							  const uint8_t *msg, size_t len,
							  double *out, bool *found, HdError *err);

/*
 * The same for several paths of one decoder in one pass over the message:
 * out[i] and found[i] receive the value of paths[i].  For protobuf, paths
 * are compiled to field numbers and only the fields on them are read
 * (protobuf_path.c); other encodings walk the message once and stop as
 * soon as every path is found.  It fails only where some path alone would.
 * At most HD_MAX_PATHS paths.
 */
#define HD_MAX_PATHS 256
extern int	hd_extract_numbers(const HdDecoder *decoder,
							   const HdPath *const *paths, int npaths,
							   const uint8_t *msg, size_t len,
							   double *out, bool *found, HdError *err);

/* ----------
 * Fields: the leaves of a decoder's schema
 *
 * One leaf per value a message can hold at the end of a path, as
 * hdaq.fields lists them: path as a signal path takes it, with [0] for the
 * elements of an array (the first; any index reads that element) and
 * ["key"] for the values of a map (the key is a placeholder: a map's keys
 * are in its messages, not its schema).  A schema that does not list its
 * fields (JSON without a schema) has no leaves.
 * ----------
 */
typedef struct HdField
{
	const char *path;
	const char *type;			/* as the schema writes it ("float", "enum"),
								 * or "number", "string", "any" */
	bool		numeric;		/* a signal can read it (numbers, bools, enums) */
	bool		repeated;		/* inside an array or map at some level */
	int			nenum;			/* names of an enum's values, by number */
	const char *const *enum_names;
} HdField;

/* Called for each leaf; return false to stop. */
typedef bool (*HdFieldFn) (void *ctx, const HdField *field);

/*
 * Call fn for each leaf of the decoder's schema, in schema order, to
 * HD_FIELDS_MAX_DEPTH levels.  A message type nested in itself is listed
 * at its first level of recursion only (child.x, not child.child.x).
 * Returns HD_OK, or an error code with err filled (HD_ERR_NOMEM).
 */
#define HD_FIELDS_MAX_DEPTH 16
extern int	hd_fields(const HdDecoder *decoder, HdFieldFn fn, void *ctx,
					  HdError *err);

/*
 * The length of every array one message holds: fn gets each array's path
 * in the form hd_fields writes it (enclosing arrays as [0], so the lengths
 * of one array in several elements of another come under one path) and
 * its number of elements; return false to stop.  Returns HD_OK or an error
 * code, as hd_decode.
 */
typedef bool (*HdArrayLengthFn) (void *ctx, const char *path, int64_t length);
extern int	hd_array_lengths(const HdDecoder *decoder, const uint8_t *msg,
							 size_t len, HdArrayLengthFn fn, void *ctx,
							 HdError *err);

/* ----------
 * JSON text
 *
 * A visitor writing compact JSON text into a growable buffer that the
 * caller reuses across messages.  NaN and infinities are written as the
 * strings "NaN", "Infinity" and "-Infinity", bytes as base64, enums as
 * their name (or number when unnamed), float32 values by the shortest text
 * that reads back as the same float32, doubles likewise; numbers of JSON
 * messages as written.
 * ----------
 */
typedef struct HdJsonBuffer
{
	char	   *data;			/* NUL-terminated text; NULL before first use */
	size_t		len;
	size_t		cap;
	/* private state of the writer */
	int			depth;
	bool		need_comma;
	bool		failed;			/* allocation failed */
} HdJsonBuffer;

extern const HdVisitor hd_json_visitor;	/* ctx is an HdJsonBuffer */

/* Empty the buffer for the next message, keeping its memory. */
extern void hd_json_reset(HdJsonBuffer *buf);
extern void hd_json_free(HdJsonBuffer *buf);

/* Decode one message to JSON text in buf (reset first). */
extern int	hd_decode_json(const HdDecoder *decoder,
						   const uint8_t *msg, size_t len,
						   HdJsonBuffer *buf, HdError *err);

/*
 * Shortest decimal text of a double (or of a float32 when is_float32) that
 * reads back exactly; "NaN", "Infinity", "-Infinity" for non-finite values.
 * buf needs HD_NUMBER_TEXT_SIZE bytes.  Returns the text length.
 */
#define HD_NUMBER_TEXT_SIZE 32
extern size_t hd_format_double(char *buf, double value, bool is_float32);

#ifdef __cplusplus
}
#endif

#endif							/* HD_DECODE_H */

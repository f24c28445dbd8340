/*-------------------------------------------------------------------------
 *
 * json.h
 *	  A small JSON reader for the hdaq command (json.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HDAQ_CLI_JSON_H
#define HDAQ_CLI_JSON_H

#include "cli.h"

typedef enum JsonType
{
	JSON_NULL,
	JSON_BOOL,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT
} JsonType;

typedef struct JsonValue
{
	JsonType	type;
	bool		boolean;
	double		number;
	char	   *text;			/* string (decoded) or number (as written) */
	size_t		count;			/* items of an array or object */
	struct JsonValue *items;
	char	  **keys;			/* member names of an object */
} JsonValue;

/* Parse a whole document; NULL (with a message in err) if it is invalid. */
extern JsonValue *json_parse(const char *text, size_t len,
							 char *err, size_t errlen);
extern void json_free(JsonValue *v);

extern const JsonValue *json_get(const JsonValue *v, const char *key);
extern const char *json_get_string(const JsonValue *v, const char *key,
								   const char *fallback);
extern const char *json_get_number_text(const JsonValue *v, const char *key,
										const char *fallback);
extern uint64_t json_get_u64(const JsonValue *v, const char *key);
extern bool json_get_double(const JsonValue *v, const char *key, double *out);
extern bool json_get_bool(const JsonValue *v, const char *key);
extern size_t json_get_array(const JsonValue *v, const char *key,
							 const JsonValue **items);

#endif							/* HDAQ_CLI_JSON_H */

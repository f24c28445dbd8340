/*-------------------------------------------------------------------------
 *
 * text.c
 *	  Support (top level, shared by every tier): text and jsonb from the
 *	  bytes an MCAP file holds.  A file's strings (topics, names, metadata)
 *	  are meant to be UTF-8 but nothing enforces it: bytes that are not
 *	  valid UTF-8, and NUL bytes, become U+FFFD so that what is stored is
 *	  always valid text.
 *
 *-------------------------------------------------------------------------
 */
#include "hdaq.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#define REPLACEMENT_CHARACTER "\xEF\xBF\xBD"

/* Valid UTF-8 without NUL bytes, in the server encoding; palloc'd. */
char *
hdaq_cstring_from_bytes(const char *data, size_t len)
{
	StringInfoData out;
	size_t		i = 0;

	initStringInfo(&out);
	while (i < len)
	{
		int			n = pg_utf_mblen((const unsigned char *) data + i);

		if (data[i] != '\0' && (size_t) n <= len - i &&
			pg_utf8_islegal((const unsigned char *) data + i, n))
		{
			appendBinaryStringInfo(&out, data + i, n);
			i += n;
		}
		else
		{
			appendStringInfoString(&out, REPLACEMENT_CHARACTER);
			i++;
		}
	}
	if (GetDatabaseEncoding() == PG_UTF8)
		return out.data;
	return pg_any_to_server(out.data, out.len, PG_UTF8);
}

text *
hdaq_text_from_bytes(const char *data, size_t len)
{
	return cstring_to_text(hdaq_cstring_from_bytes(data, len));
}

static void
push_string(JsonbParseState **state, JsonbIteratorToken token, McapString s)
{
	JsonbValue	v;
	char	   *str = hdaq_cstring_from_bytes(s.data, s.len);

	v.type = jbvString;
	v.val.string.val = str;
	v.val.string.len = strlen(str);
	pushJsonbValue(state, token, &v);
}

/* A string map as a jsonb object; "what" names its owner in errors. */
Jsonb *
hdaq_jsonb_from_string_map(McapStringMap map, const char *what)
{
	JsonbParseState *state = NULL;
	JsonbValue *result;
	McapString	key;
	McapString	value;
	McapError	err;
	uint64_t	pos = 0;
	int			rc;

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	while ((rc = mcap_string_map_next(map, &pos, &key, &value, &err)) == 1)
	{
		push_string(&state, WJB_KEY, key);
		push_string(&state, WJB_VALUE, value);
	}
	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("malformed metadata map of \"%s\": %s", what, err.message)));
	result = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(result);
}

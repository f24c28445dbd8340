/*-------------------------------------------------------------------------
 *
 * decode_stream.c
 *	  Decode a framed stream of schemas and messages to JSON lines.
 *
 * The comparison driver (compare.js) extracts schemas and messages from
 * MCAP files and writes them as frames:
 *
 *	  'S' u32le size, then u32le id and four u32le-length-prefixed strings:
 *		  message encoding, schema encoding, schema name, schema data
 *	  'M' u32le size, then u32le id and the message bytes
 *
 * For each message this prints one line: its JSON, or "!<error code>:
 * <message>" when it cannot be decoded (or its schema cannot be compiled).
 * Links only src/decode, so it checks the decoders independently of the
 * MCAP reader.
 *
 * usage: decode_stream [FILE]   (standard input when no FILE)
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/decode/decode.h"

#define MAX_IDS 65536

typedef struct Channel
{
	HdDecoder  *decoder;
	HdError		error;			/* why decoder is NULL */
	bool		defined;
} Channel;

static uint32_t
load_u32(const uint8_t *p)
{
	return (uint32_t) p[0] | ((uint32_t) p[1] << 8) |
		((uint32_t) p[2] << 16) | ((uint32_t) p[3] << 24);
}

/* Next length-prefixed string of a frame; false when the frame is short */
static bool
take_string(const uint8_t **p, const uint8_t *end, const uint8_t **s, uint32_t *len)
{
	if (end - *p < 4)
		return false;
	*len = load_u32(*p);
	*p += 4;
	if ((size_t) (end - *p) < *len)
		return false;
	*s = *p;
	*p += *len;
	return true;
}

static char *
dup_string(const uint8_t *s, uint32_t len)
{
	char	   *c = malloc((size_t) len + 1);

	if (c == NULL)
	{
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memcpy(c, s, len);
	c[len] = '\0';
	return c;
}

static bool
define_channel(Channel *channels, const uint8_t *p, const uint8_t *end)
{
	const uint8_t *s[4];
	uint32_t	len[4];
	char	   *enc,
			   *senc,
			   *name;
	uint32_t	id;
	int			i;
	Channel    *c;

	if (end - p < 4)
		return false;
	id = load_u32(p) % MAX_IDS;
	p += 4;
	for (i = 0; i < 4; i++)
		if (!take_string(&p, end, &s[i], &len[i]))
			return false;
	c = &channels[id];
	hd_decoder_free(c->decoder);
	enc = dup_string(s[0], len[0]);
	senc = dup_string(s[1], len[1]);
	name = dup_string(s[2], len[2]);
	c->decoder = hd_decoder_compile(enc, senc, name, s[3], len[3], &c->error);
	c->defined = true;
	free(enc);
	free(senc);
	free(name);
	return true;
}

static void
print_error(const HdError *err)
{
	printf("!%s: %s\n", hd_error_code_name(err->code), err->message);
}

static bool
decode_message(Channel *channels, HdJsonBuffer *buf, const uint8_t *p,
			   const uint8_t *end)
{
	Channel    *c;
	HdError		err;

	if (end - p < 4)
		return false;
	c = &channels[load_u32(p) % MAX_IDS];
	p += 4;
	if (!c->defined)
		printf("!argument: message before its schema\n");
	else if (c->decoder == NULL)
		print_error(&c->error);
	else if (hd_decode_json(c->decoder, p, (size_t) (end - p), buf, &err) != HD_OK)
		print_error(&err);
	else
		printf("%s\n", buf->data);
	return true;
}

static uint8_t *
read_all(FILE *f, size_t *len)
{
	size_t		cap = 1 << 20,
				n = 0,
				got;
	uint8_t    *data = malloc(cap);

	while (data != NULL && (got = fread(data + n, 1, cap - n, f)) > 0)
	{
		n += got;
		if (n == cap)
		{
			uint8_t    *bigger = realloc(data, cap * 2);

			if (bigger == NULL)
				free(data);
			data = bigger;
			cap *= 2;
		}
	}
	*len = n;
	return data;
}

int
main(int argc, char **argv)
{
	FILE	   *f = stdin;
	Channel    *channels = calloc(MAX_IDS, sizeof(Channel));
	HdJsonBuffer buf = {0};
	uint8_t    *data;
	size_t		len,
				pos = 0;
	int			i;

	if (argc > 1 && (f = fopen(argv[1], "rb")) == NULL)
	{
		perror(argv[1]);
		return 2;
	}
	data = read_all(f, &len);
	if (data == NULL || channels == NULL)
	{
		fprintf(stderr, "out of memory\n");
		return 2;
	}
	while (pos + 5 <= len)
	{
		uint8_t		type = data[pos];
		uint32_t	size = load_u32(data + pos + 1);
		const uint8_t *p = data + pos + 5;
		bool		ok;

		if (size > len - pos - 5)
			break;
		ok = type == 'S' ? define_channel(channels, p, p + size) :
			type == 'M' ? decode_message(channels, &buf, p, p + size) : false;
		if (!ok)
		{
			fprintf(stderr, "bad frame at byte %zu\n", pos);
			return 2;
		}
		pos += 5 + (size_t) size;
	}
	if (pos != len)
	{
		fprintf(stderr, "stream ends inside a frame at byte %zu\n", pos);
		return 2;
	}
	for (i = 0; i < MAX_IDS; i++)
		hd_decoder_free(channels[i].decoder);
	free(channels);
	hd_json_free(&buf);
	free(data);
	return 0;
}

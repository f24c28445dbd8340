/*-------------------------------------------------------------------------
 *
 * decoder_cache.c
 *	  Engine: compiled decoders, cached per backend by (schema_key, message
 *	  encoding) and bounded by memory (hdaq.decoder_cache_size, defined
 *	  here): a schema is compiled once, not once per message or per query.
 *	  When the cache is over its bound, the least recently used decoders
 *	  are freed.
 *
 * A schema that fails to compile is cached too, with its error, so that a
 * query over many messages of an unsupported encoding reports at once.
 * Cached decoders hold no reference into the database: a schema row never
 * changes once stored (schemas are deduplicated by content), so an entry
 * stays right for as long as its schema_key names the same row.  A
 * schema_key whose row was deleted is never reused (identity), so stale
 * entries are merely unused until evicted.
 *
 *-------------------------------------------------------------------------
 */
#include "engine/decoders.h"
#include "store/store.h"

#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#define MAX_ENCODING_LEN 64

typedef struct DecoderKey
{
	int64		schema_key;		/* 0 = no schema */
	char		message_encoding[MAX_ENCODING_LEN];
} DecoderKey;

typedef struct DecoderEntry
{
	DecoderKey	key;			/* hash key: must be first */
	HdDecoder  *decoder;		/* NULL when compiling failed */
	char	   *error;			/* why, in TopMemoryContext */
	char	   *schema_name;	/* in TopMemoryContext */
	size_t		size;
	uint64		last_used;
} DecoderEntry;

static int	decoder_cache_kb = 64 * 1024;

static HTAB *decoder_cache;
static size_t cache_bytes;
static uint64 use_clock;
static uint64 evictions;		/* decoders freed so far */

void
decoder_cache_define_gucs(void)
{
	DefineCustomIntVariable("hdaq.decoder_cache_size",
							"Memory a backend may keep compiled message decoders in.",
							"Least recently used decoders are freed when a query begins over this size.",
							&decoder_cache_kb,
							64 * 1024, 64, 1024 * 1024,
							PGC_USERSET, GUC_UNIT_KB,
							NULL, NULL, NULL);
}

static void
create_cache(void)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(DecoderKey);
	ctl.entrysize = sizeof(DecoderEntry);
	ctl.hcxt = TopMemoryContext;
	decoder_cache = hash_create("hdaq decoders", 64, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

static void
release_entry(DecoderEntry *e)
{
	if (e->decoder)
		hd_decoder_free(e->decoder);
	if (e->error)
		pfree(e->error);
	if (e->schema_name)
		pfree(e->schema_name);
	cache_bytes -= e->size;
}

/*
 * Free least recently used entries until the cache is within its bound.
 * Called when a function that decodes begins, never while one runs, so no
 * decoder in use is freed: during one call the cache may exceed its bound
 * by what that call needs.
 */
void
hdaq_decoder_cache_trim(void)
{
	size_t		bound = (size_t) decoder_cache_kb * 1024;

	if (decoder_cache == NULL)
		return;
	while (cache_bytes > bound)
	{
		HASH_SEQ_STATUS status;
		DecoderEntry *e;
		DecoderEntry *oldest = NULL;

		hash_seq_init(&status, decoder_cache);
		while ((e = hash_seq_search(&status)) != NULL)
			if (oldest == NULL || e->last_used < oldest->last_used)
				oldest = e;
		if (oldest == NULL)
			break;
		release_entry(oldest);
		hash_search(decoder_cache, &oldest->key, HASH_REMOVE, NULL);
		evictions++;
	}
}

uint64
hdaq_decoder_cache_evictions(void)
{
	return evictions;
}

/* Compile from the schema row; fills entry's decoder or error. */
static void
compile_entry(DecoderEntry *e)
{
	StoredSchema schema = {"", "", NULL};
	const uint8 *data = NULL;
	size_t		len = 0;
	HdError		err;

	if (e->key.schema_key != 0)
	{
		if (!store_read_schema(e->key.schema_key, &schema))
			elog(ERROR, "schema %lld not found", (long long) e->key.schema_key);
		data = (const uint8 *) VARDATA_ANY(schema.data);
		len = VARSIZE_ANY_EXHDR(schema.data);
	}
	e->schema_name = MemoryContextStrdup(TopMemoryContext, schema.name);
	e->decoder = hd_decoder_compile(e->key.message_encoding, schema.encoding,
									schema.name, data, len, &err);
	if (e->decoder == NULL)
	{
		e->error = MemoryContextStrdup(TopMemoryContext, err.message);
		e->size = sizeof(DecoderEntry) + strlen(err.message);
	}
	else
		e->size = sizeof(DecoderEntry) + hd_decoder_memory_size(e->decoder);
	if (schema.data != NULL)
		pfree(schema.data);
}

/*
 * The decoder for a channel's messages.  The caller is connected to SPI.
 * When the schema cannot be compiled, returns NULL and sets *error.
 */
const HdDecoder *
hdaq_get_decoder(bool has_schema, int64 schema_key,
				 const char *message_encoding, const char **error)
{
	DecoderKey	key;
	DecoderEntry *e;
	bool		found;

	if (decoder_cache == NULL)
		create_cache();
	memset(&key, 0, sizeof(key));
	key.schema_key = has_schema ? schema_key : 0;
	strlcpy(key.message_encoding, message_encoding, MAX_ENCODING_LEN);
	e = hash_search(decoder_cache, &key, HASH_ENTER, &found);
	if (!found)
	{
		e->decoder = NULL;
		e->error = NULL;
		e->schema_name = NULL;
		e->size = 0;
		PG_TRY();
		{
			compile_entry(e);
		}
		PG_CATCH();
		{
			release_entry(e);
			hash_search(decoder_cache, &key, HASH_REMOVE, NULL);
			PG_RE_THROW();
		}
		PG_END_TRY();
		cache_bytes += e->size;
	}
	e->last_used = ++use_clock;
	*error = e->error;
	return e->decoder;
}

const HdDecoder *
hdaq_stored_topic_decoder(const char *topic, StoredChannel *channel)
{
	ScanRequest req;
	StoredChannel *channels;
	int			n;
	const char *error;

	memset(&req, 0, sizeof(ScanRequest));
	req.topics = (char **) &topic;
	req.ntopics = 1;
	req.start_ns = PG_INT64_MIN;
	req.end_ns = PG_INT64_MAX;
	channels = store_find_channels(&req, &n);
	if (n == 0)
		return NULL;
	*channel = channels[0];
	return hdaq_get_decoder(channels[0].has_schema, channels[0].schema_key,
							channels[0].message_encoding, &error);
}

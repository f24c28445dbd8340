/*-------------------------------------------------------------------------
 *
 * main.c
 *	  The hdaq command: dispatch to a subcommand, usage, version, and the
 *	  error and allocation helpers every subcommand uses.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct Command
{
	const char *name;
	int			(*run) (int argc, char **argv);
	const char *summary;		/* NULL: not listed in the usage */
} Command;

static const Command commands[] = {
	{"ingest", cmd_ingest, "store MCAP files (and directories of them) in the database"},
	{"export", cmd_export, "write a stored file, or part of it, as .mcap or .mat"},
	{"query", cmd_query, "write the result of a query as a .mat file"},
	{"ls", cmd_ls, "list the stored files (filtered by property, time, topic)"},
	{"fields", cmd_fields, "list the fields of a topic (the paths to plot or export)"},
	{"tag", cmd_tag, "set or remove tags of a stored file"},
	{"plot", cmd_plot, "plot signals of a stored file as SVG or PNG"},
	{"laps", cmd_laps, "list the laps of a stored run on a track"},
	{"info", cmd_info, "summarise a local MCAP file (no server needed)"},
	{"sha256", cmd_sha256, NULL},
	{NULL, NULL, NULL}
};

void
cli_error(const char *fmt,...)
{
	va_list		ap;

	fflush(stdout);
	fputs("hdaq: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Report a bad command line; returns the exit status to use. */
int
cli_usage_error(const char *command, const char *fmt,...)
{
	va_list		ap;

	fputs("hdaq: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (command != NULL)
		fprintf(stderr, "Try \"hdaq %s --help\" for more information.\n", command);
	else
		fprintf(stderr, "Try \"hdaq --help\" for more information.\n");
	return EXIT_USAGE;
}

/*
 * Report what getopt_long() rejected; c is what it returned (':' for a
 * missing argument, as every optstring here starts with ':').  opterr is 0
 * so that the message carries our prefix.  Returns the exit status to use.
 */
int
cli_bad_option(const char *command, char **argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		return cli_usage_error(command, "option \"%s\" requires an argument", arg);
	if (optopt != 0)
		return cli_usage_error(command, "invalid option -- '%c'", optopt);
	return cli_usage_error(command, "invalid option \"%s\"", arg);
}

static void
out_of_memory(void)
{
	fputs("hdaq: out of memory\n", stderr);
	exit(EXIT_FAILED);
}

void *
cli_malloc(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

void *
cli_realloc(void *ptr, size_t size)
{
	void	   *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		out_of_memory();
	return p;
}

char *
cli_strdup(const char *s)
{
	size_t		len = strlen(s);
	char	   *p = cli_malloc(len + 1);

	memcpy(p, s, len + 1);
	return p;
}

static void
usage(FILE *out)
{
	fprintf(out,
			"hdaq: MCAP telemetry logs in PostgreSQL.\n\n"
			"Usage:\n  hdaq COMMAND [OPTION]... [ARG]...\n\n"
			"Commands:\n");
	for (const Command *c = commands; c->name != NULL; c++)
		if (c->summary != NULL)
			fprintf(out, "  %-8s %s\n", c->name, c->summary);
	fprintf(out,
			"\nOptions:\n"
			"  -h, --help       show this help, then exit\n"
			"  -V, --version    show the version, then exit\n\n"
			"Run \"hdaq COMMAND --help\" for the options of a command.\n"
			"Commands that use the database connect with --dsn DSN (a\n"
			"connection string or URI) or the usual PGHOST, PGPORT, PGUSER,\n"
			"PGDATABASE... environment variables.\n");
}

int
main(int argc, char **argv)
{
	const char *name;

	if (argc < 2)
	{
		usage(stderr);
		return EXIT_USAGE;
	}
	name = argv[1];
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
		strcmp(name, "help") == 0)
	{
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0)
	{
		printf("hdaq %s\n", HDAQ_VERSION);
		return EXIT_OK;
	}
	for (const Command *c = commands; c->name != NULL; c++)
	{
		if (strcmp(name, c->name) == 0)
			return c->run(argc - 1, argv + 1);
	}
	return cli_usage_error(NULL, "unknown command \"%s\"", name);
}

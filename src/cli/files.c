/*-------------------------------------------------------------------------
 *
 * files.c
 *	  The files a command line names: each PATH that is a file is taken as
 *	  it is; each directory is searched recursively for *.mcap files, which
 *	  are taken in sorted order.  Symbolic links to directories are not
 *	  followed (so a link cycle cannot loop).
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void
add_file(CliFileList *list, const char *path, uint64_t size)
{
	if (list->count == list->cap)
	{
		list->cap = list->cap ? 2 * list->cap : 16;
		list->files = cli_realloc(list->files, list->cap * sizeof(CliFile));
	}
	list->files[list->count].path = cli_strdup(path);
	list->files[list->count].size = size;
	list->count++;
}

static bool
has_mcap_suffix(const char *name)
{
	size_t		len = strlen(name);

	return len > 5 && strcmp(name + len - 5, ".mcap") == 0;
}

static int
compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *
join_path(const char *dir, const char *name)
{
	size_t		dlen = strlen(dir);
	char	   *path = cli_malloc(dlen + strlen(name) + 2);

	strcpy(path, dir);
	if (dlen == 0 || dir[dlen - 1] != '/')
		strcat(path, "/");
	strcat(path, name);
	return path;
}

/* The entry names of a directory, sorted; NULL (reported) on error. */
static char **
sorted_entries(const char *dir, size_t *count)
{
	DIR		   *d = opendir(dir);
	struct dirent *de;
	char	  **names = NULL;
	size_t		n = 0,
				cap = 0;

	if (d == NULL)
	{
		cli_error("could not open directory \"%s\": %s", dir, strerror(errno));
		return NULL;
	}
	while ((de = readdir(d)) != NULL)
	{
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap)
		{
			cap = cap ? 2 * cap : 32;
			names = cli_realloc(names, cap * sizeof(char *));
		}
		names[n++] = cli_strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(char *), compare_names);
	*count = n;
	return names ? names : cli_malloc(sizeof(char *));
}

static bool
walk_directory(const char *dir, CliFileList *list)
{
	size_t		n = 0;
	char	  **names = sorted_entries(dir, &n);
	bool		ok = names != NULL;

	for (size_t i = 0; i < n; i++)
	{
		char	   *path = join_path(dir, names[i]);
		struct stat st;

		if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
			stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			;					/* a link to a directory: not followed */
		else if (stat(path, &st) != 0)
		{
			cli_error("could not stat \"%s\": %s", path, strerror(errno));
			ok = false;
		}
		else if (S_ISDIR(st.st_mode))
			ok = walk_directory(path, list) && ok;
		else if (S_ISREG(st.st_mode) && has_mcap_suffix(names[i]))
			add_file(list, path, (uint64_t) st.st_size);
		free(path);
		free(names[i]);
	}
	free(names);
	return ok;
}

/*
 * Collect the files named by paths.  Returns false if a path does not exist
 * or a directory cannot be read (after reporting it); the list holds what
 * could be found either way.
 */
bool
cli_collect_files(char **paths, int npaths, CliFileList *list)
{
	bool		ok = true;

	memset(list, 0, sizeof(*list));
	for (int i = 0; i < npaths; i++)
	{
		struct stat st;

		if (stat(paths[i], &st) != 0)
		{
			cli_error("could not stat \"%s\": %s", paths[i], strerror(errno));
			ok = false;
		}
		else if (S_ISDIR(st.st_mode))
			ok = walk_directory(paths[i], list) && ok;
		else
			add_file(list, paths[i], (uint64_t) st.st_size);
	}
	return ok;
}

void
cli_free_files(CliFileList *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->files[i].path);
	free(list->files);
	memset(list, 0, sizeof(*list));
}

const char *
cli_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

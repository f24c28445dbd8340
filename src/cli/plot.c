/*-------------------------------------------------------------------------
 *
 * plot.c
 *	  hdaq plot --file-id N TOPIC/path... [--start T] [--end T]
 *				-o OUT.svg|OUT.png [--width W] [--height H]
 *
 * A quick look at signals of a stored file without Grafana: every signal
 * on one time axis, each reduced by the server to what the image can show
 * (hdaq.downsample, M4: the first, smallest, largest and last sample of
 * each bucket, a bucket being one pixel column of the plot area), drawn
 * with cairo as SVG or PNG, with the time and value axes labelled and a
 * legend; the value axis and the legend give the signals' units
 * (hdaq.signal_unit) when they are known.
 *
 * A signal is "Topic/path" as hdaq.signals takes it; the topic is the
 * longest topic of the file the argument starts with followed by "/", so
 * ROS topic names with slashes work ("/imu/data/linear_acceleration.x").
 * The selection is checked as export checks it, the data is all fetched,
 * and only then is the image drawn and written (through a temporary file
 * renamed into place): on any error no file is created.
 *
 *-------------------------------------------------------------------------
 */
#include "cli.h"

#include <cairo.h>
#include <cairo-svg.h>
#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define DEFAULT_WIDTH	1200
#define DEFAULT_HEIGHT	600
#define MIN_SIZE		200
#define MARKED_SAMPLES	50		/* a signal with at most this many gets markers */
#define MAX_SIZE		10000

/* the plot area's margins, in pixels */
#define MARGIN_LEFT		80
#define MARGIN_RIGHT	24
#define MARGIN_TOP		44
#define MARGIN_BOTTOM	58

typedef struct Signal
{
	const char *arg;			/* as given: Topic/path */
	char	   *topic;
	const char *path;			/* into arg */
	char	   *unit;			/* hdaq.signal_unit's; NULL when not known */
	char	   *label;			/* the legend's: arg, and [unit] when known */
	double	   *t;				/* seconds from the start of the range */
	double	   *v;
	int			n;
} Signal;

typedef struct Plot
{
	const char *dsn;
	const char *file_id;
	const char *start;
	const char *end;
	const char *out;
	bool		png;
	int			width;
	int			height;
	Signal	   *signals;
	int			nsignals;
	char	   *title;
	char	   *value_axis;		/* "value", with the signals' units */
	char	   *origin;			/* the start of the range, as text */
	double		span;			/* seconds from start to end */
} Plot;

/* Tableau's ten colours: distinct, and readable on white. */
static const double palette[10][3] = {
	{0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
	{0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
	{0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
	{0.090, 0.745, 0.812}
};

static void
usage(void)
{
	printf("Plot signals of a stored file as an SVG or PNG image.\n\n"
		   "Usage:\n  hdaq plot --file-id N [OPTION]... TOPIC/path... -o OUT.svg|OUT.png\n\n"
		   "Each TOPIC/path is a numeric field of a topic, as hdaq.signals takes it\n"
		   "(VehicleData/current_rpms.FL; hdaq fields TOPIC lists them).  All the\n"
		   "signals share one time axis; each is reduced by the server to the\n"
		   "image's width (hdaq.downsample, M4).\n\n"
		   "Options:\n"
		   "  --dsn DSN            connection string or URI (default: PG* variables)\n"
		   "  --file-id N          the stored file (see hdaq ls)\n"
		   "  --start T            from T (timestamptz; default: the signals' first message)\n"
		   "  --end T              to T, inclusive (default: their last message)\n"
		   "  -o, --output OUT     the image: .svg or .png\n"
		   "  --width W            width in pixels (default %d)\n"
		   "  --height H           height in pixels (default %d)\n"
		   "  -h, --help           show this help, then exit\n",
		   DEFAULT_WIDTH, DEFAULT_HEIGHT);
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t		ls = strlen(s),
				lx = strlen(suffix);

	return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

static bool
parse_size(const char *arg, int *out)
{
	char	   *end;
	long		v;

	if (!cli_is_digits(arg))
		return false;
	v = strtol(arg, &end, 10);
	if (v < MIN_SIZE || v > MAX_SIZE)
		return false;
	*out = (int) v;
	return true;
}

/* ----------------------------------------------------------------
 * The data
 * ----------------------------------------------------------------
 */

/*
 * Split each signal into topic and path: the longest topic of the file
 * that the argument starts with, followed by "/".  A signal whose topic is
 * not in the file is reported as export reports a topic.
 */
static bool
resolve_signals(PGconn *conn, Plot *p)
{
	const char *values[1] = {p->file_id};
	PGresult   *res;
	bool		ok = true;

	res = PQexecParams(conn, "SELECT DISTINCT topic FROM hdaq.channel WHERE file_id = $1::bigint",
					   1, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_server_error(res);
		PQclear(res);
		return false;
	}
	for (int i = 0; i < p->nsignals; i++)
	{
		Signal	   *s = &p->signals[i];
		size_t		best = 0;

		for (int r = 0; r < PQntuples(res); r++)
		{
			const char *topic = PQgetvalue(res, r, 0);
			size_t		len = strlen(topic);

			if (len > best && strncmp(s->arg, topic, len) == 0 &&
				s->arg[len] == '/' && s->arg[len + 1] != '\0')
				best = len;
		}
		if (best > 0)
		{
			s->topic = cli_malloc(best + 1);
			memcpy(s->topic, s->arg, best);
			s->topic[best] = '\0';
			s->path = s->arg + best + 1;
			continue;
		}
		/* report the part before the first '/' (after a leading one) as the topic */
		{
			const char *slash = strchr(s->arg + (s->arg[0] == '/'), '/');
			char	   *topic;

			if (slash == NULL || slash[1] == '\0')
			{
				cli_error("invalid signal \"%s\": expected TOPIC/path", s->arg);
				fprintf(stderr, "HINT: hdaq fields TOPIC lists the paths of a topic.\n");
				ok = false;
				continue;
			}
			topic = cli_malloc((size_t) (slash - s->arg) + 1);
			memcpy(topic, s->arg, (size_t) (slash - s->arg));
			topic[slash - s->arg] = '\0';
			cli_check_topics(conn, p->file_id, &topic, 1);
			free(topic);
			ok = false;
		}
	}
	PQclear(res);
	return ok;
}

/* The range (given, or the signals' messages) and the title. */
static bool
find_range(PGconn *conn, Plot *p)
{
	CliText		topics = {0};
	const char *values[4];
	PGresult   *res;
	bool		ok;

	cli_text_printf(&topics, "{");
	for (int i = 0; i < p->nsignals; i++)
	{
		char	   *one = cli_text_array(&p->signals[i].topic, 1);

		/* one is {"x"}: keep what is between the braces */
		cli_text_printf(&topics, "%s%.*s", i ? "," : "", (int) strlen(one) - 2, one + 1);
		free(one);
	}
	cli_text_printf(&topics, "}");
	values[0] = p->file_id;
	values[1] = topics.data;
	values[2] = p->start;
	values[3] = p->end;
	res = PQexecParams(conn,
					   "WITH r AS (SELECT coalesce($3::timestamptz, min(c.start_time)) AS t0, "
					   "  coalesce($4::timestamptz, max(c.end_time)) AS t1 "
					   "  FROM hdaq.channel c WHERE c.file_id = $1::bigint AND c.topic = ANY ($2::text[])) "
					   "SELECT t0::text, extract(epoch FROM t1 - t0)::float8, "
					   "  'file ' || f.file_id || coalesce(': ' || f.name, '') "
					   "FROM r, hdaq.file f WHERE f.file_id = $1::bigint",
					   4, NULL, values, NULL, NULL, 0);
	free(topics.data);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (!ok)
		cli_server_error(res);
	else if (PQgetisnull(res, 0, 0) || PQgetisnull(res, 0, 1))
	{
		cli_error("the signals have no time range in file %s", p->file_id);
		ok = false;
	}
	else
	{
		p->origin = cli_strdup(PQgetvalue(res, 0, 0));
		p->span = strtod(PQgetvalue(res, 0, 1), NULL);
		p->title = cli_strdup(PQgetvalue(res, 0, 2));
	}
	PQclear(res);
	return ok;
}

/* Fetch one signal, downsampled to buckets of one pixel column each. */
static bool
fetch_signal(PGconn *conn, const Plot *p, Signal *s, int columns)
{
	char		bucket[64];
	char		end[64];
	const char *values[6];
	PGresult   *res;
	double		seconds = p->span / columns;

	/* a bucket of at least a microsecond, the resolution of an interval */
	if (seconds < 1e-6)
		seconds = 1e-6;
	snprintf(bucket, sizeof(bucket), "%.6f", seconds);
	snprintf(end, sizeof(end), "%.6f", p->span);
	values[0] = s->topic;
	values[1] = s->path;
	values[2] = p->origin;
	values[3] = end;
	values[4] = bucket;
	values[5] = p->file_id;
	res = PQexecParams(conn,
					   "SELECT extract(epoch FROM d.time - $3::timestamptz)::float8, d.value "
					   "FROM hdaq.downsample($1, $2, $3::timestamptz, "
					   "  $3::timestamptz + make_interval(secs => $4::float8), "
					   "  make_interval(secs => $5::float8), $6::bigint) d",
					   6, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		cli_server_error(res);
		PQclear(res);
		return false;
	}
	s->n = PQntuples(res);
	s->t = cli_malloc(sizeof(double) * (size_t) s->n);
	s->v = cli_malloc(sizeof(double) * (size_t) s->n);
	for (int r = 0; r < s->n; r++)
	{
		s->t[r] = strtod(PQgetvalue(res, r, 0), NULL);
		s->v[r] = PQgetisnull(res, r, 1) ? NAN : strtod(PQgetvalue(res, r, 1), NULL);
	}
	PQclear(res);
	return true;
}

/*
 * The signals' units (hdaq.signal_unit; a server without it knows none),
 * their legend labels, and the value axis' label: "value [u1, u2]" with
 * the distinct units known.
 */
static bool
fetch_units(PGconn *conn, Plot *p)
{
	PGresult   *res = PQexec(conn, "SELECT to_regprocedure('hdaq.signal_unit(text,text,bigint)') IS NOT NULL");
	bool		have = PQresultStatus(res) == PGRES_TUPLES_OK &&
		strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	size_t		len = strlen("value []") + 1;

	PQclear(res);
	for (int i = 0; i < p->nsignals; i++)
	{
		Signal	   *s = &p->signals[i];
		const char *values[3] = {s->topic, s->path, p->file_id};

		s->unit = NULL;
		if (have)
		{
			res = PQexecParams(conn, "SELECT hdaq.signal_unit($1, $2, $3::bigint)",
							   3, NULL, values, NULL, NULL, 0);
			if (PQresultStatus(res) != PGRES_TUPLES_OK)
			{
				cli_server_error(res);
				PQclear(res);
				return false;
			}
			if (!PQgetisnull(res, 0, 0))
				s->unit = cli_strdup(PQgetvalue(res, 0, 0));
			PQclear(res);
		}
		s->label = cli_malloc(strlen(s->arg) + (s->unit ? strlen(s->unit) + 3 : 0) + 1);
		sprintf(s->label, s->unit ? "%s [%s]" : "%s", s->arg, s->unit);
		len += s->unit ? strlen(s->unit) + 2 : 0;
	}
	p->value_axis = cli_malloc(len);
	strcpy(p->value_axis, "value");
	for (int i = 0; i < p->nsignals; i++)
	{
		bool		seen = p->signals[i].unit == NULL;

		for (int j = 0; j < i && !seen; j++)
			seen = p->signals[j].unit && strcmp(p->signals[j].unit, p->signals[i].unit) == 0;
		if (seen)
			continue;
		strcat(p->value_axis, strchr(p->value_axis, '[') ? ", " : " [");
		strcat(p->value_axis, p->signals[i].unit);
	}
	if (strchr(p->value_axis, '['))
		strcat(p->value_axis, "]");
	return true;
}

/* ----------------------------------------------------------------
 * Drawing
 * ----------------------------------------------------------------
 */

/* A step of 1, 2 or 5 times a power of ten giving about target ticks. */
static double
nice_step(double range, int target)
{
	double		raw = range / target;
	double		mag = pow(10, floor(log10(raw)));
	double		f = raw / mag;

	if (f < 1.5)
		return mag;
	if (f < 3.5)
		return 2 * mag;
	if (f < 7.5)
		return 5 * mag;
	return 10 * mag;
}

/* Decimals needed to tell ticks of this step apart. */
static int
decimals(double step)
{
	int			d = (int) ceil(-log10(step) - 1e-9);

	return d < 0 ? 0 : d > 9 ? 9 : d;
}

static void
format_value(double v, double step, char *buf, size_t len)
{
	double		a = fabs(v);

	if (a != 0 && (a >= 1e7 || step < 1e-6))
		snprintf(buf, len, "%.3g", v);
	else
		snprintf(buf, len, "%.*f", decimals(step), fabs(v) < step / 2 ? 0.0 : v);
}

typedef struct Frame
{
	double		x0,
				y0,
				w,
				h;				/* the plot area */
	double		tmax;
	double		vmin,
				vmax;
} Frame;

static double
frame_x(const Frame *f, double t)
{
	return f->x0 + (f->tmax > 0 ? t / f->tmax : 0.5) * f->w;
}

static double
frame_y(const Frame *f, double v)
{
	return f->y0 + f->h - (v - f->vmin) / (f->vmax - f->vmin) * f->h;
}

static void
text_at(cairo_t *cr, double x, double y, const char *s, double align_x, double align_y)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - e.x_bearing - e.width * align_x,
				  y - e.y_bearing - e.height * align_y);
	cairo_show_text(cr, s);
}

static void
draw_axes(cairo_t *cr, const Plot *p, const Frame *f)
{
	double		tstep = nice_step(f->tmax > 0 ? f->tmax : 1, 10);
	double		vstep = nice_step(f->vmax - f->vmin, 8);
	char		label[512];

	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
						   CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 12);
	cairo_set_line_width(cr, 1);

	/* grid and tick labels: time */
	for (double t = 0; t <= f->tmax + tstep * 1e-6; t += tstep)
	{
		double		x = fmin(round(frame_x(f, t)) + 0.5, f->x0 + f->w - 0.5);

		cairo_set_source_rgb(cr, 0.90, 0.90, 0.90);
		cairo_move_to(cr, x, f->y0);
		cairo_line_to(cr, x, f->y0 + f->h);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		format_value(t, tstep, label, sizeof(label));
		text_at(cr, x, f->y0 + f->h + 6, label, 0.5, 0);
	}
	/* grid and tick labels: value */
	for (double v = ceil(f->vmin / vstep) * vstep; v <= f->vmax + vstep * 1e-6; v += vstep)
	{
		double		y = fmax(round(frame_y(f, v)) + 0.5, f->y0 + 0.5);

		cairo_set_source_rgb(cr, 0.90, 0.90, 0.90);
		cairo_move_to(cr, f->x0, y);
		cairo_line_to(cr, f->x0 + f->w, y);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		format_value(v, vstep, label, sizeof(label));
		text_at(cr, f->x0 - 6, y, label, 1, 0.5);
	}
	/* the frame */
	cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
	cairo_rectangle(cr, f->x0 + 0.5, f->y0 + 0.5, f->w - 1, f->h - 1);
	cairo_stroke(cr);

	/* axis labels: the value axis with the signals' units */
	cairo_set_font_size(cr, 13);
	snprintf(label, sizeof(label), "time (s) from %s", p->origin);
	text_at(cr, f->x0 + f->w / 2, f->y0 + f->h + 28, label, 0.5, 0);
	cairo_save(cr);
	cairo_translate(cr, 18, f->y0 + f->h / 2);
	cairo_rotate(cr, -M_PI / 2);
	text_at(cr, 0, 0, p->value_axis, 0.5, 0.5);
	cairo_restore(cr);

	/* the title */
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
						   CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 15);
	text_at(cr, f->x0, 14, p->title, 0, 0);
}

static void
draw_signals(cairo_t *cr, const Plot *p, const Frame *f)
{
	cairo_save(cr);
	cairo_rectangle(cr, f->x0, f->y0, f->w, f->h);
	cairo_clip(cr);
	cairo_set_line_width(cr, 1.5);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	for (int i = 0; i < p->nsignals; i++)
	{
		const Signal *s = &p->signals[i];
		const double *c = palette[i % 10];
		bool		pen = false;

		cairo_set_source_rgb(cr, c[0], c[1], c[2]);
		for (int k = 0; k < s->n; k++)
		{
			double		x,
						y;

			if (!isfinite(s->v[k]))
			{
				pen = false;
				continue;
			}
			x = frame_x(f, s->t[k]);
			y = frame_y(f, s->v[k]);
			if (pen)
				cairo_line_to(cr, x, y);
			else
			{
				/* a lone sample still shows: a round-capped dot */
				cairo_move_to(cr, x, y);
				cairo_line_to(cr, x + 0.01, y);
			}
			pen = true;
		}
		cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
		cairo_stroke(cr);
		/* few samples: mark each, so that a single one is seen */
		if (s->n <= MARKED_SAMPLES)
		{
			for (int k = 0; k < s->n; k++)
			{
				if (!isfinite(s->v[k]))
					continue;
				cairo_new_sub_path(cr);
				cairo_arc(cr, frame_x(f, s->t[k]), frame_y(f, s->v[k]), 3, 0, 2 * M_PI);
			}
			cairo_fill(cr);
		}
	}
	cairo_restore(cr);
}

static void
draw_legend(cairo_t *cr, const Plot *p, const Frame *f)
{
	double		line = 18;
	double		width = 0;
	double		x,
				y;

	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
						   CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 12);
	for (int i = 0; i < p->nsignals; i++)
	{
		cairo_text_extents_t e;

		cairo_text_extents(cr, p->signals[i].label, &e);
		if (e.x_advance > width)
			width = e.x_advance;
	}
	width += 40;
	x = f->x0 + f->w - width - 8;
	y = f->y0 + 8;
	cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
	cairo_rectangle(cr, x, y, width, line * p->nsignals + 8);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
	cairo_set_line_width(cr, 1);
	cairo_stroke(cr);
	for (int i = 0; i < p->nsignals; i++)
	{
		const double *c = palette[i % 10];
		double		ly = y + 4 + line * i + line / 2;

		cairo_set_source_rgb(cr, c[0], c[1], c[2]);
		cairo_set_line_width(cr, 3);
		cairo_move_to(cr, x + 8, ly);
		cairo_line_to(cr, x + 28, ly);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
		text_at(cr, x + 34, ly, p->signals[i].label, 0, 0.5);
	}
}

static void
draw(cairo_t *cr, const Plot *p)
{
	Frame		f;
	bool		any = false;

	f.x0 = MARGIN_LEFT;
	f.y0 = MARGIN_TOP;
	f.w = p->width - MARGIN_LEFT - MARGIN_RIGHT;
	f.h = p->height - MARGIN_TOP - MARGIN_BOTTOM;
	f.tmax = p->span;
	f.vmin = 0;
	f.vmax = 0;
	for (int i = 0; i < p->nsignals; i++)
		for (int k = 0; k < p->signals[i].n; k++)
		{
			double		v = p->signals[i].v[k];

			if (!isfinite(v))
				continue;
			if (!any || v < f.vmin)
				f.vmin = v;
			if (!any || v > f.vmax)
				f.vmax = v;
			any = true;
		}
	if (f.vmax - f.vmin < 1e-12 * (fabs(f.vmax) + 1))
	{
		f.vmin -= 1;
		f.vmax += 1;
	}
	else
	{
		double		pad = (f.vmax - f.vmin) * 0.05;

		f.vmin -= pad;
		f.vmax += pad;
	}

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	draw_axes(cr, p, &f);
	draw_signals(cr, p, &f);
	draw_legend(cr, p, &f);
}

/* cairo's output, gathered in memory */
static cairo_status_t
append_output(void *closure, const unsigned char *data, unsigned int length)
{
	CliText    *t = closure;

	if (t->len + length + 1 > t->cap)
	{
		t->cap = (t->len + length + 1) * 2;
		t->data = cli_realloc(t->data, t->cap);
	}
	memcpy(t->data + t->len, data, length);
	t->len += length;
	return CAIRO_STATUS_SUCCESS;
}

/* Draw the image and write it; reports and returns false on error. */
static bool
render(const Plot *p)
{
	CliText		out = {0};
	cairo_surface_t *surface;
	cairo_t    *cr;
	cairo_status_t status;
	bool		ok;

	if (p->png)
		surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, p->width, p->height);
	else
	{
		surface = cairo_svg_surface_create_for_stream(append_output, &out,
													  p->width, p->height);
		cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX);
	}
	cr = cairo_create(surface);
	draw(cr, p);
	status = cairo_status(cr);
	cairo_destroy(cr);
	if (status == CAIRO_STATUS_SUCCESS && p->png)
		status = cairo_surface_write_to_png_stream(surface, append_output, &out);
	cairo_surface_finish(surface);
	if (status == CAIRO_STATUS_SUCCESS)
		status = cairo_surface_status(surface);
	cairo_surface_destroy(surface);
	if (status != CAIRO_STATUS_SUCCESS)
	{
		cli_error("could not draw the plot: %s", cairo_status_to_string(status));
		free(out.data);
		return false;
	}
	ok = cli_write_file(p->out, out.data, out.len);
	if (ok)
	{
		char		size[32];
		int			points = 0;

		for (int i = 0; i < p->nsignals; i++)
			points += p->signals[i].n;
		cli_format_bytes(out.len, size, sizeof(size));
		printf("wrote %s (%s, %dx%d, %d signal%s, %d points)\n", p->out, size,
			   p->width, p->height, p->nsignals, p->nsignals == 1 ? "" : "s", points);
	}
	free(out.data);
	return ok;
}

/* ----------------------------------------------------------------
 * The command
 * ----------------------------------------------------------------
 */
static bool
plot(PGconn *conn, Plot *p)
{
	CliSelection sel;
	char	  **topics;
	int			empty = 0;
	bool		ok;
	int			columns = p->width - MARGIN_LEFT - MARGIN_RIGHT;

	if (!cli_check_file(conn, p->file_id) || !resolve_signals(conn, p))
		return false;
	/* the topics, the times, and that the range holds their messages */
	topics = cli_malloc(sizeof(char *) * (size_t) p->nsignals);
	for (int i = 0; i < p->nsignals; i++)
		topics[i] = p->signals[i].topic;
	memset(&sel, 0, sizeof(sel));
	sel.file_id = p->file_id;
	sel.topics = topics;
	sel.ntopics = p->nsignals;
	sel.start = p->start;
	sel.end = p->end;
	ok = cli_check_selection(conn, &sel) && find_range(conn, p) &&
		fetch_units(conn, p);
	free(topics);
	if (!ok)
		return false;
	for (int i = 0; i < p->nsignals; i++)
	{
		if (!fetch_signal(conn, p, &p->signals[i], columns))
			return false;
		if (p->signals[i].n == 0)
		{
			fprintf(stderr, "hdaq: warning: signal \"%s\" has no sample in the range\n",
					p->signals[i].arg);
			empty++;
		}
	}
	if (empty == p->nsignals)
	{
		cli_error("no signal has a sample in the range: nothing to plot");
		return false;
	}
	return render(p);
}

int
cmd_plot(int argc, char **argv)
{
	static const struct option options[] = {
		{"dsn", required_argument, NULL, 'd'},
		{"file-id", required_argument, NULL, 'i'},
		{"start", required_argument, NULL, 's'},
		{"end", required_argument, NULL, 'e'},
		{"output", required_argument, NULL, 'o'},
		{"width", required_argument, NULL, 'W'},
		{"height", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	Plot		p;
	PGconn	   *conn;
	bool		ok;
	int			c;

	memset(&p, 0, sizeof(p));
	p.width = DEFAULT_WIDTH;
	p.height = DEFAULT_HEIGHT;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", options, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				p.dsn = optarg;
				break;
			case 'i':
				p.file_id = optarg;
				break;
			case 's':
				p.start = optarg;
				break;
			case 'e':
				p.end = optarg;
				break;
			case 'o':
				p.out = optarg;
				break;
			case 'W':
				if (!parse_size(optarg, &p.width))
					return cli_usage_error("plot", "invalid width \"%s\": expected %d to %d pixels",
										   optarg, MIN_SIZE, MAX_SIZE);
				break;
			case 'H':
				if (!parse_size(optarg, &p.height))
					return cli_usage_error("plot", "invalid height \"%s\": expected %d to %d pixels",
										   optarg, MIN_SIZE, MAX_SIZE);
				break;
			case 'h':
				usage();
				return EXIT_OK;
			default:
				return cli_bad_option("plot", argv, c);
		}
	}
	if (p.file_id == NULL)
		return cli_usage_error("plot", "--file-id is required");
	if (!cli_is_digits(p.file_id))
		return cli_usage_error("plot", "invalid file id \"%s\"", p.file_id);
	if (optind >= argc)
		return cli_usage_error("plot", "no signal given (TOPIC/path)");
	if (p.out == NULL)
		return cli_usage_error("plot", "give -o OUT.svg or -o OUT.png");
	if (ends_with(p.out, ".png"))
		p.png = true;
	else if (!ends_with(p.out, ".svg"))
		return cli_usage_error("plot", "the output must end in .svg or .png: \"%s\"", p.out);
	p.nsignals = argc - optind;
	p.signals = cli_malloc(sizeof(Signal) * (size_t) p.nsignals);
	memset(p.signals, 0, sizeof(Signal) * (size_t) p.nsignals);
	for (int i = 0; i < p.nsignals; i++)
		p.signals[i].arg = argv[optind + i];

	if ((conn = cli_connect(p.dsn)) == NULL)
		return EXIT_FAILED;
	ok = plot(conn, &p);
	PQfinish(conn);
	for (int i = 0; i < p.nsignals; i++)
	{
		free(p.signals[i].topic);
		free(p.signals[i].unit);
		free(p.signals[i].label);
		free(p.signals[i].t);
		free(p.signals[i].v);
	}
	free(p.signals);
	free(p.title);
	free(p.value_axis);
	free(p.origin);
	return ok ? EXIT_OK : EXIT_FAILED;
}

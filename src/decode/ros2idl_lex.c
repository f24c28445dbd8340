/*-------------------------------------------------------------------------
 *
 * ros2idl_lex.c
 *	  The tokens of ROS 2 IDL text: identifiers, numbers, strings and
 *	  punctuation, with white space, comments and preprocessor lines
 *	  skipped; and the helpers the parser (ros2idl.c) steps with.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "ros2idl_int.h"

/* Skip white space, comments and preprocessor lines */
static void
skip_blank(IdlParser *ip)
{
	for (;;)
	{
		while (ip->p < ip->end && ros_is_space(*ip->p))
			ip->p++;
		if (ip->end - ip->p >= 2 && ip->p[0] == '/' && ip->p[1] == '/')
		{
			while (ip->p < ip->end && *ip->p != '\n')
				ip->p++;
		}
		else if (ip->end - ip->p >= 2 && ip->p[0] == '/' && ip->p[1] == '*')
		{
			ip->p += 2;
			while (ip->end - ip->p >= 2 && !(ip->p[0] == '*' && ip->p[1] == '/'))
				ip->p++;
			ip->p = ip->end - ip->p >= 2 ? ip->p + 2 : ip->end;
		}
		else if (ip->p < ip->end && *ip->p == '#')
		{
			while (ip->p < ip->end && *ip->p != '\n')
				ip->p++;
		}
		else
			return;
	}
}

void
idl_next_token(IdlParser *ip)
{
	const char *s;

	skip_blank(ip);
	s = ip->p;
	ip->tok.s = s;
	if (s >= ip->end)
	{
		ip->tok.kind = TOK_END;
		ip->tok.len = 0;
		return;
	}
	if (ros_is_ident(*s) && !(*s >= '0' && *s <= '9'))
	{
		while (ip->p < ip->end && ros_is_ident(*ip->p))
			ip->p++;
		ip->tok.kind = TOK_IDENT;
	}
	else if ((*s >= '0' && *s <= '9') || *s == '-' || *s == '+' || *s == '.')
	{
		ip->p++;
		while (ip->p < ip->end && (ros_is_ident(*ip->p) || *ip->p == '.' ||
								   ((*ip->p == '-' || *ip->p == '+') &&
									(ip->p[-1] == 'e' || ip->p[-1] == 'E'))))
			ip->p++;
		ip->tok.kind = TOK_NUMBER;
	}
	else if (*s == '"' || *s == '\'')
	{
		char		q = *s;

		ip->p++;
		while (ip->p < ip->end && *ip->p != q)
			ip->p += (*ip->p == '\\' && ip->end - ip->p >= 2) ? 2 : 1;
		if (ip->p < ip->end)
			ip->p++;
		ip->tok.kind = TOK_STRING;
	}
	else
	{
		ip->p += (ip->end - s >= 2 && s[0] == ':' && s[1] == ':') ? 2 : 1;
		ip->tok.kind = TOK_PUNCT;
	}
	ip->tok.len = (size_t) (ip->p - s);
}

bool
idl_tok_is(const IdlParser *ip, const char *text)
{
	return ip->tok.kind != TOK_END && ip->tok.len == strlen(text) &&
		memcmp(ip->tok.s, text, ip->tok.len) == 0;
}

int
idl_error(IdlParser *ip, const char *what)
{
	int			n = ip->tok.kind == TOK_END ? 0 : (int) (ip->tok.len > 40 ? 40 : ip->tok.len);

	return hd_error(ip->b->err, HD_ERR_SCHEMA, 0, "ROS 2 IDL: %s, at \"%.*s\"",
					what, n, ip->tok.s ? ip->tok.s : "");
}

int
idl_expect(IdlParser *ip, const char *text)
{
	if (!idl_tok_is(ip, text))
	{
		char		what[32];

		snprintf(what, sizeof(what), "expected \"%s\"", text);
		return idl_error(ip, what);
	}
	idl_next_token(ip);
	return HD_OK;
}

/* Skip tokens up to and including the next ';' at this nesting level */
int
idl_skip_statement(IdlParser *ip)
{
	int			nesting = 0;

	while (ip->tok.kind != TOK_END)
	{
		if (idl_tok_is(ip, "{") || idl_tok_is(ip, "("))
			nesting++;
		else if (idl_tok_is(ip, "}") || idl_tok_is(ip, ")"))
			nesting--;
		else if (idl_tok_is(ip, ";") && nesting <= 0)
		{
			idl_next_token(ip);
			return HD_OK;
		}
		idl_next_token(ip);
	}
	return idl_error(ip, "unexpected end");
}

/* @name or @name(...) */
int
idl_skip_annotations(IdlParser *ip)
{
	while (idl_tok_is(ip, "@"))
	{
		idl_next_token(ip);
		if (ip->tok.kind != TOK_IDENT)
			return idl_error(ip, "expected an annotation name");
		idl_next_token(ip);
		while (idl_tok_is(ip, "::"))
		{
			idl_next_token(ip);
			idl_next_token(ip);
		}
		if (idl_tok_is(ip, "("))
		{
			int			nesting = 0;

			do
			{
				if (idl_tok_is(ip, "("))
					nesting++;
				else if (idl_tok_is(ip, ")"))
					nesting--;
				idl_next_token(ip);
			} while (nesting > 0 && ip->tok.kind != TOK_END);
			if (nesting > 0)
				return idl_error(ip, "unterminated annotation");
		}
	}
	return HD_OK;
}

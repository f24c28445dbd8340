/*-------------------------------------------------------------------------
 *
 * ros2idl_int.h
 *	  The ROS 2 IDL parser's state and tokens, shared by the tokenizer
 *	  (ros2idl_lex.c) and the parser (ros2idl.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef HD_ROS2IDL_INT_H
#define HD_ROS2IDL_INT_H

#include "ros_int.h"

#define MAX_SCOPE 8
#define MAX_IDL_NAME 256

typedef enum TokKind
{
	TOK_END,
	TOK_IDENT,
	TOK_NUMBER,
	TOK_STRING,
	TOK_PUNCT,					/* one character, or "::" */
} TokKind;

typedef struct Token
{
	TokKind		kind;
	const char *s;
	size_t		len;
} Token;

/* A type as written in a member or typedef */
typedef struct IdlType
{
	RosPrim		prim;
	const char *type_name;		/* ROS_COMPLEX: canonical name */
	RosArrayKind array;
	uint32_t	length;
} IdlType;

typedef struct Typedef
{
	char	   *name;			/* scoped, "a::b::name" */
	IdlType		type;
} Typedef;

typedef struct IdlParser
{
	RosBuild   *b;
	const char *p;
	const char *end;
	Token		tok;			/* current token */
	const char *scope[MAX_SCOPE];
	size_t		scope_len[MAX_SCOPE];
	int			depth;
	Typedef    *typedefs;
	int			ntypedefs;
	int			cap;
} IdlParser;

/* Read the next token into ip->tok (TOK_END at the end of the text) */
extern void idl_next_token(IdlParser *ip);

/* Is the current token this punctuation or word? */
extern bool idl_tok_is(const IdlParser *ip, const char *text);

/* A schema error at the current token; returns the error code */
extern int	idl_error(IdlParser *ip, const char *what);

/* Require the current token to be text and step past it */
extern int	idl_expect(IdlParser *ip, const char *text);

/* Step past a statement the parser does not read, to its ';' */
extern int	idl_skip_statement(IdlParser *ip);

/* Step past any annotations (@name, @name(...)) */
extern int	idl_skip_annotations(IdlParser *ip);

#endif							/* HD_ROS2IDL_INT_H */

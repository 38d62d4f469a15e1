import pg from 'pg';

/**
 * A string as a PostgreSQL literal ('…', or E'…' when it holds a backslash),
 * for the rare statement that must travel in the simple query protocol
 * (several statements in one round trip, where parameters are not allowed).
 * pg's own escaping, so quotes and backslashes cannot end the literal.
 */
export const sqlLiteral = (value: string): string => pg.escapeLiteral(value);

/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How strings from outside intel-lm (paths, device names, the device's and a blob's strings,
 * command lines, record fields) are printed: escaped for a terminal in the normal output, and
 * made valid UTF-8 in JSON. nvme-intel-lm(1) (OUTPUT) and intel-lm-json(7) (STRINGS) say how.
 */
#ifndef INTEL_LM_ESCAPE_H
#define INTEL_LM_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * The length of the well-formed UTF-8 sequence (RFC 3629: no overlong form, no surrogate,
 * nothing above U+10FFFF) that @s begins with: 1 to 4, or 0 when @s begins with none (a byte
 * that is not valid UTF-8 there). @s is NUL-terminated; NUL itself is 0.
 */
size_t utf8_seq_len(const char *s);

/*
 * Write the JSON document @doc to @f with every byte that is not part of well-formed UTF-8
 * written as the JSON escape \udcHH: the code point U+DC00 + the byte (U+DC80 to U+DCFF),
 * Python's "surrogateescape". json-c writes such bytes only inside strings, as they are, so
 * this covers every string of the document. Returns 0, or EOF as fputs() does.
 */
int json_fputs_utf8(const char *doc, FILE *f);

/*
 * @s for a terminal or a log, as bash's $'...' reads it back: a backslash as \\, newline, CR
 * and tab as \n, \r and \t, and as \xHH each byte of another C0 control or DEL, of a C1
 * control (U+0080 to U+009F), of a line or paragraph separator (U+2028, U+2029) or a
 * bidirectional control (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), and each byte
 * that is not part of well-formed UTF-8. Everything else as it is.
 */

/* Whether text_escape() leaves @s as it is. */
bool text_is_plain(const char *s);

/*
 * @s escaped into @dst of @len bytes, NUL-terminated (when @len > 0) and cut, if it must be,
 * between two characters or escapes. Returns the length of the whole escaped string, without
 * its NUL, as snprintf() does.
 */
size_t text_escape(char *dst, size_t len, const char *s);

/* Room for the escaped strings of one message (esc()). */
#define ESC_ROOM	16384

struct esc_room {
	size_t used;
	char buf[ESC_ROOM];
};

/*
 * @s as text_escape() shows it: @s itself when it is plain, else its escaped copy in @room,
 * which lives as long as @room (cut, ending in "...", when @room is full). Initialise @room's
 * used to 0.
 */
const char *esc(struct esc_room *room, const char *s);

#endif /* INTEL_LM_ESCAPE_H */

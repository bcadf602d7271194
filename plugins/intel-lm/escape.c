// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Strings from outside, printed safely: escaped for a terminal (text_escape(), esc()) and made
 * valid UTF-8 in JSON (json_fputs_utf8()). escape.h says the rules.
 */
#include <stdint.h>
#include <string.h>

#include "escape.h"

static bool cont(unsigned char c)
{
	return c >= 0x80 && c <= 0xbf;
}

size_t utf8_seq_len(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];

	if (c && c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return cont(s[1]) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		/* E0 would be overlong below A0; ED above 9F would be a surrogate. */
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
			return 0;
		return cont(s[1]) && cont(s[2]) ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		/* F0 would be overlong below 90; F4 above 8F would be above U+10FFFF. */
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
			return 0;
		return cont(s[1]) && cont(s[2]) && cont(s[3]) ? 4 : 0;
	}
	return 0;
}

int json_fputs_utf8(const char *doc, FILE *f)
{
	const char *p = doc, *run = doc;

	while (*p) {
		size_t n = utf8_seq_len(p);

		if (n) {
			p += n;
			continue;
		}
		if (fwrite(run, 1, (size_t)(p - run), f) != (size_t)(p - run) ||
		    fprintf(f, "\\udc%02x", (unsigned char)*p) < 0)
			return EOF;
		run = ++p;
	}
	return fputs(run, f) < 0 ? EOF : 0;
}

/* The code point of the @n-byte well-formed sequence at @s. */
static uint32_t code_point(const unsigned char *s, size_t n)
{
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = s[0] & lead_mask[n];
	size_t i;

	for (i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/* Whether a well-formed character is shown byte by byte: it moves or hides what follows. */
static bool unsafe_char(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/*
 * How the character at @s is shown: writes its form to @out (at most 4 bytes per byte of it,
 * 16 in all) and returns the number of bytes of @s it covers; *@outlen is the form's length.
 */
static size_t escape_one(const char *s, char *out, size_t *outlen)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c = (unsigned char)*s;
	size_t n = utf8_seq_len(s), i;

	*outlen = 0;
	if (c == '\\' || c == '\n' || c == '\r' || c == '\t') {
		out[0] = '\\';
		out[1] = c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		*outlen = 2;
		return 1;
	}
	if (n == 1 && c >= 0x20 && c != 0x7f) {
		out[0] = (char)c;
		*outlen = 1;
		return 1;
	}
	if (n > 1 && !unsafe_char(code_point((const unsigned char *)s, n))) {
		memcpy(out, s, n);
		*outlen = n;
		return n;
	}
	/* A control, an unsafe character (each of its bytes), or a byte that is not UTF-8. */
	if (!n)
		n = 1;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		out[*outlen] = '\\';
		out[*outlen + 1] = 'x';
		out[*outlen + 2] = hex[c >> 4];
		out[*outlen + 3] = hex[c & 0xf];
		*outlen += 4;
	}
	return n;
}

bool text_is_plain(const char *s)
{
	char form[16];
	size_t n, len;

	for (; *s; s += n) {
		n = escape_one(s, form, &len);
		if (len != n || memcmp(form, s, n))
			return false;
	}
	return true;
}

size_t text_escape(char *dst, size_t len, const char *s)
{
	size_t total = 0, out = 0, n, flen;
	bool cut = false;
	char form[16];

	for (; *s; s += n) {
		n = escape_one(s, form, &flen);
		/* Past the cut only the length is counted. */
		if (!cut && out + flen < len) {
			memcpy(dst + out, form, flen);
			out += flen;
		} else {
			cut = true;
		}
		total += flen;
	}
	if (len)
		dst[out] = '\0';
	return total;
}

const char *esc(struct esc_room *room, const char *s)
{
	static const char more[] = "...";
	char *dst = room->buf + room->used;
	size_t left = sizeof(room->buf) - room->used, n;

	if (!s || text_is_plain(s))
		return s;
	if (left < sizeof(more) + 1)
		return more;
	n = text_escape(dst, left, s);
	if (n < left) {
		room->used += n + 1;
		return dst;
	}
	/* Cut: make room for the mark after what fitted. */
	text_escape(dst, left - (sizeof(more) - 1), s);
	n = strlen(dst);
	memcpy(dst + n, more, sizeof(more));
	room->used += n + sizeof(more);
	return dst;
}

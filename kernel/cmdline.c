/* SPDX-License-Identifier: GPL-2.0-only */
#include "cmdline.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

bool cmdline_get(const char *cmdline, const char *key, char *val, size_t size)
{
	bool found = false;
	size_t klen = 0;

	if (!cmdline || !key || !size)
		return false;
	while (key[klen])
		klen++;
	for (const char *p = cmdline; *p;) {
		while (is_space(*p))
			p++;
		const char *word = p;
		while (*p && !is_space(*p))
			p++;
		size_t wlen = (size_t)(p - word);
		if (wlen < klen)
			continue;
		size_t i = 0;
		while (i < klen && word[i] == key[i])
			i++;
		if (i != klen || (wlen > klen && word[klen] != '='))
			continue;
		/* Later words override earlier ones, as on Linux. */
		const char *v = wlen > klen ? word + klen + 1 : word + wlen;
		size_t vlen = (size_t)(p - v);
		if (vlen >= size) {
			found = false;
			continue;
		}
		for (i = 0; i < vlen; i++)
			val[i] = v[i];
		val[vlen] = '\0';
		found = true;
	}
	return found;
}

bool parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	bool any = false;

	if (!s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		s += 2;
	}
	for (; *s; s++) {
		unsigned d;
		char c = *s;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		if (d >= base || v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
		any = true;
	}
	if (!any)
		return false;
	unsigned shift = 0;
	if (*s == 'K' || *s == 'k')
		shift = 10;
	else if (*s == 'M' || *s == 'm')
		shift = 20;
	else if (*s == 'G' || *s == 'g')
		shift = 30;
	if (shift) {
		if (v > (UINT64_MAX >> shift))
			return false;
		v <<= shift;
		s++;
	}
	if (*s)
		return false;
	*out = v;
	return true;
}

bool cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out)
{
	char buf[32];

	return cmdline_get(cmdline, key, buf, sizeof(buf)) && parse_u64(buf, out);
}

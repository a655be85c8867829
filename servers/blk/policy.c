/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The block server's arguments and request checks (policy.h). Pure code:
 * no system calls, no allocation, no libc (fmt_snprintf is the kernel's
 * formatter, which libl4 and the host unit tests both have).
 */
#include "policy.h"
#include <l4/errno.h>
#include "format.h"

#define ARG_SHOWN 48             /* characters of a bad argument quoted in an error */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* Copies the name at *s (up to a character that cannot be in a name) into
 * out and moves *s past it; false if it is not 1-15 characters starting
 * with a letter. */
static bool take_name(const char **s, char out[BLK_NAME_MAX + 1])
{
	unsigned n = 0;

	while (name_char((*s)[n])) {
		if (n == BLK_NAME_MAX)
			return false;
		out[n] = (*s)[n];
		n++;
	}
	out[n] = 0;
	*s += n;
	return n > 0 && out[0] >= 'a' && out[0] <= 'z';
}

/* A decimal or 0x-hexadecimal number at *s, moving *s past it; false if
 * there is none or it does not fit 64 bits. */
static bool take_number(const char **s, uint64_t *out)
{
	const char *p = *s;
	unsigned base = 10, digits = 0;
	uint64_t v = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (;; p++, digits++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*s = p;
	*out = v;
	return digits > 0;
}

static bool take_word(const char **s, const char *word)
{
	const char *p = *s;

	while (*word && *p == *word)
		p++, word++;
	if (*word)
		return false;
	*s = p;
	return true;
}

static bool fail(struct blk_config *cfg, const char *arg, const char *why)
{
	fmt_snprintf(cfg->error, sizeof(cfg->error), "'%.*s': %s", ARG_SHOWN, arg, why);
	return false;
}

#define VOL_FORMS "vol:NAME=disk:ENDPOINT[:FIRST+COUNT] or vol:NAME=ram:MODULE"
#define GRANT_FORM "grant:PROGRAM=VOLUME[:ro][,VOLUME[:ro]]..."

static bool parse_volume(struct blk_config *cfg, const char *arg)
{
	const char *s = arg + 4;         /* past "vol:" */
	struct blk_volume_cfg v = { .first = 0 };

	if (!take_name(&s, v.name) || *s++ != '=')
		return fail(cfg, arg, "expected " VOL_FORMS " (names: 1-15 of a-z 0-9 _ -, a letter first)");
	if (take_word(&s, "disk:"))
		v.kind = BLK_DISK;
	else if (take_word(&s, "ram:"))
		v.kind = BLK_RAM;
	else
		return fail(cfg, arg, "the source is neither disk:ENDPOINT nor ram:MODULE");
	if (!take_name(&s, v.source))
		return fail(cfg, arg, "the endpoint or module is not a name (1-15 of a-z 0-9 _ -, a letter first)");
	if (v.kind == BLK_DISK && *s == ':') {
		s++;
		if (!take_number(&s, &v.first) || *s++ != '+' || !take_number(&s, &v.count))
			return fail(cfg, arg, "expected a slice FIRST+COUNT (sector numbers)");
		if (v.count == 0)
			return fail(cfg, arg, "the slice is empty");
		if (v.first > UINT64_MAX - v.count)
			return fail(cfg, arg, "the slice runs past the largest sector number");
		v.slice = true;
	}
	if (*s)
		return fail(cfg, arg, "unexpected characters after the volume's source");
	if (blk_volume_find(cfg, v.name) >= 0)
		return fail(cfg, arg, "a volume of that name exists already");
	if (cfg->volume_count == L4_BLK_MAX_VOLUMES)
		return fail(cfg, arg, "too many volumes (at most 16)");
	cfg->volumes[cfg->volume_count++] = v;
	return true;
}

static bool parse_grant(struct blk_config *cfg, const char *arg)
{
	const char *s = arg + 6;         /* past "grant:" */
	struct blk_grant_cfg g = { .volumes = 0 };
	char name[BLK_NAME_MAX + 1];

	if (!take_name(&s, g.program) || *s++ != '=')
		return fail(cfg, arg, "expected " GRANT_FORM);
	do {
		if (!take_name(&s, name))
			return fail(cfg, arg, "expected a volume name after '=' or ','");
		int i = blk_volume_find(cfg, name);
		if (i < 0)
			return fail(cfg, arg, "it names a volume no vol: argument makes");
		uint32_t bit = 1u << i;
		if (g.volumes & bit)
			return fail(cfg, arg, "it names a volume twice");
		g.volumes |= bit;
		if (take_word(&s, ":ro"))
			g.read_only |= bit;
	} while (*s++ == ',');
	if (s[-1])
		return fail(cfg, arg, "expected ',' or the end after a volume (and its :ro)");
	for (unsigned i = 0; i < cfg->grant_count; i++)
		if (str_eq(cfg->grants[i].program, g.program))
			return fail(cfg, arg, "that program has a grant already");
	if (cfg->grant_count == L4_BLK_MAX_CLIENTS)
		return fail(cfg, arg, "too many grants (at most 8 clients)");
	cfg->grants[cfg->grant_count++] = g;
	return true;
}

static bool prefix(const char *s, const char *p)
{
	while (*p && *s == *p)
		s++, p++;
	return !*p;
}

bool blk_config_parse(struct blk_config *cfg, unsigned count, const char *const *args)
{
	cfg->volume_count = cfg->grant_count = 0;
	cfg->error[0] = 0;
	for (unsigned i = 0; i < count; i++) {
		if (prefix(args[i], "vol:")) {
			if (!parse_volume(cfg, args[i]))
				return false;
		} else if (!prefix(args[i], "grant:")) {
			return fail(cfg, args[i], "unknown argument (expected " VOL_FORMS ", or " GRANT_FORM ")");
		}
	}
	for (unsigned i = 0; i < count; i++)
		if (prefix(args[i], "grant:") && !parse_grant(cfg, args[i]))
			return false;
	return true;
}

int blk_volume_find(const struct blk_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->volume_count; i++)
		if (str_eq(cfg->volumes[i].name, name))
			return (int)i;
	return -1;
}

bool blk_name_from_words(const uint64_t words[2], char name[BLK_NAME_MAX + 1])
{
	unsigned n = 0;
	char c;

	for (unsigned i = 0; i < 16; i++) {
		c = (char)(words[i / 8] >> (8 * (i % 8)));
		if (!c)
			break;
		if (i == BLK_NAME_MAX || !name_char(c))
			return false;
		name[n++] = c;
	}
	name[n] = 0;
	for (unsigned i = n; i < 16; i++)          /* one spelling: NULs only after it */
		if ((char)(words[i / 8] >> (8 * (i % 8))))
			return false;
	return n > 0;
}

uint64_t blk_check_access(const struct blk_grant_cfg *g, unsigned volume_count, uint64_t handle,
			  bool write)
{
	if (!g)
		return L4_ERIGHTS;
	if (handle >= volume_count)
		return L4_ENOENT;
	if (!(g->volumes & (1u << handle)) || (write && (g->read_only & (1u << handle))))
		return L4_ERIGHTS;
	return L4_OK;
}

uint64_t blk_check_io(uint64_t sectors, uint64_t buf_bytes, uint64_t sector, uint64_t count,
		      uint64_t offset)
{
	if (!buf_bytes)
		return L4_EFAULT;
	if (count == 0 || count > L4_BLK_MAX_SECTORS)
		return L4_EINVAL;
	if (sector >= sectors || count > sectors - sector)
		return L4_EINVAL;
	/* count is at most L4_BLK_MAX_SECTORS here: its bytes cannot overflow. */
	if (offset % L4_BLK_SECTOR_SIZE || offset > buf_bytes ||
	    count * L4_BLK_SECTOR_SIZE > buf_bytes - offset)
		return L4_EFAULT;
	return L4_OK;
}

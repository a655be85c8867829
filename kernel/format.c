/* SPDX-License-Identifier: BSD-2-Clause */
/* printf-style formatting engine (see format.h). */
#include "format.h"

struct fmt_spec {
	bool left;      /* '-': pad on the right */
	bool zero;      /* '0': pad numbers with zeros */
	bool plus;      /* '+': always print a sign */
	bool space;     /* ' ': a space where a plus would go */
	bool alt;       /* '#': 0x / 0 prefix */
	int width;
	int prec;       /* -1: none given */
};

struct fmt_out {
	fmt_sink sink;
	void *ctx;
	int count;
};

static void out_char(struct fmt_out *o, char c)
{
	o->sink(o->ctx, c);
	o->count++;
}

static void out_pad(struct fmt_out *o, char c, int n)
{
	for (; n > 0; n--)
		out_char(o, c);
}

/* Emits prefix, digits and padding of one converted field. */
static void out_field(struct fmt_out *o, const struct fmt_spec *s, const char *prefix,
		      const char *body, int body_len)
{
	int prefix_len = 0, zeros = 0;

	while (prefix[prefix_len])
		prefix_len++;
	if (s->prec > body_len)
		zeros = s->prec - body_len;
	int len = prefix_len + zeros + body_len;
	int pad = s->width > len ? s->width - len : 0;

	if (!s->left && !(s->zero && s->prec < 0)) {
		out_pad(o, ' ', pad);
		pad = 0;
	}
	for (int i = 0; i < prefix_len; i++)
		out_char(o, prefix[i]);
	if (!s->left) {
		out_pad(o, '0', pad);   /* zero flag: pad goes between prefix and digits */
		pad = 0;
	}
	out_pad(o, '0', zeros);
	for (int i = 0; i < body_len; i++)
		out_char(o, body[i]);
	out_pad(o, ' ', pad);
}

static void out_number(struct fmt_out *o, struct fmt_spec *s, uint64_t v, bool negative,
		       unsigned base, bool upper, const char *alt_prefix)
{
	bool octal_alt = base == 8 && s->alt;
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int len = 0;
	const char *prefix = "";

	/* C: a precision of 0 with a value of 0 prints no digits. */
	if (!(v == 0 && s->prec == 0)) {
		do {
			buf[sizeof(buf) - 1 - len++] = digits[v % base];
			v /= base;
		} while (v);
	}
	/* '#' with 'o' raises the precision just enough for a leading 0. */
	if (octal_alt && (len == 0 || buf[sizeof(buf) - len] != '0') && s->prec <= len)
		buf[sizeof(buf) - 1 - len++] = '0';
	if (negative)
		prefix = "-";
	else if (s->plus)
		prefix = "+";
	else if (s->space)
		prefix = " ";
	else if (alt_prefix)
		prefix = alt_prefix;
	out_field(o, s, prefix, buf + sizeof(buf) - len, len);
}

static const char *parse_int(const char *p, int *out)
{
	int v = 0;

	/* Saturates at INT_MAX rather than overflowing. */
	while (*p >= '0' && *p <= '9') {
		int d = *p - '0';
		v = v <= (INT32_MAX - d) / 10 ? v * 10 + d : INT32_MAX;
		p++;
	}
	*out = v;
	return p;
}

int fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out o = { sink, ctx, 0 };
	va_list args;

	va_copy(args, ap);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			out_char(&o, *p);
			continue;
		}
		struct fmt_spec s = { .prec = -1 };
		for (;; p++) {
			char f = p[1];
			if (f == '-')
				s.left = true;
			else if (f == '0')
				s.zero = true;
			else if (f == '+')
				s.plus = true;
			else if (f == ' ')
				s.space = true;
			else if (f == '#')
				s.alt = true;
			else
				break;
		}
		p++;
		if (*p == '*') {
			int w = va_arg(args, int);
			if (w < 0) {
				s.left = true;
				w = w == INT32_MIN ? INT32_MAX : -w;
			}
			s.width = w;
			p++;
		} else {
			p = parse_int(p, &s.width);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				s.prec = va_arg(args, int);
				if (s.prec < 0)
					s.prec = -1;
				p++;
			} else {
				p = parse_int(p, &s.prec);
			}
		}
		/* Length modifier: number of 'l's, or h/hh/z/j/t. */
		int lng = 0, shrt = 0;
		for (;; p++) {
			if (*p == 'l')
				lng++;
			else if (*p == 'h')
				shrt++;
			else if (*p == 'z' || *p == 'j' || *p == 't')
				lng = 2;
			else
				break;
		}

		uint64_t u;
		int64_t i;
		switch (*p) {
		case 'd':
		case 'i':
			if (lng)
				i = lng == 1 ? va_arg(args, long) : va_arg(args, long long);
			else
				i = va_arg(args, int);
			if (shrt == 1)
				i = (short)i;
			else if (shrt >= 2)
				i = (signed char)i;
			u = i < 0 ? -(uint64_t)i : (uint64_t)i;
			out_number(&o, &s, u, i < 0, 10, false, NULL);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (lng)
				u = lng == 1 ? va_arg(args, unsigned long) : va_arg(args, unsigned long long);
			else
				u = va_arg(args, unsigned int);
			if (shrt == 1)
				u = (unsigned short)u;
			else if (shrt >= 2)
				u = (unsigned char)u;
			s.plus = s.space = false;
			if (*p == 'u')
				out_number(&o, &s, u, false, 10, false, NULL);
			else if (*p == 'o')
				out_number(&o, &s, u, false, 8, false, NULL);
			else
				out_number(&o, &s, u, false, 16, *p == 'X',
					   s.alt && u ? (*p == 'X' ? "0X" : "0x") : NULL);
			break;
		case 'p':
			u = (uintptr_t)va_arg(args, void *);
			s.plus = s.space = false;
			out_number(&o, &s, u, false, 16, false, "0x");
			break;
		case 'c': {
			char c = (char)va_arg(args, int);
			s.zero = false;
			s.prec = -1;
			out_field(&o, &s, "", &c, 1);
			break;
		}
		case 's': {
			const char *str = va_arg(args, const char *);
			int len = 0;
			if (!str)
				str = "(null)";
			while ((s.prec < 0 || len < s.prec) && str[len])
				len++;
			s.zero = false;
			s.prec = -1;
			out_field(&o, &s, "", str, len);
			break;
		}
		case '%':
			out_char(&o, '%');
			break;
		case '\0':
			/* A lone '%' at the end: print it, stop. */
			out_char(&o, '%');
			p--;
			break;
		default:
			/* Unknown conversion: print it verbatim so the bug shows. */
			out_char(&o, '%');
			out_char(&o, *p);
			break;
		}
	}
	va_end(args);
	return o.count;
}

struct buf_sink {
	char *buf;
	size_t size;
	size_t pos;
};

static void buf_put(void *ctx, char c)
{
	struct buf_sink *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf_sink b = { buf, size, 0 };
	int n = fmt_vformat(buf_put, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

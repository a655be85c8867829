/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /bin/l4udp in the Linux guest (tools/guest-linux.sh): the UDP tools
 * busybox lacks (its nc has no UDP), for the network test (row
 * bochs-linux-net, issue 19) and make bench:
 *   l4udp flood A.B.C.D PORT COUNT   COUNT datagrams of 1,000 bytes, as
 *                                    fast as the kernel takes them (a
 *                                    broadcast address is allowed)
 *   l4udp echo A.B.C.D PORT TEXT     sends TEXT, prints the answer (2 s
 *                                    at most)
 *   l4udp wait PORT                  waits for one datagram, prints it,
 *                                    answers "ok"
 * Each prints one line starting "L4LINUX: net: ". Built without libc
 * (gcc -nostdlib -static): system calls by hand.
 */
typedef unsigned long u64;

static long sys(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

enum { SYS_WRITE = 1, SYS_SOCKET = 41, SYS_SENDTO = 44, SYS_RECVFROM = 45, SYS_BIND = 49, SYS_SETSOCKOPT = 54,
       SYS_EXIT = 60 };

struct sockaddr_in {
	unsigned short family, port;
	unsigned char addr[4];
	unsigned char zero[8];
};

static char line[1200];
static unsigned at;

static void put(const char *s, unsigned n)
{
	for (unsigned i = 0; i < n && at < sizeof(line) - 1; i++)
		line[at++] = s[i];
}

static void puts_(const char *s)
{
	unsigned n = 0;

	while (s[n])
		n++;
	put(s, n);
}

static void putnum(u64 v)
{
	char d[24];
	int k = 0;

	do
		d[k++] = (char)('0' + v % 10);
	while (v /= 10);
	while (k)
		put(&d[--k], 1);
}

static void end(int status)
{
	put("\n", 1);
	sys(SYS_WRITE, 1, (long)line, at, 0, 0, 0);
	sys(SYS_EXIT, status, 0, 0, 0, 0, 0);
}

static u64 number(const char *s)
{
	u64 v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return v;
}

static struct sockaddr_in address(const char *ip, const char *port)
{
	struct sockaddr_in a = { 2, 0, { 0 }, { 0 } };
	u64 p = number(port);

	for (int i = 0; i < 4; i++) {
		a.addr[i] = (unsigned char)number(ip);
		while (*ip >= '0' && *ip <= '9')
			ip++;
		if (*ip == '.')
			ip++;
	}
	a.port = (unsigned short)(p >> 8 | (p & 0xff) << 8);
	return a;
}

static long udp_socket(void)
{
	int one = 1;
	struct { long sec, usec; } two_seconds = { 2, 0 };
	long fd = sys(SYS_SOCKET, 2 /* AF_INET */, 2 /* SOCK_DGRAM */, 0, 0, 0, 0);

	if (fd < 0 || sys(SYS_SETSOCKOPT, fd, 1 /* SOL_SOCKET */, 6 /* SO_BROADCAST */, (long)&one, sizeof(one), 0) < 0 ||
	    sys(SYS_SETSOCKOPT, fd, 1, 20 /* SO_RCVTIMEO */, (long)&two_seconds, sizeof(two_seconds), 0) < 0) {
		puts_("L4LINUX: net: no UDP socket, error ");
		putnum((u64)-fd);
		end(1);
	}
	return fd;
}

static void print_from(const struct sockaddr_in *a)
{
	for (int i = 0; i < 4; i++) {
		putnum(a->addr[i]);
		put(i < 3 ? "." : "", i < 3);
	}
}

__attribute__((used)) void main_(long argc, char **argv);
void main_(long argc, char **argv)
{
	static char buf[1024];
	const char *cmd = argc > 1 ? argv[1] : "";
	struct sockaddr_in from;
	long fromlen = sizeof(from);

	if (argc == 5 && cmd[0] == 'f') {                       /* flood */
		struct sockaddr_in to = address(argv[2], argv[3]);
		u64 count = number(argv[4]), sent = 0;
		long fd = udp_socket();
		for (u64 i = 0; i < count; i++) {
			buf[0] = (char)i;
			sent += sys(SYS_SENDTO, fd, (long)buf, 1000, 0, (long)&to, sizeof(to)) > 0;
		}
		puts_("L4LINUX: net: flood: datagrams sent: ");
		putnum(sent);
		end(0);
	}
	if (argc == 5 && cmd[0] == 'e') {                       /* echo */
		struct sockaddr_in to = address(argv[2], argv[3]);
		unsigned n = 0;
		long fd = udp_socket();
		while (argv[4][n] && n < sizeof(buf))
			n++;
		sys(SYS_SENDTO, fd, (long)argv[4], n, 0, (long)&to, sizeof(to));
		long got = sys(SYS_RECVFROM, fd, (long)buf, sizeof(buf), 0, (long)&from, (long)&fromlen);
		if (got < 0) {
			puts_("L4LINUX: net: udp echo: no answer in 2 s");
			end(1);
		}
		puts_("L4LINUX: net: udp echo from ");
		print_from(&from);
		puts_(": ");
		put(buf, (unsigned)got);
		end(0);
	}
	if (argc == 3 && cmd[0] == 'w') {                       /* wait */
		struct sockaddr_in me = address("0.0.0.0", argv[2]);
		long fd = udp_socket(), got = -1;
		if (sys(SYS_BIND, fd, (long)&me, sizeof(me), 0, 0, 0) < 0) {
			puts_("L4LINUX: net: cannot bind the port");
			end(1);
		}
		while (got < 0)                                 /* (every 2 s the receive times out) */
			got = sys(SYS_RECVFROM, fd, (long)buf, sizeof(buf), 0, (long)&from, (long)&fromlen);
		sys(SYS_SENDTO, fd, (long)"ok", 2, 0, (long)&from, sizeof(from));   /* (the sender's echo ends) */
		puts_("L4LINUX: net: datagram from ");
		print_from(&from);
		puts_(": ");
		put(buf, (unsigned)got);
		end(0);
	}
	puts_("usage: l4udp flood A.B.C.D PORT COUNT | echo A.B.C.D PORT TEXT | wait PORT");
	end(2);
}

__asm__(".global _start\n_start:\n\tmovq (%rsp), %rdi\n\tleaq 8(%rsp), %rsi\n\tandq $-16, %rsp\n\tcall main_\n\thlt\n");

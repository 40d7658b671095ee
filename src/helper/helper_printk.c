// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf_trace_printk with the kernel's format rules (bpf_bprintf_prepare +
 * bstr_printf): the format must be NUL-terminated inside fmt_size and hold
 * only printable ASCII or white space; at most three conversions; accepted
 * are %d %i %u %x %X with optional l/ll, %c, %s, %%, the flags "0+- ", a
 * width, and the pointer forms %p %pK %px %ps %pS %pB %pks %pus %pI4 %pi4
 * %pI6 %pi6. Anything else (precision, %h, %q, "%sx" …) is -EINVAL. String
 * and IP arguments share the kernel's 512-byte argument buffer (-ENOSPC when
 * it runs out); strings are read without trusting the pointer (a bad one
 * prints as ""), since the kernel lets programs pass any scalar there.
 *
 * The result (at most 1023 bytes, as the kernel's 1024-byte buffer) goes to
 * the exec's event sink as UXDP_EVENT_TRACE_PRINTK; the return value is the
 * full formatted length.
 *
 * Where uxdp cannot match the kernel byte for byte: %p and %pK print a 32-bit
 * hash of the pointer keyed per process, in the kernel's format (the kernel's
 * key is per boot; NULL and error values print raw, as there), and %ps %pS
 * %pB print "0x<hex>" (the kernel's form for addresses without a kernel
 * symbol, which is every address a uxdp program can hold).
 */
#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "helper/helper_priv.h"

#define PRINTK_NUM_ARGS	 3		 /* MAX_TRACE_PRINTK_VARARGS */
#define PRINTK_BIN_ARGS	 512		 /* MAX_BPRINTF_BIN_ARGS */
#define PRINTK_BUF	 1024		 /* MAX_BPRINTF_BUF */
#define PRINTK_WIDTH_MAX ((1 << 23) - 1) /* vsprintf's FIELD_WIDTH_MAX */

/*
 * Copy up to len bytes from an untrusted address; returns the bytes copied
 * (fewer at the first unreadable page). process_vm_readv on ourselves reports
 * faults instead of raising them; the remote side is split at page
 * boundaries so a partial read stops exactly at the bad page.
 */
static size_t copy_nofault(void *dst, uint64_t src, size_t len)
{
	const uint64_t page = 4096;
	struct iovec local = {dst, len};
	struct iovec remote[3];
	size_t n = 0, off = 0;
	ssize_t got;

	if (src < page || src + len < src)
		return 0;
	while (off < len && n < 3) {
		uint64_t a = src + off;
		size_t chunk = (size_t)(page - (a & (page - 1)));

		if (chunk > len - off)
			chunk = len - off;
		remote[n].iov_base = (void *)(uintptr_t)a;
		remote[n].iov_len = chunk;
		off += chunk;
		n++;
	}
	local.iov_len = off;
	got = process_vm_readv(getpid(), &local, 1, remote, n, 0);
	if (got >= 0)
		return (size_t)got;
	if (errno == ENOSYS || errno == EPERM) {
		/* Sandboxed without process_vm_readv: trust what is not obviously bad. */
		if (src < 65536)
			return 0;
		memcpy(dst, (const void *)(uintptr_t)src, off);
		return off;
	}
	return 0;
}

/* strncpy_from_kernel_nofault: at most size - 1 chars plus NUL; returns length incl. NUL. */
static size_t copy_string_nofault(char *dst, uint64_t src, size_t size)
{
	size_t done = 0;

	while (done + 1 < size) {
		size_t want = size - 1 - done, got, i;

		if (want > 64)
			want = 64;
		got = copy_nofault(dst + done, src + done, want);
		for (i = 0; i < got; i++) {
			if (!dst[done + i]) {
				return done + i + 1;
			}
		}
		done += got;
		if (got < want)
			break;
	}
	dst[done] = '\0';
	return done + 1;
}

/*
 * %p / %pK: never show the raw address (the kernel's reason for hashing);
 * a keyed 64-bit mix cut to 32 bits, like the kernel's siphash id.
 */
static uint64_t pointer_id(uint64_t ptr)
{
	static _Atomic uint64_t key;
	uint64_t k = atomic_load_explicit(&key, memory_order_relaxed), z;

	if (!ptr || ptr >= (uint64_t)-4095)
		return ptr;
	if (!k) {
		struct timespec ts;
		uint64_t expected = 0;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		k = ((uint64_t)ts.tv_nsec << 32 ^ (uint64_t)ts.tv_sec ^ (uintptr_t)&ts) | 1;
		if (!atomic_compare_exchange_strong(&key, &expected, k))
			k = expected;
	}
	z = ptr ^ k;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31)) & 0xffffffffu;
}

struct printk_out {
	char buf[PRINTK_BUF];
	size_t len; /* formatted length, may exceed the buffer */
};

static void out_append(struct printk_out *o, const char *s, size_t n)
{
	if (o->len < PRINTK_BUF - 1) {
		size_t room = PRINTK_BUF - 1 - o->len;

		memcpy(o->buf + o->len, s, n < room ? n : room);
	}
	o->len += n;
}

/* snprintf into the output at its current end, counting the full length. */
static void __attribute__((format(printf, 2, 3)))
out_printf(struct printk_out *o, const char *fmt, ...)
{
	size_t at = o->len < PRINTK_BUF - 1 ? o->len : PRINTK_BUF - 1;
	char spill[2];
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (at < PRINTK_BUF - 1)
		n = vsnprintf(o->buf + at, PRINTK_BUF - at, fmt, ap);
	else
		n = vsnprintf(spill, sizeof(spill), fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* vsprintf pads strings and characters with spaces, on the left unless '-'. */
static void out_padded(struct printk_out *o, const char *flags, int width, const char *s, size_t n)
{
	size_t pad = width > 0 && (size_t)width > n ? (size_t)width - n : 0, k;
	bool left = strchr(flags, '-') != NULL;

	if (left)
		out_append(o, s, n);
	for (k = 0; k < pad; k++)
		out_append(o, " ", 1);
	if (!left)
		out_append(o, s, n);
}

static void make_spec(char *spec, size_t size, const char *flags, int width, const char *lmod,
		      char conv)
{
	if (width < 0)
		snprintf(spec, size, "%%%s%s%c", flags, lmod, conv);
	else
		snprintf(spec, size, "%%%s%d%s%c", flags, width, lmod, conv);
}

static bool fmt_char_ok(char c)
{
	unsigned char u = (unsigned char)c;

	return u < 128 && (isprint(u) || isspace(u));
}

static bool ends_str_spec(char c)
{
	return c == 0 || isspace((unsigned char)c) || ispunct((unsigned char)c);
}

static void format_ip(char *dst, size_t size, char kind, char ver, const uint8_t *ip)
{
	size_t n = 0;
	int i;

	if (ver == '4') {
		snprintf(dst, size, kind == 'I' ? "%u.%u.%u.%u" : "%03u.%03u.%03u.%03u", ip[0],
			 ip[1], ip[2], ip[3]);
		return;
	}
	dst[0] = '\0';
	for (i = 0; i < 16 && n < size; i += 2) {
		int w = snprintf(dst + n, size - n, kind == 'I' && i ? ":%02x%02x" : "%02x%02x",
				 ip[i], ip[i + 1]);

		if (w < 0)
			break;
		n += (size_t)w;
	}
}

uint64_t uxdp_bpf_trace_printk(UXDP_HELPER_ARGS)
{
	const char *fmt = (const char *)(uintptr_t)r1;
	const uint64_t args[PRINTK_NUM_ARGS] = {r3, r4, r5};
	uint32_t fmt_size = (uint32_t)r2;
	struct printk_out out;
	/* The kernel's argument buffer: only its fill level matters here. */
	char strbuf[PRINTK_BIN_ARGS];
	size_t bin = 0;
	int num_spec = 0;
	const char *end;
	size_t i, len;

	if (!fmt || !fmt_size)
		return (uint64_t)-EINVAL;
	end = memchr(fmt, 0, fmt_size);
	if (!end)
		return (uint64_t)-EINVAL;
	len = (size_t)(end - fmt);
	out.len = 0;

	for (i = 0; i < len; i++) {
		char spec[40], flags[8];
		size_t nflags = 0;
		uint64_t arg;
		int width = -1, lmod = 0;

		if (!fmt_char_ok(fmt[i]))
			return (uint64_t)-EINVAL;
		if (fmt[i] != '%') {
			out_append(&out, &fmt[i], 1);
			continue;
		}
		if (fmt[i + 1] == '%') {
			out_append(&out, "%", 1);
			i++;
			continue;
		}
		if (num_spec >= PRINTK_NUM_ARGS)
			return (uint64_t)-EINVAL;
		arg = args[num_spec];
		i++;

		/* optional "[0 +-][width]" */
		while (fmt[i] == '0' || fmt[i] == '+' || fmt[i] == '-' || fmt[i] == ' ') {
			if (nflags < sizeof(flags) - 1)
				flags[nflags++] = fmt[i];
			i++;
		}
		flags[nflags] = '\0';
		if (fmt[i] >= '1' && fmt[i] <= '9') {
			width = 0;
			while (fmt[i] >= '0' && fmt[i] <= '9') {
				if (width <= PRINTK_WIDTH_MAX)
					width = width * 10 + (fmt[i] - '0');
				i++;
			}
			if (width > PRINTK_WIDTH_MAX)
				width = PRINTK_WIDTH_MAX;
		}

		if (fmt[i] == 'p') {
			char next = fmt[i + 1];
			char text[48];
			uint8_t ip[16];
			size_t iplen;

			/* every pointer form stores a long in the argument buffer ... */
			if (ends_str_spec(next) || next == 'K' || next == 'x' || next == 's' ||
			    next == 'S') {
				bin = (bin + 3) & ~(size_t)3;
				if (bin > PRINTK_BIN_ARGS || PRINTK_BIN_ARGS - bin < 8)
					return (uint64_t)-ENOSPC;
				bin += 8;
				if (ends_str_spec(next) || next == 'K' || next == 'x') {
					if (next != 'x')
						arg = pointer_id(arg);
					/* pointer_string: 16 zero-padded digits unless a width is
					 * given */
					if (width < 0)
						snprintf(spec, sizeof(spec), "%%016llx");
					else
						make_spec(spec, sizeof(spec), flags, width, "ll",
							  'x');
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
					out_printf(&out, spec, (unsigned long long)arg);
#pragma GCC diagnostic pop
				} else {
					snprintf(text, sizeof(text), "0x%llx",
						 (unsigned long long)arg);
					out_padded(&out, flags, width, text, strlen(text));
				}
				if (!ends_str_spec(next))
					i++;
			} else if ((next == 'k' || next == 'u') && fmt[i + 2] == 's') {
				/* ... except strings, which are copied in */
				i += 2;
				goto fmt_str;
			} else if (next == 'B') {
				size_t n;

				n = (size_t)snprintf(text, sizeof(text), "0x%llx",
						     (unsigned long long)arg);
				bin += n + 1;
				out_padded(&out, flags, width, text, n);
				i++;
			} else if ((next == 'i' || next == 'I') &&
				   (fmt[i + 2] == '4' || fmt[i + 2] == '6')) {
				iplen = fmt[i + 2] == '4' ? 4 : 16;
				if (bin > PRINTK_BIN_ARGS || PRINTK_BIN_ARGS - bin < iplen)
					return (uint64_t)-ENOSPC;
				if (copy_nofault(ip, arg, iplen) != iplen)
					memset(ip, 0, iplen);
				format_ip(text, sizeof(text), next, fmt[i + 2], ip);
				/* pre-formatted into the argument buffer, truncated to what is left
				 */
				if (strlen(text) >= PRINTK_BIN_ARGS - bin)
					text[PRINTK_BIN_ARGS - bin - 1] = '\0';
				bin += strlen(text) + 1;
				out_padded(&out, flags, width, text, strlen(text));
				i += 2;
			} else {
				return (uint64_t)-EINVAL;
			}
			/* bstr_printf swallows every alphanumeric after %p ("%pI6c", "%pKabc"). */
			while (i + 1 < len && isalnum((unsigned char)fmt[i + 1]))
				i++;
			num_spec++;
			continue;
		} else if (fmt[i] == 's') {
			size_t n;
fmt_str:
			if (!ends_str_spec(fmt[i + 1]))
				return (uint64_t)-EINVAL;
			if (bin >= PRINTK_BIN_ARGS)
				return (uint64_t)-ENOSPC;
			n = copy_string_nofault(strbuf, arg, PRINTK_BIN_ARGS - bin);
			bin += n;
			out_padded(&out, flags, width, strbuf, n - 1);
			num_spec++;
			continue;
		} else if (fmt[i] == 'c') {
			char c = (char)arg;

			if (bin >= PRINTK_BIN_ARGS)
				return (uint64_t)-ENOSPC;
			bin++;
			/* a NUL character is emitted (and counted) like any other */
			out_padded(&out, flags, width, &c, 1);
			num_spec++;
			continue;
		}

		if (fmt[i] == 'l') {
			lmod++;
			i++;
		}
		if (fmt[i] == 'l') {
			lmod++;
			i++;
		}
		if (fmt[i] != 'i' && fmt[i] != 'd' && fmt[i] != 'u' && fmt[i] != 'x' &&
		    fmt[i] != 'X')
			return (uint64_t)-EINVAL;
		bin = (bin + 3) & ~(size_t)3;
		if (bin > PRINTK_BIN_ARGS || PRINTK_BIN_ARGS - bin < (lmod ? 8u : 4u))
			return (uint64_t)-ENOSPC;
		bin += lmod ? 8 : 4;

		make_spec(spec, sizeof(spec), flags, width, lmod ? "ll" : "", fmt[i]);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		if (lmod) {
			out_printf(&out, spec, (unsigned long long)arg);
		} else if (fmt[i] == 'd' || fmt[i] == 'i') {
			out_printf(&out, spec, (int)(uint32_t)arg);
		} else {
			out_printf(&out, spec, (unsigned int)(uint32_t)arg);
		}
#pragma GCC diagnostic pop
		num_spec++;
	}

	{
		struct uxdp_event ev = {
			.type = UXDP_EVENT_TRACE_PRINTK,
			.cpu = ex->cpu,
			.data = out.buf,
			.len = out.len < PRINTK_BUF - 1 ? out.len : PRINTK_BUF - 1,
		};

		uxdp_helper_emit(ex, &ev);
	}
	return out.len;
}
